"""Keeps each letter's lines (`ledger.lines`) up to date as letters change, off the loop.

`refresh` takes a batch of the letters the ledger noted as changed, computes their lines
(`letters.lines_of`, the same words as ever) and stores those that differ, with the report
months they touch. The `Keeper` runs it in a thread of its own, on its own connection: at
once when woken (a deposit enrolled, a status recorded), else every `SCAN_S` (a letter
refused before its deposit, a letter settled by `imprimfip resolve`). After an upgrade every
letter is noted: the keeper catches up in the background, the latest letters first, a range
of letters at a time in SQL (`catch_up`), then the few left one by one; the log says how
far it is (`lines_catching_up`, every `PROGRESS_EVERY_S`) and how long it took.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import structlog

from imprimfip.ledger import Ledger
from imprimfip.ledger import lines as stored_lines
from imprimfip.ledger.workers import Workers
from imprimfip.tracking import catch_up
from imprimfip.tracking.catch_up import Filler
from imprimfip.tracking.refresh import BATCH, Months, refresh
from imprimfip.tracking.schedule import Timing

log = structlog.get_logger(__name__)

SCAN_S = 2.0
PROGRESS_EVERY_S = 5.0
CACHE_KIB = 32 * 1024


def _lines_ledger(path: Path) -> Ledger:
    ledger = Ledger(path)
    # Lines are computed again from the facts if a power cut loses their last batch (its
    # marks go back with it): they need no fsync of their own at each batch.
    ledger.connection.execute("PRAGMA synchronous = NORMAL")
    # The catch-up's working tables, and the pages of the indexes it fills, stay in memory.
    ledger.connection.execute("PRAGMA temp_store = MEMORY")
    ledger.connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return ledger


def writer(path: Path) -> Workers[Ledger]:
    """The one thread that writes lines (and forgets report months written)."""
    return Workers(lambda: _lines_ledger(path), Ledger.close, threads=1, name="ledger-lines")


@dataclass(frozen=True)
class Progress:
    """How far a catch-up is: `done` of `total` letters, `seconds` after it began."""

    total: int
    done: int
    seconds: float

    def said(self) -> dict[str, float | int]:
        """The figures the log gives: letters done and left, the rate, the time left."""
        rate = self.done / self.seconds if self.seconds > 0 else 0.0
        left = max(self.total - self.done, 0)
        return {
            "done": self.done,
            "total": self.total,
            "percent": round(100 * self.done / self.total, 1) if self.total else 100.0,
            "rate": round(rate),
            "eta_s": round(left / rate) if rate > 0 else -1,
        }


class Keeper:
    """Runs `refresh` in the `writer` thread until cancelled, after the catch-up of a
    backlog (an upgrade); `on_change` gets the report months touched."""

    def __init__(
        self, workers: Workers[Ledger], timing: Timing, on_change: Callable[[Months], None]
    ) -> None:
        self._workers = workers
        self._timing = timing
        self._filler = Filler(timing)
        self._on_change = on_change
        self._wake = asyncio.Event()
        self._began = 0.0
        self.catching_up = False

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        backlog = await self._workers.run(lambda ledger: stored_lines.waiting(ledger.connection))
        if backlog > BATCH:
            self.catching_up = True
            log.info("lines_catching_up", total=backlog)
            await self._catch_up(backlog)
        while True:
            self._wake.clear()
            done = await self._refresh()
            if done == BATCH:
                continue
            if self.catching_up:
                self.catching_up = False
                log.info("lines_caught_up", letters=backlog, seconds=round(self._took(), 1))
            try:
                async with asyncio.timeout(SCAN_S):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def _refresh(self) -> int:
        done = await self._workers.run(lambda ledger: refresh(ledger, self._timing))
        if done.months:
            self._on_change(done.months)
        return done.letters

    async def _catch_up(self, total: int) -> None:
        """Fill the lines of the letters waiting, a range at a time, the latest first; a
        letter changed meanwhile (woken) gets its lines between two ranges."""
        self._began = reported = time.monotonic()
        high: int | None = sys.maxsize
        done = 0
        while high is not None:
            # Each step computes its lines before it takes the ledger's write lock: a
            # deposit never waits behind more than the storing of one step.
            filled, high = await self._workers.run(
                lambda ledger, high=high: self._filler.fill_below(
                    ledger, high, catch_up.CATCH_UP_LETTERS
                )
            )
            done += filled.letters
            if filled.lines:
                # The current report shows the latest letters, filled first.
                self._on_change(frozenset())
            if self._wake.is_set():
                self._wake.clear()
                done += await self._refresh()
            if high is not None and time.monotonic() - reported >= PROGRESS_EVERY_S:
                reported = time.monotonic()
                log.info("lines_catching_up", **Progress(total, done, self._took()).said())

    def _took(self) -> float:
        return time.monotonic() - self._began
