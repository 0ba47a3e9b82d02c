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

MIN_INTERVAL_S = 1.0
# Rest ten times as long as the writing took, so reports never take more than a tenth of
# the machine from deposits (after an upgrade every month is written once).
REST_FACTOR = 10.0
DAY_CHECK_S = 60.0

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


@dataclass(frozen=True)
class Plan:
    """What to write now: the current report of these flows, these closed months."""

    current: frozenset[str]
    months: tuple[tuple[str, str], ...]


def plan(marks: Marks, seen: Marks, now: datetime, days: int) -> Plan:
    """The files the changed months call for. A month still open changes the current
    report only (its file is written once it is closed); a closed month is written, and
    changes the current report too if the current window reaches into it."""
    window = current(now, days)
    this_month = month_key(now)
    flows, months = set(), []
    for (flow, key), mark in sorted(marks.items()):
        if key < this_month:
            months.append((flow, key))
            if month(key).until > window.since:
                flows.add(flow)
        elif seen.get((flow, key)) != mark:
            flows.add(flow)
    return Plan(frozenset(flows), tuple(months))


class ReportSource(Protocol):
    """The ledger as the reports need it (see `tracking.lookups`)."""

    async def marks(self) -> dict[tuple[str, str], int]: ...

    async def write(self, flow: str, period: Period) -> bool:
        """Write the flow's file for `period`; False (logged) if it could not be written."""
        ...

    async def written(self, marks: Marks) -> None:
        """Drop these marks of closed months, unless they changed since."""
        ...


@dataclass
class Reports:
    """Keeps every flow's reports up to date; `wake()` when lines changed."""

    flows: Iterable[str]
    source: ReportSource
    days: int
    clock: Callable[[], datetime]
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        self._changed.set()

    async def run(self) -> None:
        """Write what is due, rest, wait for a change or the next day; until cancelled."""
        flows = frozenset(self.flows)
        seen: dict[tuple[str, str], int] = {}
        due, day = set(flows), None
        while True:
            now = self.clock()
            if day != now.astimezone().date():
                due, day = set(flows), now.astimezone().date()
            self._changed.clear()
            marks = {
                key: mark for key, mark in (await self.source.marks()).items() if key[0] in flows
            }
            todo = plan(marks, seen, now, self.days)
            started = time.monotonic()
            for flow in sorted(due | todo.current):
                if await self.source.write(flow, current(now, self.days)):
                    due.discard(flow)
                else:
                    due.add(flow)
            written = {}
            for flow, key in todo.months:
                if await self.source.write(flow, month(key)):
                    written[(flow, key)] = marks[(flow, key)]
            await self.source.written(written)
            seen = {key: mark for key, mark in marks.items() if key not in written}
            rest = max(MIN_INTERVAL_S, REST_FACTOR * (time.monotonic() - started))
            await asyncio.sleep(rest)
            if not due and len(written) == len(todo.months):
                try:
                    async with asyncio.timeout(DAY_CHECK_S):
                        await self._changed.wait()
                except TimeoutError:
                    pass
