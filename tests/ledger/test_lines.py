"""The letters' lines kept in the ledger as letters change (real SQLite files)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from bench.ledger_seed import generate

from imprimfip.ledger import Ledger, LetterState, reads
from imprimfip.ledger import lines as stored
from imprimfip.ledger.history import WHOLE_FILE, History, Outcome, Status
from imprimfip.ledger.schema import MIGRATIONS
from imprimfip.tracking import finality as f
from imprimfip.tracking.refresh import refresh
from imprimfip.tracking.schedule import Timing

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path):
    opened = Ledger(tmp_path / "ledger.sqlite3")
    yield opened
    opened.close()


def deposit(ledger: Ledger, name: str, flow: str = "courrier") -> int:
    letter = ledger.add(flow, name, LetterState.CLAIMED, claim_name=name)
    ledger.move(letter.id, LetterState.SUBMITTING, submitting_since=NOW.isoformat())
    ledger.move(letter.id, LetterState.DEPOSITED, internal_ref=f"{name}_{letter.id}@demo.pdf")
    History(ledger).enroll(letter.id, "STD", NOW, NOW + timedelta(minutes=10))
    return letter.id


def caught_up(ledger: Ledger) -> int:
    taken = 0
    while done := refresh(ledger, Timing()).letters:
        taken += done
    return taken


def shown(ledger: Ledger, **wanted: object) -> list[tuple[str, str, str]]:
    rows = reads.lines(ledger.connection, reads.Slice(**wanted))  # type: ignore[arg-type]
    return [(row["file"], row["reference"], row["status"]) for row in rows]


def counts(ledger: Ledger) -> dict[tuple[str, str], int]:
    return {(flow, status): n for flow, status, _, n in reads.counts(ledger.connection)}


def test_a_letter_shows_once_deposited_and_follows_its_statuses(ledger):
    claimed = ledger.add("courrier", "en-cours.pdf", LetterState.CLAIMED)
    letter = deposit(ledger, "Relevé d'échéances.pdf")
    caught_up(ledger)
    assert shown(ledger) == [("Relevé d'échéances.pdf", "", "Reçu")]
    assert counts(ledger) == {("courrier", "Reçu"): 1}

    History(ledger).record(
        letter,
        NOW,
        Outcome(
            (Status(WHOLE_FILE, f.SUBMITTED, None, ""), Status("P1", f.SHIPPED, None, "")),
            None,
            "final",
        ),
    )
    assert caught_up(ledger) == 1
    assert shown(ledger) == [("Relevé d'échéances.pdf", "P1", f.SHIPPED)]
    assert counts(ledger) == {("courrier", f.SHIPPED): 1}
    assert ledger.get(claimed.id).state is LetterState.CLAIMED
    assert caught_up(ledger) == 0, "nothing left once every change is taken"


def test_a_search_finds_words_of_names_and_references_without_accents(ledger):
    first = deposit(ledger, "Relevé d'échéances DUPONT.pdf")
    deposit(ledger, "Relance MARTIN.pdf")
    History(ledger).record(
        first, NOW, Outcome((Status("FAC-2026-0042", f.SHIPPED, None, ""),), None, None)
    )
    caught_up(ledger)
    assert [row[0] for row in shown(ledger, words="releve")] == ["Relevé d'échéances DUPONT.pdf"]
    assert [row[0] for row in shown(ledger, words="dup")] == ["Relevé d'échéances DUPONT.pdf"]
    assert [row[1] for row in shown(ledger, words="FAC-2026-0042")] == ["FAC-2026-0042"]
    assert [row[0] for row in shown(ledger, words="MARTIN.pdf_2@demo")] == ["Relance MARTIN.pdf"]
    assert shown(ledger, words="anne") == []


def test_a_letter_changed_while_its_lines_were_computed_is_taken_again(ledger):
    letter = deposit(ledger, "a.pdf")
    marks = stored.changed(ledger.connection, 10)
    History(ledger).record(
        letter, NOW, Outcome((Status(WHOLE_FILE, f.SUBMITTED, None, ""),), NOW, None)
    )
    with ledger.transaction() as db:
        stored.store(db, [], marks)
    assert [m.letter_id for m in stored.changed(ledger.connection, 10)] == [letter]


def test_a_void_letter_loses_its_line_and_counts_follow_every_move(ledger):
    letter = ledger.add("recommande", "incertaine.pdf", LetterState.CLAIMED)
    ledger.move(letter.id, LetterState.SUBMITTING, submitting_since=NOW.isoformat())
    ledger.move(letter.id, LetterState.UNCERTAIN)
    deposit(ledger, "b.pdf")
    caught_up(ledger)
    assert counts(ledger) == {("recommande", "Dépôt incertain"): 1, ("courrier", "Reçu"): 1}
    assert [r[0] for r in shown(ledger, to_do=True)] == ["incertaine.pdf"]
    ledger.move(letter.id, LetterState.VOID)
    caught_up(ledger)
    assert counts(ledger) == {("courrier", "Reçu"): 1}
    assert ledger.counts() == {("courrier", "deposited"): 1, ("recommande", "void"): 1}


def test_a_ledger_written_by_the_previous_version_migrates_and_keeps_every_letter(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    generate(path, 400)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
        before = db.execute("SELECT flow, state, count(*) FROM letters GROUP BY 1, 2").fetchall()
        letters = db.execute("SELECT count(*) FROM letters").fetchone()[0]
        shown_letters = db.execute(
            "SELECT count(*) FROM letters WHERE state IN ('done', 'rejected', 'uncertain')"
        ).fetchone()[0]
    renamed = {"done": LetterState.DEPOSITED}
    ledger = Ledger(path)
    try:
        assert ledger.connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert ledger.counts() == {
            (flow, renamed.get(state, state)): n for flow, state, n in before
        }
        assert caught_up(ledger) == letters
        with_lines = ledger.connection.execute(
            "SELECT count(DISTINCT letter_id) FROM letter_lines"
        ).fetchone()[0]
        assert with_lines == shown_letters
        lines = ledger.connection.execute("SELECT count(*) FROM letter_lines").fetchone()[0]
        assert sum(n for *_, n in reads.counts(ledger.connection)) == lines
    finally:
        ledger.close()
