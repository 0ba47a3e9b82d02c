"""The CSV reports split by time: the current file and one per closed month, each rewritten
only when one of its letters changes (real SQLite ledger, real files)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.history import WHOLE_FILE, History, Outcome, Status
from imprimfip.ledger.workers import Reader
from imprimfip.outputs.report_periods import (
    Reports,
    closed_months,
    current_due,
    month,
    month_key,
)
from imprimfip.service.lookups import ReportLookups
from imprimfip.tracking import finality as f
from imprimfip.tracking.keeper import writer
from imprimfip.tracking.refresh import refresh
from imprimfip.tracking.schedule import Timing
from tests.fixtures.waiting import async_wait_until

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CURRENT = "suivi-des-envois.csv"


def test_a_changed_month_calls_for_the_current_report_if_it_reaches_into_it():
    marks = {("a", "2026-03"): 2, ("a", "2026-02"): 1, ("b", "2025-12"): 4, ("b", "2026-03"): 1}
    seen = {("a", "2026-03"): 2, ("b", "2026-03"): 1}
    assert current_due(marks, seen, NOW, 31) == {"a"}, "February is in the last 31 days"
    assert current_due(marks, {}, NOW, 31) == {"a", "b"}
    assert current_due(marks, marks, NOW, 31) == set()


def test_the_months_over_have_their_files_written_the_latest_first():
    marks = {("a", "2026-03"): 2, ("a", "2026-02"): 1, ("b", "2025-12"): 4}
    assert closed_months(marks, NOW) == [("a", "2026-02"), ("b", "2025-12")]


def test_a_month_is_bounded_by_this_machines_calendar():
    march = month("2026-03")
    assert march.name == "suivi-des-envois-2026-03.csv"
    assert (march.since.month, march.since.day, march.until.month, march.until.day) == (3, 1, 4, 1)
    assert month_key(march.since) == "2026-03"
    assert month_key(march.until - timedelta(microseconds=1)) == "2026-03"


def deposit(ledger: Ledger, name: str, when: datetime) -> int:
    letter = ledger.add("courrier", name, LetterState.CLAIMED, claim_name=name)
    ledger.move(letter.id, LetterState.SUBMITTING, submitting_since=when.isoformat())
    ledger.move(letter.id, LetterState.DEPOSITED, internal_ref=f"{letter.id}@demo.pdf")
    History(ledger).enroll(letter.id, "STD", when, when + timedelta(minutes=10))
    return letter.id


def caught_up(ledger: Ledger) -> None:
    while refresh(ledger, Timing()).letters:
        pass


@pytest.fixture
async def flow(tmp_path):
    """A ledger with letters of January, February and March, and its reports running."""
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    ids = {
        name: deposit(ledger, name, when)
        for name, when in (
            ("janvier.pdf", datetime(2026, 1, 15, 10, tzinfo=UTC)),
            ("fevrier.pdf", datetime(2026, 2, 20, 10, tzinfo=UTC)),
            ("mars.pdf", datetime(2026, 3, 5, 10, tzinfo=UTC)),
        )
    }
    caught_up(ledger)
    root = tmp_path / "courrier"
    root.mkdir()
    reader, lines = Reader(path), writer(path)
    reports = Reports(
        ["courrier"], ReportLookups(reader, lines, {"courrier": root}), 31, lambda: NOW
    )
    task = asyncio.create_task(reports.run())
    yield ledger, ids, root, reports
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await reader.close()
    await lines.close()
    ledger.close()


def names_in(data: bytes) -> list[str]:
    return [row.split(";")[1] for row in data.decode("utf-8-sig").splitlines()[1:]]


async def test_the_current_report_holds_the_last_days_and_each_closed_month_its_own(flow):
    _, _, root, _ = flow

    async def written() -> bool:
        months = ("suivi-des-envois-2026-01.csv", "suivi-des-envois-2026-02.csv")
        return all((root / name).exists() for name in (CURRENT, *months))

    await async_wait_until(written)
    assert names_in((root / CURRENT).read_bytes()) == ["mars.pdf", "fevrier.pdf"]
    assert names_in((root / "suivi-des-envois-2026-01.csv").read_bytes()) == ["janvier.pdf"]
    assert names_in((root / "suivi-des-envois-2026-02.csv").read_bytes()) == ["fevrier.pdf"]
    assert not (root / "suivi-des-envois-2026-03.csv").exists(), "March is not over"


async def test_only_the_file_of_a_changed_letter_is_rewritten(flow):
    ledger, ids, root, reports = flow
    january = root / "suivi-des-envois-2026-01.csv"

    async def exists() -> bool:
        return january.exists() and (root / "suivi-des-envois-2026-02.csv").exists()

    await async_wait_until(exists)
    untouched = {
        name: (root / name).stat().st_mtime_ns for name in (CURRENT, "suivi-des-envois-2026-02.csv")
    }
    shipped = (Status(WHOLE_FILE, f.SUBMITTED, None, ""), Status("1@demo.pdf", f.SHIPPED, None, ""))
    History(ledger).record(ids["janvier.pdf"], NOW, Outcome(shipped, None, "final"))
    caught_up(ledger)
    reports.wake()

    async def rewritten() -> bool:
        return f.SHIPPED in january.read_bytes().decode("utf-8-sig")

    await async_wait_until(rewritten)
    assert {name: (root / name).stat().st_mtime_ns for name in untouched} == untouched


async def test_a_months_file_writes_a_cell_that_looks_like_a_formula_as_text(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    deposit(ledger, "=HYPERLINK(1).pdf", datetime(2026, 1, 15, 10, tzinfo=UTC))
    caught_up(ledger)
    reader, lines = Reader(path), writer(path)
    try:
        lookups = ReportLookups(reader, lines, {"courrier": tmp_path})
        assert await lookups.write("courrier", month("2026-01"))
    finally:
        await reader.close()
        await lines.close()
        ledger.close()
    written = (tmp_path / "suivi-des-envois-2026-01.csv").read_bytes()
    assert names_in(written) == ["'=HYPERLINK(1).pdf"]


class HeldSource:
    """Report files written in memory; the current one's writing waits for `release`."""

    def __init__(self) -> None:
        self.months = {("courrier", "2026-01"): 1, ("courrier", "2026-02"): 1}
        self.written_files: list[str] = []
        self.release = asyncio.Event()

    async def marks(self) -> dict[tuple[str, str], int]:
        return dict(self.months)

    async def write(self, flow: str, period) -> bool:
        if period.name == CURRENT:
            await self.release.wait()
        self.written_files.append(period.name)
        return True

    async def written(self, marks) -> None:
        for key in marks:
            self.months.pop(key, None)


async def test_the_months_files_wait_while_the_current_report_is_being_written():
    source = HeldSource()
    reports = Reports(["courrier"], source, 31, lambda: NOW)
    task = asyncio.create_task(reports.run())
    try:
        # Long enough for a months' loop that did not wait to write both files.
        await asyncio.sleep(0.3)
        assert source.written_files == []
        source.release.set()

        async def all_written() -> bool:
            return len(source.written_files) == 3

        await async_wait_until(all_written)
        assert source.written_files[0] == CURRENT
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
