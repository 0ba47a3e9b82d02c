"""The flows the daemon watches: each flow's inbox, and the loop that hands its ready
letters to the deliveries. A flow is opened, closed or changed in place on a reload;
letters already claimed go on to the end."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog

from imprimfip.config.model import FlowConfig, IntakeConfig
from imprimfip.delivery.flow import Flow
from imprimfip.intake.inbox import Inbox
from imprimfip.service.deliveries import Deliveries

log = structlog.get_logger(__name__)


@dataclass
class _Watched:
    """A flow being watched: the flow, its inbox and the loop that claims from it."""

    flow: Flow
    inbox: Inbox
    loop: asyncio.Task[None]


class Flows:
    """Every open flow, by name."""

    def __init__(self, deliveries: Deliveries) -> None:
        self._deliveries = deliveries
        self._open: dict[str, _Watched] = {}

    @property
    def names(self) -> list[str]:
        return list(self._open)

    @property
    def current(self) -> list[Flow]:
        return [watched.flow for watched in self._open.values()]

    def configs(self) -> dict[str, FlowConfig]:
        return {name: watched.flow.config for name, watched in self._open.items()}

    def waiting(self) -> dict[str, int]:
        """Letters ready or settling in each inbox."""
        return {name: watched.inbox.waiting for name, watched in self._open.items()}

    def available(self) -> dict[str, bool]:
        """Whether each inbox can be read (False when a network share is gone)."""
        return {name: watched.inbox.available for name, watched in self._open.items()}

    def watcher_restarts(self) -> dict[str, int]:
        return {name: watched.inbox.watcher_restarts for name, watched in self._open.items()}

    def polling(self) -> list[str]:
        """The flows whose inbox is polled rather than watched for events."""
        return [name for name, watched in self._open.items() if watched.inbox.polling]

    def loops_running(self) -> bool:
        return all(not watched.loop.done() for watched in self._open.values())

    def watchers_alive(self) -> bool:
        return all(watched.inbox.watching for watched in self._open.values())

    def open(self, flow: Flow, intake: IntakeConfig) -> None:
        """Start watching the flow's inbox and claiming what is ready in it."""
        inbox = Inbox(flow.config, flow.folders, intake.rescan_seconds, intake.poll_seconds)
        inbox.start()
        loop = asyncio.create_task(self._intake(flow, inbox), name=f"intake-{flow.config.name}")
        self._open[flow.config.name] = _Watched(flow, inbox, loop)

    async def close(self, name: str) -> None:
        """Stop claiming from a flow; letters already claimed go on to the end."""
        watched = self._open.pop(name)
        watched.loop.cancel()
        await asyncio.gather(watched.loop, return_exceptions=True)
        watched.inbox.stop()

    async def close_all(self) -> None:
        for name in list(self._open):
            await self.close(name)

    async def first_look(self, timeout: float = 30.0) -> None:
        """Return once every inbox has been scanned once (or after `timeout`, logged)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while any(watched.inbox.looks == 0 for watched in self._open.values()):
            if asyncio.get_running_loop().time() > deadline:
                log.warning(
                    "first_scan_slow",
                    flows=[n for n, w in self._open.items() if w.inbox.looks == 0],
                )
                return
            await asyncio.sleep(0.01)

    async def _intake(self, flow: Flow, inbox: Inbox) -> None:
        while True:
            ready, next_look = inbox.look()
            for name in ready:
                await self._deliveries.take(flow, name)
                inbox.handed_out(name)
            await inbox.wait(next_look)
