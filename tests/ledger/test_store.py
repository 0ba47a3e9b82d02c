import sqlite3
from datetime import timedelta

import pytest

from imprimfip.errors import ForbiddenMove, LedgerTooNew, UnknownField, UnknownLetter
from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.schema import MIGRATIONS


def test_every_transition_is_kept_in_order(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    letter = ledger.add("courrier", "a.pdf", LetterState.CLAIMED, claim_name="x-a.pdf")
    ledger.move(letter.id, LetterState.SUBMITTING, submit_name="a_000001.pdf")
    ledger.move(letter.id, LetterState.DEPOSITED, {"note": "ok"}, internal_ref="a_1@demo.pdf")
    ledger.close()

    reopened = Ledger(tmp_path / "ledger.sqlite3")
    assert reopened.get(letter.id).internal_ref == "a_1@demo.pdf"
    steps = [(t["from_state"], t["to_state"]) for t in reopened.transitions(letter.id)]
    assert steps == [(None, "claimed"), ("claimed", "submitting"), ("submitting", "deposited")]


def test_a_forbidden_move_is_refused_and_changes_nothing(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    letter = ledger.add("courrier", "a.pdf", LetterState.CLAIMED)
    with pytest.raises(ForbiddenMove):
        ledger.move(letter.id, LetterState.DEPOSITED, internal_ref="x")
    assert ledger.get(letter.id).state is LetterState.CLAIMED
    assert ledger.get(letter.id).internal_ref is None
    assert len(ledger.transitions(letter.id)) == 1


def test_a_letter_cannot_start_deposited_nor_take_a_field_letters_do_not_have(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    with pytest.raises(ForbiddenMove):
        ledger.add("courrier", "a.pdf", LetterState.DEPOSITED)
    with pytest.raises(UnknownField):
        ledger.add("courrier", "a.pdf", LetterState.CLAIMED, colour="blue")
    assert ledger.all_letters() == []


def test_an_unknown_letter_number_is_its_own_error(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    with pytest.raises(UnknownLetter):
        ledger.get(42)
    with pytest.raises(UnknownLetter):
        ledger.move(42, LetterState.SUBMITTING)


def test_an_uncertain_letter_is_never_sent_again_without_a_person(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    letter = ledger.add("courrier", "a.pdf", LetterState.CLAIMED)
    ledger.move(letter.id, LetterState.SUBMITTING)
    ledger.move(letter.id, LetterState.UNCERTAIN)
    with pytest.raises(ForbiddenMove):
        ledger.move(letter.id, LetterState.SUBMITTING)


def test_the_ledger_is_durable_wal_with_full_sync(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    assert ledger._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger._db.execute("PRAGMA synchronous").fetchone()[0] == 2
    ledger.close()
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_a_ledger_from_a_newer_version_is_refused(tmp_path):
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(LedgerTooNew):
        Ledger(tmp_path / "ledger.sqlite3")


def test_a_duplicate_is_found_by_content_within_its_flow_only(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    first = ledger.add("courrier", "a.pdf", LetterState.CLAIMED, sha256="abc")
    ledger.move(first.id, LetterState.SUBMITTING)
    ledger.move(first.id, LetterState.DEPOSITED, internal_ref="a_1@demo.pdf")
    assert ledger.earlier_deposit("courrier", "abc", timedelta(days=90)).id == first.id
    assert ledger.earlier_deposit("autre", "abc", timedelta(days=90)) is None
    assert ledger.earlier_deposit("courrier", "def", timedelta(days=90)) is None
