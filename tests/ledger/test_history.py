"""The ledger's tracking tables through `History`: schedule, status history, alerts (real
SQLite files)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.history import WHOLE_FILE, Ended, History, Outcome, Status
from imprimfip.ledger.schema import MIGRATIONS

DEPOSIT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path):
    opened = Ledger(tmp_path / "ledger.sqlite3")
    yield opened
    opened.close()


def deposit(ledger: Ledger, name: str = "lettre.pdf", flow: str = "courrier") -> int:
    letter = ledger.add(flow, name, LetterState.CLAIMED, claim_name=name)
    ledger.move(letter.id, LetterState.SUBMITTING, submitting_since=DEPOSIT.isoformat())
    ledger.move(letter.id, LetterState.DEPOSITED, internal_ref=f"{name}@demo.pdf")
    return letter.id


def test_a_ledger_of_the_first_version_is_upgraded_and_keeps_its_letters(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0])
        db.execute(
            "INSERT INTO letters (flow, name, state, internal_ref, created_at, updated_at) "
            "VALUES ('courrier', 'ancienne.pdf', 'done', 'ancienne@demo.pdf', 'x', 'x')"
        )
        db.execute(
            "INSERT INTO transitions (letter_id, at, from_state, to_state) "
            "VALUES (1, 'x', 'submitting', 'done')"
        )
        db.execute("PRAGMA user_version = 1")
    ledger = Ledger(path)
    try:
        history = History(ledger)
        [letter], _ = history.deposits_since(history.enrolled(), 10)
        assert letter.name == "ancienne.pdf"
        assert ledger.connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    finally:
        ledger.close()


def test_new_deposits_are_found_after_a_cursor_and_enrolled_once(ledger):
    history = History(ledger)
    cursor = history.enrolled()
    first = deposit(ledger, "a.pdf")
    letters, cursor = history.deposits_since(cursor, 100)
    assert [x.id for x in letters] == [first]
    assert history.deposits_since(cursor, 100) == ([], cursor)
    history.enrolled_up_to(cursor)
    assert history.enrolled() == cursor, "kept for the next start"
    assert history.enroll(first, "STD", DEPOSIT, DEPOSIT + timedelta(minutes=10))
    assert not history.enroll(first, "STD", DEPOSIT, DEPOSIT)
    assert history.tracked(first).next_poll_at == DEPOSIT + timedelta(minutes=10)


def test_due_letters_come_most_overdue_first(ledger):
    history = History(ledger)
    late, later = deposit(ledger, "a.pdf"), deposit(ledger, "b.pdf")
    history.enroll(later, "STD", DEPOSIT, DEPOSIT + timedelta(minutes=20))
    history.enroll(late, "STD", DEPOSIT, DEPOSIT + timedelta(minutes=10))
    now = DEPOSIT + timedelta(minutes=15)
    assert [t.letter_id for t in history.due(now, 10)] == [late]
    assert [t.letter_id for t in history.due(now + timedelta(hours=1), 10)] == [late, later]
    assert history.next_due() == DEPOSIT + timedelta(minutes=10)


def test_a_poll_records_its_changes_schedule_and_alerts_each_once(ledger):
    history = History(ledger)
    letter = deposit(ledger)
    history.enroll(letter, "STD", DEPOSIT, DEPOSIT)
    seen = [Status(WHOLE_FILE, "Erreur", None, "PDF invalide")]
    now = DEPOSIT + timedelta(minutes=10)
    alert = ("error:", "file_error", {"flow": "courrier"}, ("command",))
    raised = history.record(letter, now, Outcome(tuple(seen), None, Ended.FINAL, (alert,)))
    assert [(a.key, a.pending) for a in raised] == [("error:", ("command",))]
    again = history.record(letter, now, Outcome((), None, Ended.FINAL, (alert,)))
    assert again == []
    assert [s.status for s in history.history(letter)] == ["Erreur"]
    tracked = history.tracked(letter)
    assert (tracked.polls, tracked.next_poll_at, tracked.ended) == (2, None, Ended.FINAL)
    assert history.latest(letter) == {WHOLE_FILE: seen[0]}


def test_a_notification_left_pending_is_due_again_at_its_retry_time(ledger):
    history = History(ledger)
    letter = deposit(ledger)
    history.enroll(letter, "STD", DEPOSIT, DEPOSIT)
    alert = ("overdue", "overdue", {"flow": "courrier"}, ("email", "command"))
    [raised] = history.record(letter, DEPOSIT, Outcome((), None, None, (alert,)))
    assert [a.id for a in history.alerts_to_notify(DEPOSIT)] == [raised.id]
    retry = DEPOSIT + timedelta(minutes=1)
    history.notification_done(raised.id, ("email",), retry)
    assert history.alerts_to_notify(DEPOSIT) == []
    [pending] = history.alerts_to_notify(retry)
    assert (pending.pending, pending.attempts) == (("email",), 1)
    history.notification_done(raised.id, (), None)
    assert history.alerts_to_notify(retry + timedelta(days=1)) == []
