"""Copies of a live ledger, and a damaged ledger recognised as such: real SQLite files."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from imprimfip.errors import LedgerDamaged
from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.backup import (
    DailyBackups,
    backup_name,
    copy_ledger,
    latest,
    next_backup_at,
    taken_at,
    to_prune,
)
from imprimfip.ledger.integrity import quick_check
from tests.fixtures.ledgers import damage_page, damage_schema, filled_ledger, not_a_database

NOW = datetime(2026, 3, 2, 10, 30, 0)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- when, and which to keep: pure ---------------------------------------------------------


def test_a_backup_name_says_when_it_was_taken_and_sorts_by_date():
    assert backup_name(NOW) == "ledger-20260302-103000.sqlite3"
    assert taken_at(backup_name(NOW)) == NOW
    assert taken_at("ledger.sqlite3") is None
    assert taken_at("ledger-2026-03-02.sqlite3") is None
    names = [backup_name(NOW - timedelta(days=d)) for d in range(12)]
    assert sorted(names) == names[::-1]


def test_only_backups_beyond_the_latest_kept_are_pruned():
    names = [backup_name(NOW - timedelta(days=d)) for d in range(5)]
    others = ["notes.txt", ".ledger-20200101-000000.sqlite3.tmp", "ledger.sqlite3"]
    assert to_prune([*names, *others], keep=3) == names[3:]
    assert to_prune(names, keep=7) == []
    assert latest([*names, *others]) == names[0]
    assert latest(others) is None


def test_a_backup_is_due_a_day_after_the_latest():
    assert next_backup_at(None, NOW) == NOW
    yesterday = backup_name(NOW - timedelta(hours=3))
    assert next_backup_at(yesterday, NOW) == NOW + timedelta(hours=21)
    from_the_future = backup_name(NOW + timedelta(days=3))
    assert next_backup_at(from_the_future, NOW) == NOW


# --- a copy while the ledger is written to ----------------------------------------------------


def consistent(path: Path) -> int:
    """Letters in a copy, each with its first transition (both are written together)."""
    with sqlite3.connect(path) as db:
        letters = db.execute("SELECT count(*) FROM letters").fetchone()[0]
        first = db.execute("SELECT count(*) FROM transitions WHERE from_state IS NULL").fetchone()
    db.close()
    assert first[0] == letters
    return letters


def test_a_copy_is_consistent_while_another_connection_writes(tmp_path):
    source = filled_ledger(tmp_path / "ledger.sqlite3", letters=200)
    writer = Ledger(source)
    stop = threading.Event()

    def write() -> None:
        number = 0
        while not stop.is_set():
            writer.add("courrier", f"new-{number}.pdf", LetterState.CLAIMED)
            number += 1

    thread = threading.Thread(target=write)
    thread.start()
    try:
        copies = [copy_ledger(source, tmp_path / f"copy-{n}.sqlite3") for n in range(5)]
    finally:
        stop.set()
        thread.join(timeout=30)
        writer.close()
    counts = [consistent(copy.path) for copy in copies]
    assert counts == sorted(counts) and counts[0] >= 200
    for copy in copies:
        assert quick_check(copy.path) == []
        assert not copy.path.with_name(copy.path.name + "-wal").exists()
        assert copy.size == copy.path.stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_daily_backups_keep_the_latest_and_nothing_else_is_touched(tmp_path):
    source = filled_ledger(tmp_path / "ledger.sqlite3", letters=10)
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("le mien", encoding="utf-8")
    for days in (3, 2, 1):
        (folder / backup_name(NOW - timedelta(days=days))).write_bytes(b"old")
    backups = DailyBackups(source, folder, keep=2, now=lambda: NOW)
    assert backups.due_at() == NOW - timedelta(days=1) + timedelta(days=1)
    copy = backups.run_once()
    assert copy.path == folder / backup_name(NOW)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["notes.txt", backup_name(NOW), backup_name(NOW - timedelta(days=1))]
    )
    assert consistent(copy.path) == 10
    assert backups.due_at() == NOW + timedelta(days=1)


# --- a damaged ledger --------------------------------------------------------------------------


def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_is(tmp_path):
    path = filled_ledger(tmp_path / "ledger.sqlite3", letters=5)
    not_a_database(path)
    before = digest(path)
    with pytest.raises(LedgerDamaged) as caught:
        Ledger(path)
    assert caught.value.path == path
    assert "not a database" in caught.value.detail
    assert quick_check(path) == ["file is not a database"]
    with pytest.raises(LedgerDamaged):
        copy_ledger(path, tmp_path / "copy.sqlite3")
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.sqlite3"]


def test_a_damaged_schema_is_refused_at_open(tmp_path):
    path = filled_ledger(tmp_path / "ledger.sqlite3", letters=5)
    damage_schema(path)
    with pytest.raises(LedgerDamaged) as caught:
        Ledger(path)
    assert "malformed" in caught.value.detail


def test_a_damaged_page_is_found_by_quick_check_and_never_copied_as_sound(tmp_path):
    path = filled_ledger(tmp_path / "ledger.sqlite3", letters=1500)
    damage_page(path, "letters")
    findings = quick_check(path)
    assert findings, "SQLite's quick_check must see the damaged page"
    with pytest.raises(LedgerDamaged):
        copy_ledger(path, tmp_path / "copy.sqlite3")
    assert not (tmp_path / "copy.sqlite3").exists()
    assert not (tmp_path / ".copy.sqlite3.tmp").exists()


def test_a_missing_ledger_or_destination_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        copy_ledger(tmp_path / "none.sqlite3", tmp_path / "copy.sqlite3")
    source = filled_ledger(tmp_path / "ledger.sqlite3", letters=1)
    with pytest.raises(OSError):
        copy_ledger(source, tmp_path / "no-such-folder" / "copy.sqlite3")
