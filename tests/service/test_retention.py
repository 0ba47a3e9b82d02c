"""Retention removes only what is asked, only of letters whose life is over, and says so
(real SQLite ledger, real files in a flow's folders)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from imprimfip.config.model import RetentionConfig
from imprimfip.folders import FlowFolders
from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.history import WHOLE_FILE, History, Outcome, Status
from imprimfip.ledger.reads import Slice, lines
from imprimfip.ledger.store import iso
from imprimfip.metrics import REGISTRY
from imprimfip.service.retention import Retention
from imprimfip.tracking import finality as f
from imprimfip.tracking.refresh import refresh
from imprimfip.tracking.schedule import Timing

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=200)


def arrived(ledger: Ledger, letter_id: int, when: datetime) -> None:
    """Date a letter's arrival (the ledger stamps the real time)."""
    with ledger.transaction() as db:
        db.execute("UPDATE letters SET created_at = ? WHERE id = ?", (iso(when), letter_id))


def deposited(ledger: Ledger, folders: FlowFolders, name: str, when: datetime, *, over: bool):
    letter = ledger.add("courrier", name, LetterState.CLAIMED, sidecar='{"recipient": "x"}')
    ledger.move(letter.id, LetterState.SUBMITTING, submitting_since=iso(when))
    ledger.move(letter.id, LetterState.DEPOSITED, internal_ref=f"{name}@demo.pdf")
    place = folders.done / when.strftime("%Y-%m-%d") / name
    place.parent.mkdir(parents=True, exist_ok=True)
    place.write_bytes(b"%PDF-1.7")
    place.with_name(name + ".recu.json").write_text("{}", encoding="utf-8")
    ledger.update(letter.id, final_path=str(place), filed_at=iso(when))
    history = History(ledger)
    history.enroll(letter.id, "STD", when, when + timedelta(minutes=10))
    statuses = [
        Status(WHOLE_FILE, f.SUBMITTED, None, ""),
        Status(f"{name}@demo.pdf", f.WAITING, None, ""),
    ]
    if over:
        statuses.append(Status(f"{name}@demo.pdf", f.SHIPPED, None, ""))
    for status in statuses:
        history.record(letter.id, when, Outcome((status,), None if over else when, None))
    if over:
        history.record(letter.id, when, Outcome((), None, "final"))
    arrived(ledger, letter.id, when)
    return letter.id, place


def refused(ledger: Ledger, folders: FlowFolders, name: str, when: datetime) -> Path:
    letter = ledger.add("courrier", name, LetterState.CLAIMED)
    place = folders.error / name
    for suffix in ("", ".erreur.txt", ".erreur.json"):
        place.with_name(name + suffix).write_text("x", encoding="utf-8")
    ledger.move(letter.id, LetterState.REJECTED, final_path=str(place), filed_at=iso(when))
    arrived(ledger, letter.id, when)
    return place


@pytest.fixture
def flow(tmp_path):
    folders = FlowFolders(tmp_path / "courrier")
    folders.root.mkdir(parents=True, exist_ok=True)
    folders.ensure()
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    yield ledger, folders
    ledger.close()


def removed(what: str) -> float:
    value = REGISTRY.get_sample_value(
        "imprimfip_retention_removed_total", {"flow": "courrier", "what": what}
    )
    return value or 0.0


async def retire(ledger: Ledger, folders: FlowFolders, **days: int) -> None:
    """One run of retention, as the daemon does it every hour."""
    path = folders.root.parent / "ledger.sqlite3"
    retention = Retention(RetentionConfig(**days), {"courrier": folders.root}, path, lambda: NOW)
    await retention.run_once()
    await retention.close()


async def test_only_the_files_of_letters_whose_life_is_over_are_removed(flow):
    ledger, folders = flow
    shipped, shipped_file = deposited(ledger, folders, "expediee.pdf", OLD, over=True)
    _, followed_file = deposited(ledger, folders, "suivie.pdf", OLD + timedelta(days=1), over=False)
    _, recent_file = deposited(ledger, folders, "recente.pdf", NOW - timedelta(days=2), over=True)
    uncertain = ledger.add("courrier", "incertaine.pdf", LetterState.CLAIMED)
    ledger.move(uncertain.id, LetterState.SUBMITTING)
    ledger.move(uncertain.id, LetterState.UNCERTAIN)
    arrived(ledger, uncertain.id, OLD)
    error_file = refused(ledger, folders, "refusee.pdf", OLD)
    before = removed("done"), removed("error")

    await retire(ledger, folders, done_days=90, error_days=90)

    assert not shipped_file.exists() and not shipped_file.parent.exists()
    assert followed_file.exists(), "a letter still followed keeps its file"
    assert recent_file.exists()
    assert not error_file.exists()
    assert not error_file.with_name("refusee.pdf.erreur.txt").exists()
    assert (removed("done"), removed("error")) == (before[0] + 1, before[1] + 1)
    assert ledger.get(shipped).state is LetterState.DEPOSITED, "the ledger keeps the letter"


async def test_retention_off_removes_nothing(flow):
    ledger, folders = flow
    _, shipped_file = deposited(ledger, folders, "expediee.pdf", OLD, over=True)
    error_file = refused(ledger, folders, "refusee.pdf", OLD)
    await retire(ledger, folders)
    assert shipped_file.exists() and error_file.exists()


async def test_a_retired_history_keeps_what_the_page_and_the_reports_show(flow):
    ledger, folders = flow
    shipped, _ = deposited(ledger, folders, "expediee.pdf", OLD, over=True)
    followed, _ = deposited(ledger, folders, "suivie.pdf", OLD, over=False)
    while refresh(ledger, Timing()).letters:
        pass
    shown = [tuple(row) for row in lines(ledger.connection, Slice())]

    await retire(ledger, folders, history_days=90)

    assert ledger.transitions(shipped) == []
    assert len(ledger.transitions(followed)) == 3, "a letter still followed keeps its history"
    latest = History(ledger).history(shipped)
    assert [(s.reference, s.status) for s in latest] == [
        ("", f.SUBMITTED),
        ("expediee.pdf@demo.pdf", f.SHIPPED),
    ]
    assert ledger.get(shipped).sidecar is None
    while refresh(ledger, Timing()).letters:
        pass
    assert [tuple(row) for row in lines(ledger.connection, Slice())] == shown
    assert json.loads(ledger.get(followed).sidecar or "{}") == {"recipient": "x"}
