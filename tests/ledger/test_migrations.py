"""A ledger written by an earlier version opens, migrates and keeps every letter.

`fixtures/ledger-v2.sql` is a dump (sqlite3's iterdump) of a ledger written through the
`Ledger` and `History` of schema version 2, when a deposited letter's state was stored as
`done`: deposited, refused, resolved, resent, voided and in-flight letters, with their
transitions, poll schedules, status history and an alert.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from imprimfip.ledger import Ledger, LetterState, reads, schema
from imprimfip.ledger.history import History
from imprimfip.ledger.probes import AbsentRefs
from imprimfip.ledger.schema import MIGRATIONS
from imprimfip.tracking.refresh import refresh
from imprimfip.tracking.schedule import Timing

FIXTURE = Path(__file__).parent / "fixtures" / "ledger-v2.sql"
RENAMED = {"done": LetterState.DEPOSITED}


def table(db: sqlite3.Connection, name: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in db.execute(f"SELECT * FROM {name} ORDER BY rowid")]


@pytest.fixture
def old_ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.executescript(FIXTURE.read_text(encoding="utf-8"))
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    return path


def test_every_letter_and_transition_of_a_version_2_ledger_is_kept(old_ledger):
    with closing(sqlite3.connect(old_ledger)) as db:
        letters_before = table(db, "letters")
        transitions_before = table(db, "transitions")
        others_before = {name: table(db, name) for name in ("tracking", "status_history", "alerts")}

    ledger = Ledger(old_ledger)
    try:
        db = ledger.connection
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert table(db, "letters") == [
            (*row[:3], RENAMED.get(row[3], row[3]), *row[4:]) for row in letters_before
        ]
        assert table(db, "transitions") == [
            (*row[:3], RENAMED.get(row[3], row[3]), RENAMED.get(row[4], row[4]), row[5])
            for row in transitions_before
        ]
        assert {name: table(db, name) for name in others_before} == others_before

        states = {letter.name: letter.state for letter in ledger.all_letters()}
        assert states == {
            "a.pdf": LetterState.DEPOSITED,
            "b.pdf": LetterState.REJECTED,
            "c.pdf": LetterState.REJECTED,
            "d.pdf": LetterState.DEPOSITED,
            "e.pdf": LetterState.VOID,
            "f.pdf": LetterState.VOID,
            "g.pdf": LetterState.CLAIMED,
            "h.pdf": LetterState.SUBMITTING,
            "i.pdf": LetterState.DEPOSITED,
            "j.pdf": LetterState.DEPOSITED,
        }
    finally:
        ledger.close()


def test_a_migrated_ledger_goes_on_as_a_new_one(old_ledger):
    ledger = Ledger(old_ledger)
    try:
        history = History(ledger)
        [untracked], _ = history.deposits_since(history.enrolled(), 100)
        assert untracked.name == "j.pdf"
        deposits, _ = history.deposits_since(0, 100)
        assert [letter.name for letter in deposits] == ["a.pdf", "d.pdf", "i.pdf", "j.pdf"]
        [in_flight] = ledger.in_states(LetterState.SUBMITTING)
        moved = ledger.move(in_flight.id, LetterState.DEPOSITED, internal_ref="h_8@demo.pdf")
        assert moved.state is LetterState.DEPOSITED
    finally:
        ledger.close()


def test_a_migrated_ledger_records_the_search_for_an_uncertain_deposit(old_ledger):
    ledger = Ledger(old_ledger)
    try:
        [in_flight] = ledger.in_states(LetterState.SUBMITTING)
        absent = AbsentRefs(ledger)
        assert absent.of(in_flight.id) == frozenset()
        absent.record(in_flight.id, "h_8@demo.pdf")
    finally:
        ledger.close()

    reopened = Ledger(old_ledger)
    try:
        assert AbsentRefs(reopened).of(in_flight.id) == {"h_8@demo.pdf"}
    finally:
        reopened.close()


def test_a_version_2_ledger_migrated_through_every_version_counts_and_shows_its_letters(
    old_ledger,
):
    """Migration 5 counts letters by state and notes every letter for its lines after 3
    renamed `done`: the counts say `deposited`, and every deposited letter gets its line."""
    with closing(sqlite3.connect(old_ledger)) as db:
        rows = db.execute("SELECT flow, name, state FROM letters").fetchall()
    by_state: dict[tuple[str, str], int] = {}
    for flow, _, state in rows:
        key = (flow, RENAMED.get(state, state))
        by_state[key] = by_state.get(key, 0) + 1
    shown = {name for _, name, state in rows if state in ("done", "rejected", "uncertain")}

    ledger = Ledger(old_ledger)
    try:
        db = ledger.connection
        assert ledger.counts() == by_state
        while refresh(ledger, Timing()).letters:
            pass
        assert {row[0] for row in db.execute("SELECT file FROM letter_lines")} == shown
        lines = db.execute("SELECT count(*) FROM letter_lines").fetchone()[0]
        assert sum(n for *_, n in reads.counts(db)) == lines

        [in_flight] = ledger.in_states(LetterState.SUBMITTING)
        ledger.move(in_flight.id, LetterState.DEPOSITED, internal_ref="h_8@demo.pdf")
        key = (in_flight.flow, str(LetterState.DEPOSITED))
        assert ledger.counts()[key] == by_state.get(key, 0) + 1
        assert (in_flight.flow, "submitting") not in ledger.counts()
        refresh(ledger, Timing())
        assert in_flight.name in {row[0] for row in db.execute("SELECT file FROM letter_lines")}
    finally:
        ledger.close()


def _migrating(caplog: pytest.LogCaptureFixture, field: str) -> list[dict[str, Any]]:
    """The `ledger_migrating` lines that carry `field`, as the daemon renders their fields."""
    return [
        vars(record)
        for record in caplog.records
        if record.getMessage() == "ledger_migrating" and hasattr(record, field)
    ]


def test_a_long_migration_says_it_is_still_at_work(old_ledger, monkeypatch, caplog):
    monkeypatch.setattr(schema, "PROGRESS_EVERY_S", 0.0)
    monkeypatch.setattr(schema, "_STEPS", 100)
    with caplog.at_level(logging.INFO, logger=schema.__name__):
        Ledger(old_ledger).close()
    said = _migrating(caplog, "seconds")
    assert {log["to_version"] for log in said} >= {3, 5}
    assert all(log["seconds"] >= 0 for log in said)


def test_renaming_every_state_says_the_rows_done_of_all_to_do(old_ledger, monkeypatch, caplog):
    monkeypatch.setattr(schema, "PROGRESS_EVERY_S", 0.0)
    monkeypatch.setattr(schema, "RANGE_IDS", 4)
    with closing(sqlite3.connect(old_ledger)) as db:
        letters, moves = (
            db.execute(f"SELECT max(id) - min(id) + 1 FROM {name}").fetchone()[0]
            for name in ("letters", "transitions")
        )
    with caplog.at_level(logging.INFO, logger=schema.__name__):
        Ledger(old_ledger).close()
    said = _migrating(caplog, "done")
    assert {log["to_version"] for log in said} == {3}
    assert [log["total"] for log in said] == [letters + 2 * moves] * len(said)
    done = [log["done"] for log in said]
    assert done == sorted(done) and done[0] == 4 and done[-1] == letters + 2 * moves
    assert said[-1]["percent"] == 100.0
