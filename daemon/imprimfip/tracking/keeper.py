"""Keeps each letter's lines (`ledger.lines`) up to date as letters change, off the loop.

`refresh` takes a batch of the letters the ledger noted as changed, computes their lines
(`letters.lines_of`, the same words as ever) and stores those that differ, with the report
months they touch. The `Keeper` runs it in a thread of its own, on its own connection: at
once when woken (a deposit enrolled, a status recorded), else every `SCAN_S` (a letter
refused before its deposit, a letter settled by `imprimfip resolve`). After an upgrade every
letter is noted: the keeper catches up in the background, the latest letters first, resting
as long as each batch took so it never takes more than half a core from the daemon; the
log says how far it is.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger import lines as stored_lines
from imprimfip.ledger.history import History
from imprimfip.ledger.workers import Workers
from imprimfip.tracking.letters import lines_of
from imprimfip.tracking.schedule import Timing
from imprimfip.tracking.stored import Row, month_of, row_of

log = logging.getLogger(__name__)
"""stdlib logging with fields in `extra` (see ledger/schema.py): `imprimfip status` runs
`refresh` without importing structlog."""

BATCH = 500
SCAN_S = 2.0
PROGRESS_EVERY_S = 10.0
# Lines of the letters in these states are shown; a letter leaving them (void) loses them.
SHOWN = frozenset({LetterState.DEPOSITED, LetterState.UNCERTAIN, LetterState.REJECTED})

Months = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Refreshed:
    """What one batch did: letters taken, and the (flow, month) of the lines changed."""

    letters: int
    months: Months


def refresh(ledger: Ledger, timing: Timing, limit: int = BATCH) -> Refreshed:
    """Bring the lines of up to `limit` changed letters up to date."""
    db = ledger.connection
    marks = stored_lines.changed(db, limit)
    if not marks:
        return Refreshed(0, frozenset())
    ids = [mark.letter_id for mark in marks]
    letters = ledger.letters(ids)
    facts = History(ledger).facts(ids)
    before = stored_lines.stored(db, ids)
    updates = []
    for mark in marks:
        letter = letters.get(mark.letter_id)
        now: list[Row] = []
        if letter is not None and letter.state in SHOWN:
            known = facts[mark.letter_id]
            shown = lines_of(letter, known.tracked, known.latest, known.alerts, timing)
            now = [row_of(letter, line, place) for place, line in enumerate(shown)]
        if now != before[mark.letter_id]:
            touched = {
                (str(row[2]), month_of(str(row[7]))) for row in [*now, *before[mark.letter_id]]
            }
            updates.append(stored_lines.Update(mark, tuple(now), frozenset(touched)))
    with ledger.transaction() as write:
        stored_lines.store(write, updates, marks)
    return Refreshed(len(marks), frozenset(m for update in updates for m in update.months))


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
            log.info("lines_catching_up", extra={"letters": backlog})
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
                    log.info("lines_catching_up", extra={"letters": left})
                continue
            if self.catching_up:
                seconds = round(time.monotonic() - started, 1)
                log.info("lines_caught_up", extra={"seconds": seconds})
                self.catching_up = False
            try:
                async with asyncio.timeout(SCAN_S):
                    await self._wake.wait()
            except TimeoutError:
                pass
