"""The catch-up after an upgrade (`tracking.catch_up`) stores the very lines, report months
and counts that the letter-by-letter path (`refresh.refresh`) stores, and says how far it is.

Both run on copies of one real ledger holding letters in every state and shape: received,
analysed, mono- and multi-document, in error, undelivered, overdue, no longer followed,
never enrolled, uncertain, refused before their deposit, in flight, void; with status dates
as the service gives them (offsets, milliseconds) and in forms only Python reads exactly.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.history import WHOLE_FILE, History, Outcome, Status
from imprimfip.tracking import catch_up, keeper
from imprimfip.tracking import finality as f
from imprimfip.tracking.catch_up import Filled, Filler, _store
from imprimfip.tracking.keeper import Keeper, Progress, writer
from imprimfip.tracking.refresh import BATCH, bring_up_to_date, refresh
from imprimfip.tracking.schedule import Timing

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
OVERDUE = ("overdue", "overdue", {}, ())


def deposited(ledger: Ledger, name: str, *, enrolled: str | None = "STD") -> int:
    letter = ledger.add("courrier", name, LetterState.CLAIMED, claim_name=name)
    ledger.move(letter.id, LetterState.SUBMITTING, submitting_since=NOW.isoformat())
    ledger.move(letter.id, LetterState.DEPOSITED, internal_ref=f"{name}_{letter.id}@demo.pdf")
    if enrolled:
        History(ledger).enroll(letter.id, enrolled, NOW, NOW + timedelta(minutes=10))
    return letter.id


def seen(ledger: Ledger, letter: int, *statuses: Status, ended: str | None = None, alerts=()):
    following = None if ended else NOW + timedelta(hours=1)
    History(ledger).record(letter, NOW, Outcome(statuses, following, ended, tuple(alerts)))


def every_kind_of_letter(path: Path) -> None:
    ledger = Ledger(path)
    deposited(ledger, "reçu.pdf")
    deposited(ledger, "jamais-suivi.pdf", enrolled=None)
    analysed = deposited(ledger, "analysé.pdf")
    seen(ledger, analysed, Status(WHOLE_FILE, f.SUBMITTED, "2026-03-10T10:15:00+01:00", ""))
    mono = deposited(ledger, "Relevé d'échéances.pdf")
    ref = ledger.get(mono).internal_ref or ""
    seen(ledger, mono, Status(WHOLE_FILE, f.SUBMITTED, "2026-03-10T10:15:00+01:00", ""))
    seen(ledger, mono, Status(ref, f.SHIPPED, "2026-03-11T08:00:00.250000-02:30", "l'envoi"))
    several = deposited(ledger, "lot.pdf", enrolled="LRAR")
    seen(
        ledger,
        several,
        Status(WHOLE_FILE, f.SUBMITTED_WITH_ERRORS, "2026-03-10T10:15:00+01:00", ""),
        Status("FAC-2", f.IN_PRODUCTION, "2026-03-10T11:00:00+01:00", ""),
        Status("FAC-1", f.ERROR, "2026-03-10T11:00:00+01:00", "Adresse illisible"),
        Status("FAC-3", f.SHIPPED, "2026-03-10T11:00:00+01:00", ""),
    )
    seen(
        ledger,
        several,
        Status("FAC-3", f.REFUSED, "2026-03-12T11:00:00+01:00", "Pli refusé"),
        Status("FAC-2", f.DELIVERED, "", ""),
        ended="final",
    )
    in_error = deposited(ledger, "erreur.pdf")
    seen(ledger, in_error, Status(WHOLE_FILE, f.ERROR, None, "Fichier illisible"), ended="final")
    for name, statuses in (
        ("en-retard.pdf", (Status("P1", f.IN_PRODUCTION, "2026-03-10T11:00:00+01:00", ""),)),
        ("en-retard-expédié.pdf", (Status("P1", f.SHIPPED, "2026-03-10T11:00:00+01:00", ""),)),
        ("en-retard-soumission.pdf", (Status(WHOLE_FILE, f.SUBMITTING, None, ""),)),
        ("en-retard-reçu.pdf", ()),
    ):
        seen(ledger, deposited(ledger, name), *statuses, alerts=[OVERDUE])
    lost = deposited(ledger, "plus-suivi.pdf", enrolled="LRE")
    seen(ledger, lost, Status("P1", f.SHIPPED, "2026-03-10T11:00:00+01:00", ""), ended="horizon")
    # Dates only Python turns into the ledger's form: the lines come from `refresh`.
    naive = deposited(ledger, "date-sans-fuseau.pdf")
    seen(ledger, naive, Status(WHOLE_FILE, f.SUBMITTED, "2026-03-10T10:15:00", ""))
    micro = deposited(ledger, "date-en-microsecondes.pdf")
    seen(ledger, micro, Status(WHOLE_FILE, f.SUBMITTED, "2026-03-10T10:15:00.123456+01:00", ""))
    uncertain = ledger.add("courrier", "incertaine.pdf", LetterState.CLAIMED)
    ledger.move(uncertain.id, LetterState.SUBMITTING, submitting_since=NOW.isoformat())
    ledger.move(uncertain.id, LetterState.UNCERTAIN)
    for name, reason in (
        ("refusée.pdf", "Page 1 : pas au format A4.\nVoir la note."),
        ("r.pdf", None),
    ):
        refused = ledger.add("courrier", name, LetterState.CLAIMED)
        ledger.move(refused.id, LetterState.REJECTED, reason=reason)
    ledger.add("courrier", "en-cours.pdf", LetterState.CLAIMED)
    void = ledger.add("courrier", "annulée.pdf", LetterState.CLAIMED)
    ledger.move(void.id, LetterState.SUBMITTING, submitting_since=NOW.isoformat())
    ledger.move(void.id, LetterState.UNCERTAIN)
    ledger.move(void.id, LetterState.VOID)
    ledger.close()


def by_refresh(ledger: Ledger) -> None:
    while refresh(ledger, Timing()).letters:
        pass


def stored(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as db:
        return {
            "lines": db.execute("SELECT * FROM letter_lines ORDER BY id").fetchall(),
            "months": db.execute("SELECT flow, month FROM report_months ORDER BY 1, 2").fetchall(),
            "counts": db.execute(
                "SELECT * FROM line_counts WHERE lines ORDER BY 1, 2, 3"
            ).fetchall(),
            "words": db.execute(
                "SELECT rowid FROM line_words WHERE line_words MATCH 'lot OR releve' ORDER BY 1"
            ).fetchall(),
            "waiting": db.execute("SELECT * FROM changed_letters").fetchall(),
        }


def test_the_catch_up_stores_what_the_letter_by_letter_path_stores(tmp_path):
    every_kind_of_letter(tmp_path / "one.sqlite3")
    shutil.copy(tmp_path / "one.sqlite3", tmp_path / "other.sqlite3")
    one, other = Ledger(tmp_path / "one.sqlite3"), Ledger(tmp_path / "other.sqlite3")
    try:
        by_refresh(one)
        filler, filled, high = Filler(Timing()), Filled(0, 0), sys.maxsize
        while high is not None:
            more, high = filler.fill_below(other, high, 5)
            filled = Filled(filled.letters + more.letters, filled.lines + more.lines)
        left = [row[0] for row in other.connection.execute("SELECT letter_id FROM changed_letters")]
        names = {other.get(letter).name for letter in left}
        by_refresh(other)
    finally:
        one.close()
        other.close()

    assert names == {"date-sans-fuseau.pdf", "date-en-microsecondes.pdf"}
    assert filled.letters == 18 - len(names), "all the others by the catch-up"
    assert stored(tmp_path / "other.sqlite3") == stored(tmp_path / "one.sqlite3")
    assert len(stored(tmp_path / "one.sqlite3")["lines"]) == 18


def test_a_letter_changed_during_the_catch_up_is_taken_again(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    try:
        letter = deposited(ledger, "a.pdf")
        filler = Filler(Timing())
        db = ledger.connection
        db.execute("BEGIN")
        filler._compute(db, 0, letter)
        db.execute("COMMIT")
        seen(ledger, letter, Status(WHOLE_FILE, f.SUBMITTED, None, ""))
        with ledger.transaction() as write:
            assert _store(write).letters == 0
        assert [row[0] for row in db.execute("SELECT letter_id FROM changed_letters")] == [letter]
    finally:
        ledger.close()


def test_progress_says_letters_done_left_rate_and_time_left():
    assert Progress(total=1000, done=250, seconds=5.0).said() == {
        "done": 250,
        "total": 1000,
        "percent": 25.0,
        "rate": 50,
        "eta_s": 15,
    }
    assert Progress(total=1000, done=0, seconds=0.0).said()["eta_s"] == -1


def refused_letters(folder: Path, count: int) -> Path:
    path = folder / "ledger.sqlite3"
    ledger = Ledger(path)
    for n in range(count):
        ledger.add("courrier", f"{n}.pdf", LetterState.CLAIMED)
        ledger.move(n + 1, LetterState.REJECTED, reason="Illisible.")
    ledger.close()
    return path


def test_imprimfip_status_brings_a_whole_backlog_up_to_date_at_once(tmp_path, monkeypatch):
    path = refused_letters(tmp_path, BATCH + 100)
    monkeypatch.setattr(catch_up, "CATCH_UP_LETTERS", 200)
    ledger = Ledger(path)
    try:
        bring_up_to_date(ledger, Timing())
        db = ledger.connection
        assert db.execute("SELECT count(*) FROM letter_lines").fetchone()[0] == 600
        assert db.execute("SELECT count(*) FROM changed_letters").fetchone()[0] == 0
    finally:
        ledger.close()


@pytest.mark.timeout(60)
def test_the_keeper_says_how_far_it_is_and_how_long_it_took(tmp_path, monkeypatch):
    path = refused_letters(tmp_path, BATCH + 100)
    monkeypatch.setattr(catch_up, "CATCH_UP_LETTERS", 200)
    monkeypatch.setattr(keeper, "PROGRESS_EVERY_S", 0.0)

    async def keep() -> list[dict[str, object]]:
        workers = writer(path)
        kept = Keeper(workers, Timing(), lambda _months: None)
        with capture_logs() as logs:
            task = asyncio.create_task(kept.run())
            while not any(log["event"] == "lines_caught_up" for log in logs):
                await asyncio.sleep(0.05)
            task.cancel()
        await workers.close()
        return logs

    logs = asyncio.run(keep())
    said = [log for log in logs if log["event"].startswith("lines_")]
    assert said[0] == {"event": "lines_catching_up", "total": 600, "log_level": "info"}
    progress = [log["done"] for log in said[1:-1]]
    assert progress == [200, 400, 600]
    assert {"total", "percent", "rate", "eta_s"} <= set(said[1])
    assert said[-1]["event"] == "lines_caught_up"
    assert said[-1]["letters"] == 600
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM letter_lines").fetchone()[0] == 600
        assert db.execute("SELECT count(*) FROM changed_letters").fetchone()[0] == 0
