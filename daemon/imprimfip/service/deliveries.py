"""The letters on their way: each claimed letter in its own task, at most `max_in_flight`.

`Deliveries` owns the courier and the validation workers, the tasks of the letters it
takes, and the loop that looks again for uncertain deposits. It claims a letter only once a
slot is free, so no more than `max_in_flight` letters sit in processing/; the rest wait in
their inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

import structlog

from imprimfip import notes_fr
from imprimfip.api.backoff import Pause, PauseState
from imprimfip.api.client import ImprimFipClient
from imprimfip.config.model import ApiConfig, IntakeConfig
from imprimfip.delivery import recovery
from imprimfip.delivery.courier import Courier
from imprimfip.delivery.flow import Flow
from imprimfip.errors import LedgerFault, StorageFault
from imprimfip.intake.claim import NotRegular, claim
from imprimfip.ledger import Ledger
from imprimfip.outputs.report_csv import report_path
from imprimfip.storage import admission, leftovers
from imprimfip.storage.classify import storage_fault
from imprimfip.storage.episodes import LEDGER, Place
from imprimfip.storage.watch import StorageWatch
from imprimfip.validation.pool import ValidatorPool, ValidatorUnavailable

log = structlog.get_logger(__name__)

# How often the mender looks for a place whose storage fault is due for another try.
MEND_EVERY_S = 0.5


class Deliveries:
    """Takes letters from the flows' inboxes to IMPRIM'FIP, each in its own task."""

    def __init__(
        self,
        ledger: Ledger,
        client: ImprimFipClient,
        api: ApiConfig,
        intake: IntakeConfig,
        flows: Callable[[], list[Flow]],
        *,
        storage: StorageWatch,
    ) -> None:
        """`flows` gives the flows open now (whose uncertain letters are looked for, and
        whose pending work is mended after a storage fault)."""
        self._ledger = ledger
        self._validator = ValidatorPool()
        self._pause = Pause()
        self._storage = storage
        self._courier = Courier(
            ledger,
            client,
            self._validator,
            self._pause,
            storage,
            username=api.username,
            request_timeout_s=api.request_timeout_s,
        )
        self._intake = intake
        self._flows = flows
        self._slots = asyncio.Semaphore(intake.max_in_flight)
        self._tasks: dict[asyncio.Task[None], int] = {}
        self._settling: asyncio.Task[None] | None = None
        self._mending: asyncio.Task[None] | None = None

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def loops(self) -> list[asyncio.Task[None]]:
        """The loops that settle uncertain deposits and mend storage faults, once started."""
        return [task for task in (self._settling, self._mending) if task is not None]

    def pause(self) -> PauseState:
        """Whether deposits wait after a system fault, and why."""
        return self._pause.state()

    async def start(self) -> None:
        """Start the validation workers before the first letter, not at it: the first letters
        then wait for no process start (pickup latency). A failure here is retried at the
        first check, where it keeps the letter waiting."""
        try:
            await self._validator.start()
        except ValidatorUnavailable as error:
            log.error("validation_workers_not_started", error=str(error))

    def start_settling(self) -> None:
        """Look for uncertain deposits again every rescan, in every open flow; and mend what
        a storage fault held back once it is due for another try."""
        self._settling = asyncio.create_task(self._settle_uncertain(), name="settle-uncertain")
        self._mending = asyncio.create_task(self._mend(), name="mend-storage")

    def use(self, client: ImprimFipClient, api: ApiConfig, intake: IntakeConfig) -> None:
        """Settings of a reload: letters not yet sent use `client` from now on."""
        self._courier.client = client
        self._courier.configure(username=api.username, request_timeout_s=api.request_timeout_s)
        self._intake = intake

    async def take(self, flow: Flow, name: str) -> bool:
        """Wait for a slot, claim `name` from the flow's inbox and deliver it; False when a
        storage fault left it in the inbox (or its claim half done, for the mender)."""
        await self._slots.acquire()
        try:
            result = claim(self._ledger, flow.config.name, flow.folders, name, flow.max_bytes)
            if isinstance(result, NotRegular):
                self._courier.reject(flow, result.letter, [notes_fr.not_regular_file(result.kind)])
        except StorageFault as fault:
            self._slots.release()
            self._storage.fault(fault, flow.config.name)
            return False
        if result is None or isinstance(result, NotRegular):
            self._slots.release()
        else:
            self._spawn(self._courier.deliver(flow, result), result.letter.id, flow)
        return True

    async def recover(self, flow: Flow) -> None:
        """File what the ledger decided and deliver again what a stop interrupted; a
        storage fault on the way, or a share that cannot take work now (the flow then
        opens paused), is left to the mender. Temporaries a crash left are swept."""
        refusal = admission.share_refusal(flow.folders)
        if refusal is not None:
            self._storage.failed(Place(flow.config.name), refusal)
            return
        with contextlib.suppress(OSError):
            leftovers.remove([leftovers.temporary_for(report_path(flow.config))])
        await self._replay(flow)

    async def _replay(self, flow: Flow) -> bool:
        """Redo, from the ledger, the pending work of `flow` that no task holds; False if a
        storage fault stopped it (said, and left for the next try)."""
        busy = set(self._tasks.values())
        try:
            recovery.file_decided(self._courier, flow, busy)
            again = recovery.interrupted(self._courier, flow, flow.max_bytes, busy)
        except StorageFault as fault:
            self._storage.fault(fault, flow.config.name)
            return False
        for claimed in again:
            await self._slots.acquire()
            self._spawn(self._courier.deliver(flow, claimed), claimed.letter.id, flow)
        return True

    async def _mend(self) -> None:
        """Once a faulty place is due for another try: look at it cheaply, then redo what
        waits there; the episode ends when that all went through."""
        while True:
            await asyncio.sleep(MEND_EVERY_S)
            if self._storage.get(LEDGER) is not None:
                if self._storage.due(LEDGER) and await self._mend_ledger():
                    self._storage.succeeded(LEDGER)
                continue
            for flow in self._flows():
                place = Place(flow.config.name)
                if self._storage.due(place) and await self._mend_share(flow):
                    self._storage.succeeded(place)

    async def _mend_ledger(self) -> bool:
        try:
            self._ledger.probe()
        except LedgerFault as fault:
            self._storage.failed(LEDGER, fault.detail)
            return False
        for flow in self._flows():
            await self._replay(flow)
        return True

    async def _mend_share(self, flow: Flow) -> bool:
        refusal = admission.share_refusal(flow.folders)
        if refusal is not None:
            self._storage.failed(Place(flow.config.name), refusal)
            return False
        return await self._replay(flow)

    def _spawn(self, work: Coroutine[Any, Any, None], letter_id: int, flow: Flow) -> None:
        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except StorageFault as fault:
                # The letter keeps its state; the mender takes it up again.
                self._storage.fault(fault, flow.config.name)
            except OSError as error:
                fault = storage_fault(error)
                if fault is None:
                    log.exception("internal_error", letter_id=letter_id)
                else:
                    self._storage.fault(fault, flow.config.name)
            except Exception:
                # Our own bug, not the letter's fault: the letter keeps its state and is
                # picked up again at the next start; it is never sent to error/ for this.
                log.exception("internal_error", letter_id=letter_id)
            finally:
                self._slots.release()

        task = asyncio.create_task(guarded(), name=f"letter-{letter_id}")
        self._tasks[task] = letter_id
        task.add_done_callback(lambda done: self._tasks.pop(done, None))

    async def _settle_uncertain(self) -> None:
        while True:
            for flow in self._flows():
                if self._storage.deposits_paused():
                    break
                try:
                    for letter in recovery.unsettled(self._courier, flow):
                        await self._courier.settle(flow, letter)
                except StorageFault as fault:
                    self._storage.fault(fault, flow.config.name)
            await asyncio.sleep(self._intake.rescan_seconds)

    async def stop(self) -> None:
        """Let requests on the wire finish within the grace period; cancel everything else.

        A letter cancelled before its request left stays claimed and resumes at the next
        start; one cancelled mid-request would become uncertain, hence the grace period.
        """
        for loop in (self._settling, self._mending):
            if loop is not None:
                loop.cancel()
                await asyncio.gather(loop, return_exceptions=True)
        for task, letter_id in list(self._tasks.items()):
            if letter_id not in self._courier.sending:
                task.cancel()
        pending = set(self._tasks)
        if pending:
            _, pending = await asyncio.wait(pending, timeout=self._intake.shutdown_grace_s)
        for task in pending:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*pending, return_exceptions=True)
        await self._validator.close()
