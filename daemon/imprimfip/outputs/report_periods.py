"""Which CSV reports a flow has, and keeping them up to date as letters change.

Each flow's folder holds `suivi-des-envois.csv`, the letters of the last `days` days (what
staff open), and one file per closed month, `suivi-des-envois-2026-11.csv`, with the
letters deposited (or refused) that month. A file is rewritten only when one of its
letters changed: the ledger keeps the months whose lines changed (`ReportSource.marks`),
and a closed month's mark is dropped once its file is written. The current file is also
rewritten at start and when the day changes, as letters leave its window. Months follow
this machine's time zone, as the dates in the files do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from imprimfip.outputs.report_csv import FILE_NAME

# The current reports are written at most this often (from one writing's start to the next).
MIN_INTERVAL_S = 0.5
# Rest as long as the writing took (in a worker thread: the loop is not held meanwhile).
REST_FACTOR = 1.0
DAY_CHECK_S = 60.0
BUSY_CHECK_S = 5.0

Marks = Mapping[tuple[str, str], int]


@dataclass(frozen=True)
class Period:
    """One report file: its name and the moments [since, until) its letters belong to."""

    name: str
    since: datetime
    until: datetime


def current(now: datetime, days: int) -> Period:
    return Period(FILE_NAME, now - timedelta(days=days), datetime.max.replace(tzinfo=UTC))


def month(key: str) -> Period:
    """The period of a month given as YYYY-MM, in this machine's time zone."""
    start = datetime.strptime(key, "%Y-%m").astimezone()
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    # astimezone() again: the offset at the month's end may differ (summer time).
    end = following.replace(tzinfo=None).astimezone()
    return Period(f"suivi-des-envois-{key}.csv", start, end)


def month_key(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m")


def current_due(marks: Marks, seen: Marks, now: datetime, days: int) -> set[str]:
    """The flows whose current report a change calls for: a month it reaches into whose
    mark is not the one seen at its last writing."""
    since = current(now, days).since
    return {
        flow
        for (flow, key), mark in marks.items()
        if seen.get((flow, key)) != mark and month(key).until > since
    }


def closed_months(marks: Marks, now: datetime) -> list[tuple[str, str]]:
    """The changed months that are over, the latest first: each has its file to write."""
    this_month = month_key(now)
    return sorted((key for key in marks if key[1] < this_month), key=lambda k: k[1], reverse=True)


class ReportSource(Protocol):
    """The ledger as the reports need it (see `service.lookups`)."""

    async def marks(self) -> dict[tuple[str, str], int]: ...

    async def write(self, flow: str, period: Period) -> bool:
        """Write the flow's file for `period`; False (logged) if it could not be written."""
        ...

    async def written(self, marks: Marks) -> None:
        """Drop these marks of closed months, unless they changed since."""
        ...


@dataclass
class Reports:
    """Keeps every flow's reports up to date; `wake()` when lines changed.

    Two loops: the current reports (what staff open) are rewritten within a second or two
    of a change; the months' files are written one at a time beside them, each only while
    the current ones are up to date, so a backlog of months (after an upgrade) never
    delays the current ones. Each rests at least as long as its writing took: the reports
    never take more than half of the machine.
    """

    flows: Iterable[str]
    source: ReportSource
    days: int
    clock: Callable[[], datetime]
    # True while the lines of many letters are still to be computed (after an upgrade):
    # the months' files wait, rather than be written again after every batch.
    busy: Callable[[], bool] = lambda: False
    _changes: tuple[asyncio.Event, asyncio.Event] = field(
        default_factory=lambda: (asyncio.Event(), asyncio.Event())
    )
    # Set while every current report is written and no change waits for them.
    _current_done: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        for changed in self._changes:
            changed.set()

    async def run(self) -> None:
        """Run until cancelled."""
        await asyncio.gather(self._current(), self._months())

    async def _marks(self) -> dict[tuple[str, str], int]:
        flows = set(self.flows)
        return {key: mark for key, mark in (await self.source.marks()).items() if key[0] in flows}

    async def _current(self) -> None:
        changed = self._changes[0]
        seen: Marks = {}
        due, day = set(self.flows), None
        while True:
            now = self.clock()
            if day != now.astimezone().date():
                due, day = set(self.flows), now.astimezone().date()
            changed.clear()
            marks = await self._marks()
            due |= current_due(marks, seen, now, self.days)
            seen = marks
            started = time.monotonic()
            for flow in sorted(due):
                if await self.source.write(flow, current(now, self.days)):
                    due.discard(flow)
            # The next writing waits out the rest after this one, but a change that comes
            # after the rest is written at once, not a rest later.
            took = time.monotonic() - started
            next_at = started + max(MIN_INTERVAL_S, (1 + REST_FACTOR) * took)
            if not changed.is_set():
                # Nothing new waits (a file that cannot be written now holds nothing up).
                self._current_done.set()
            if not due:
                await _wait(changed)
            self._current_done.clear()
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def _months(self) -> None:
        changed = self._changes[1]
        while True:
            while self.busy():
                await asyncio.sleep(BUSY_CHECK_S)
            changed.clear()
            marks = await self._marks()
            failed = False
            for flow, key in closed_months(marks, self.clock()):
                await self._current_done.wait()
                started = time.monotonic()
                if await self.source.write(flow, month(key)):
                    await self.source.written({(flow, key): marks[(flow, key)]})
                else:
                    failed = True
                await asyncio.sleep(REST_FACTOR * (time.monotonic() - started))
            if failed:
                await asyncio.sleep(MIN_INTERVAL_S)
            else:
                await _wait(changed)


async def _wait(changed: asyncio.Event) -> None:
    """Until a change, or DAY_CHECK_S: a new day (or month) changes what is due."""
    try:
        async with asyncio.timeout(DAY_CHECK_S):
            await changed.wait()
    except TimeoutError:
        pass
