"""The daemon's view of its storage: the episodes under way, said once, and waited out.

`Episodes` decides (pure); `StorageWatch` is the thin part around it that the running
daemon shares: it reads the clock, writes the `storage_fault` / `storage_fault_cleared`
log lines, counts episodes for the metrics, and lets a task wait until a place is due for
another try or has healed. The flows' intake loops ask it whether to claim; the courier
waits on it before a ledger write it must not lose; the mender asks which places are due.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import structlog

from imprimfip.errors import LedgerFault, StorageDetail, StorageFault
from imprimfip.metrics import STORAGE_FAULTS
from imprimfip.storage.episodes import LEDGER, Episode, Episodes, Notice, Place, Say

log = structlog.get_logger(__name__)

# How often a waiting task looks again when nothing wakes it sooner.
LOOK_EVERY_S = 0.5


def place_of(fault: StorageFault, flow: str) -> Place:
    """Where a fault met while working for `flow` is: the ledger's disk, or its share."""
    return LEDGER if isinstance(fault, LedgerFault) else Place(flow)


class StorageWatch:
    """Every place's episode, with what to say and when to try again."""

    def __init__(self) -> None:
        self.episodes = Episodes()
        self._changed = asyncio.Event()

    def failed(self, place: Place, detail: StorageDetail) -> None:
        """A step failed at `place`: start or go on with its episode (said once)."""
        notice = self.episodes.failed(place, detail, datetime.now(UTC))
        if notice is not None:
            _say(notice)
            if notice.say is Say.STARTED:
                STORAGE_FAULTS.labels(_label(place), str(detail.kind)).inc()
        else:
            log.debug("storage_fault_again", place=str(place), error=detail.code)

    def fault(self, fault: StorageFault, flow: str) -> None:
        """`failed` for a fault met while working for `flow`."""
        self.failed(place_of(fault, flow), fault.detail)

    def succeeded(self, place: Place) -> None:
        """A step succeeded at `place`: its episode, if any, ends (said once)."""
        notice = self.episodes.succeeded(place, datetime.now(UTC))
        if notice is not None:
            _say(notice)
            self._changed.set()
            self._changed = asyncio.Event()

    def get(self, place: Place) -> Episode | None:
        return self.episodes.get(place)

    def due(self, place: Place) -> bool:
        """Whether `place` has an episode whose next try is due."""
        episode = self.episodes.get(place)
        return episode is not None and episode.due(datetime.now(UTC))

    def claiming_paused(self, flow: str) -> bool:
        return self.episodes.claiming_paused(flow)

    def deposits_paused(self) -> bool:
        return self.episodes.deposits_paused()

    def status(self) -> str:
        return self.episodes.status()

    def current(self) -> list[Episode]:
        return self.episodes.current()

    def met_ledger_fault(self, fault: LedgerFault) -> None:
        """A ledger fault met by a loop other than the mender: it starts the ledger's
        episode, or leaves the one under way to the mender, whose next try it does not
        push back."""
        if self.episodes.get(LEDGER) is None:
            self.failed(LEDGER, fault.detail)

    async def healed(self, place: Place) -> None:
        """Return when `place` has no episode any more (the mender ends it)."""
        while self.episodes.get(place) is not None:
            healed = self._changed
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LOOK_EVERY_S):
                    await healed.wait()

    async def wait(self, place: Place) -> None:
        """Return when `place` is well again or due for another try."""
        while (episode := self.episodes.get(place)) is not None:
            left = (episode.retry_at - datetime.now(UTC)).total_seconds()
            if left <= 0:
                return
            healed = self._changed
            # asyncio.timeout, not wait_for: see Inbox.wait.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(left, LOOK_EVERY_S)):
                    await healed.wait()


async def outlast_ledger_faults(storage: StorageWatch, run: Callable[[], Awaitable[None]]) -> None:
    """Run a loop that uses the ledger once the ledger is well; after a ledger fault (said
    once, as the ledger's episode), start it again once the ledger is well again. Its work
    is redone from the ledger, where nothing of the failed write was recorded."""
    while True:
        await storage.healed(LEDGER)
        try:
            await run()
        except LedgerFault as fault:
            storage.met_ledger_fault(fault)
            await storage.healed(LEDGER)


def _label(place: Place) -> str:
    return place.flow if place.flow is not None else "ledger"


def _say(notice: Notice) -> None:
    fields = notice.fields()
    if notice.say is Say.ENDED:
        log.info(notice.say, **fields)
    else:
        log.warning(notice.say, **fields)
