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
from imprimfip.intake.claim import NotRegular, claim
from imprimfip.ledger import Ledger
from imprimfip.validation.pool import ValidatorPool, ValidatorUnavailable

log = structlog.get_logger(__name__)


class Deliveries:
    """Takes letters from the flows' inboxes to IMPRIM'FIP, each in its own task."""

    def __init__(
        self,
        ledger: Ledger,
        client: ImprimFipClient,
        api: ApiConfig,
        intake: IntakeConfig,
        flows: Callable[[], list[Flow]],
    ) -> None:
        """`flows` gives the flows open now (whose uncertain letters are looked for)."""
        self._ledger = ledger
        self._validator = ValidatorPool()
        self._pause = Pause()
        self._courier = Courier(
            ledger,
            client,
            self._validator,
            self._pause,
            username=api.username,
            request_timeout_s=api.request_timeout_s,
        )
        self._intake = intake
        self._flows = flows
        self._slots = asyncio.Semaphore(intake.max_in_flight)
        self._tasks: dict[asyncio.Task[None], int] = {}
        self._settling: asyncio.Task[None] | None = None

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    @property
    def settling(self) -> bool:
        """Whether the loop that settles uncertain deposits still runs."""
        return self._settling is not None and not self._settling.done()

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
        """Look for uncertain deposits again every rescan, in every open flow."""
        self._settling = asyncio.create_task(self._settle_uncertain(), name="settle-uncertain")

    def use(self, client: ImprimFipClient, api: ApiConfig, intake: IntakeConfig) -> None:
        """Settings of a reload: letters not yet sent use `client` from now on."""
        self._courier.client = client
        self._courier.configure(username=api.username, request_timeout_s=api.request_timeout_s)
        self._intake = intake

    async def take(self, flow: Flow, name: str) -> None:
        """Wait for a slot, claim `name` from the flow's inbox and deliver it."""
        await self._slots.acquire()
        result = claim(self._ledger, flow.config.name, flow.folders, name, flow.max_bytes)
        if result is None:
            self._slots.release()
        elif isinstance(result, NotRegular):
            self._courier.reject(flow, result.letter, [notes_fr.not_regular_file(result.kind)])
            self._slots.release()
        else:
            self._spawn(self._courier.deliver(flow, result), result.letter.id)

    async def recover(self, flow: Flow) -> None:
        """File what the ledger decided and deliver again what a stop interrupted."""
        recovery.file_decided(self._courier, flow)
        for claimed in recovery.interrupted(self._courier, flow, flow.max_bytes):
            await self._slots.acquire()
            self._spawn(self._courier.deliver(flow, claimed), claimed.letter.id)

    def _spawn(self, work: Coroutine[Any, Any, None], letter_id: int) -> None:
        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
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
                for letter in recovery.unsettled(self._courier, flow):
                    await self._courier.settle(flow, letter)
            await asyncio.sleep(self._intake.rescan_seconds)

    async def stop(self) -> None:
        """Let requests on the wire finish within the grace period; cancel everything else.

        A letter cancelled before its request left stays claimed and resumes at the next
        start; one cancelled mid-request would become uncertain, hence the grace period.
        """
        if self._settling is not None:
            self._settling.cancel()
            await asyncio.gather(self._settling, return_exceptions=True)
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
