"""Each letter as staff see it: one line per letter, and why it needs attention."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from imprimfip import reports_fr
from imprimfip.ledger import Letter, LetterState
from imprimfip.ledger.history import WHOLE_FILE, AlertRow, Ended, Status, Tracked
from imprimfip.tracking import finality as f
from imprimfip.tracking.letters import lines_of
from imprimfip.tracking.schedule import Timing
from tests.tracking.replay import DEPOSIT

REF = "lettre_03032025100000@demo.pdf"
DATE = "2025-03-04T10:15:00+01:00"


def letter(state: LetterState = LetterState.DEPOSITED) -> Letter:
    return Letter(
        1,
        "courrier",
        "lettre.pdf",
        state,
        None,
        None,
        None,
        "lettre_000001.pdf",
        REF,
        None,
        None,
        None,
        DEPOSIT.isoformat(),
        None,
        None,
        "x",
        "x",
    )


def tracked(ended: Ended | None = None) -> Tracked:
    return Tracked(
        1, "courrier", "lettre.pdf", REF, "STD", DEPOSIT, 2, None if ended else DEPOSIT, ended
    )


def alert(key: str) -> AlertRow:
    return AlertRow(1, 1, key, key, {}, (), 0)


def statuses(file: str, **documents: str) -> dict[str, Status]:
    found = {WHOLE_FILE: Status(WHOLE_FILE, file, DATE, "")}
    found.update({ref: Status(ref, s, DATE, f"message {ref}") for ref, s in documents.items()})
    return found


def test_a_letter_not_analysed_yet_reads_as_received_at_its_deposit():
    [line] = lines_of(letter(), tracked(), {}, [], Timing())
    assert (line.status, line.status_date, line.attention) == (reports_fr.RECEIVED, DEPOSIT, None)
    assert line.followed


def test_a_mono_document_letter_shows_its_document_status_without_a_reference():
    [line] = lines_of(letter(), tracked(), statuses(f.SUBMITTED, **{REF: f.SHIPPED}), [], Timing())
    assert (line.status, line.reference, line.attention) == (f.SHIPPED, "", None)
    assert line.status_date is not None and line.status_date.isoformat() == DATE


def test_a_multi_document_file_is_one_line_per_business_reference():
    latest = statuses(f.SUBMITTED_WITH_ERRORS, P1=f.SHIPPED, P2=f.ERROR)
    lines = lines_of(letter(), tracked(), latest, [alert("error:P2")], Timing())
    assert [(x.reference, x.status, x.attention) for x in lines] == [
        ("P1", f.SHIPPED, None),
        ("P2", f.ERROR, "error"),
    ]


def test_why_a_letter_needs_attention():
    waiting = statuses(f.SUBMITTED, **{REF: f.WAITING})
    [overdue] = lines_of(letter(), tracked(), waiting, [alert("overdue")], Timing())
    assert overdue.attention == "overdue"
    shipped = statuses(f.SUBMITTED, **{REF: f.SHIPPED})
    [late_but_shipped] = lines_of(letter(), tracked(), shipped, [alert("overdue")], Timing())
    assert late_but_shipped.attention is None
    [refused] = lines_of(
        letter(), tracked(), statuses(f.SUBMITTED, **{REF: f.REFUSED}), [], Timing()
    )
    assert refused.attention == "delivery"
    [failed] = lines_of(letter(), tracked(), statuses(f.ERROR), [], Timing())
    assert (failed.status, failed.attention) == (f.ERROR, "error")


def test_an_uncertain_deposit_and_a_letter_no_longer_followed():
    [uncertain] = lines_of(letter(LetterState.UNCERTAIN), None, {}, [], Timing())
    assert (uncertain.status, uncertain.attention) == (reports_fr.UNCERTAIN, "uncertain")
    [given_up] = lines_of(
        letter(), tracked(Ended.HORIZON), statuses(f.SUBMITTED, **{REF: f.WAITING}), [], Timing()
    )
    assert given_up.attention == "not_followed"
    assert given_up.message == "Plus suivi : aucun statut final 10 jours après le dépôt."
    assert not given_up.followed
    assert given_up.deposited_at == DEPOSIT
    assert given_up.status_date is not None and given_up.status_date - DEPOSIT > timedelta(0)


def test_a_letter_refused_before_deposit_is_listed_for_staff_to_fix():
    refused = dataclasses.replace(
        letter(LetterState.REJECTED),
        reason="Ce fichier n'est pas un PDF.\nDeuxième raison.",
        updated_at=DEPOSIT.isoformat(),
    )
    [line] = lines_of(refused, None, {}, [], Timing())
    assert (line.status, line.attention) == (reports_fr.REFUSED_BEFORE, "rejected")
    assert line.message == "Ce fichier n'est pas un PDF."
    assert line.status_date == DEPOSIT
    assert not line.followed
