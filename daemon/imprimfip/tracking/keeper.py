"""Keeps each letter's lines (`ledger.lines`) up to date as letters change, off the loop.

The `Keeper` runs `tracking.refresh` in a thread of its own, on its own connection: at
once when woken (a deposit enrolled, a status recorded), else every `SCAN_S` (a letter
refused before its deposit, a letter settled by `imprimfip resolve`). After an upgrade every
letter is noted: the keeper catches up in the background, the latest letters first, resting
as long as each batch took so it never takes more than half a core from the daemon; the
log says how far it is.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import structlog

from imprimfip.ledger import Ledger
from imprimfip.ledger import lines as stored_lines
from imprimfip.ledger.workers import Workers
from imprimfip.tracking.refresh import BATCH, Months, refresh
from imprimfip.tracking.schedule import Timing

log = structlog.get_logger(__name__)

SCAN_S = 2.0
PROGRESS_EVERY_S = 10.0


def _lines_ledger(path: Path) -> Ledger:
    ledger = Ledger(path)
    # Lines are computed again from the facts if a power cut loses their last batch (its
    # marks go back with it): they need no fsync of their own at each batch.
    ledger.connection.execute("PRAGMA synchronous = NORMAL")
    return ledger


def writer(path: Path) -> Workers[Ledger]:
    """The one thread that writes lines (and forgets report months written)."""
    return Workers(lambda: _lines_ledger(path), Ledger.close, threads=1, name="ledger-lines")


class Keeper:
    """Runs `refresh` in the `writer` thread until cancelled; `on_change` gets the report
    months touched."""

    def __init__(
        self, workers: Workers[Ledger], timing: Timing, on_change: Callable[[Months], None]
    ) -> None:
        self._workers = workers
        self._timing = timing
        self._on_change = on_change
        self._wake = asyncio.Event()
        self.catching_up = False

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        backlog = await self._workers.run(lambda ledger: stored_lines.waiting(ledger.connection))
        if backlog > BATCH:
            self.catching_up = True
            log.info("lines_catching_up", letters=backlog)
        started = reported = time.monotonic()
        while True:
            self._wake.clear()
            began = time.monotonic()
            done = await self._workers.run(lambda ledger: refresh(ledger, self._timing))
            if done.months:
                self._on_change(done.months)
            if done.letters == BATCH:
                await asyncio.sleep(time.monotonic() - began)
                if time.monotonic() - reported > PROGRESS_EVERY_S:
                    reported = time.monotonic()
                    left = await self._workers.run(
                        lambda ledger: stored_lines.waiting(ledger.connection)
                    )
                    log.info("lines_catching_up", letters=left)
                continue
            if self.catching_up:
                log.info("lines_caught_up", seconds=round(time.monotonic() - started, 1))
                self.catching_up = False
            try:
                async with asyncio.timeout(SCAN_S):
                    await self._wake.wait()
            except TimeoutError:
                pass
