"""The flows the daemon watches: each flow's inbox, and the loop that hands its ready
letters to the deliveries. A flow is opened, closed or changed in place on a reload;
letters already claimed go on to the end."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import structlog

from imprimfip.config.model import FlowConfig, IntakeConfig
from imprimfip.delivery.flow import Flow
from imprimfip.intake.inbox import Inbox
from imprimfip.outputs.report_csv import report_path
from imprimfip.service.deliveries import Deliveries
from imprimfip.storage import admission
from imprimfip.storage.episodes import Place
from imprimfip.storage.watch import StorageWatch

log = structlog.get_logger(__name__)

# How soon a flow paused by a storage fault looks at its inbox again.
STORAGE_LOOK_S = 1.0


@dataclass
class _Watched:
    """A flow being watched: the flow, its inbox and the loop that claims from it."""

    flow: Flow
    inbox: Inbox
    loop: asyncio.Task[None]


class Flows:
    """Every open flow, by name."""

    def __init__(self, deliveries: Deliveries, storage: StorageWatch) -> None:
        self._deliveries = deliveries
        self._storage = storage
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

    def loops(self) -> list[asyncio.Task[None]]:
        """Each flow's intake loop."""
        return [watched.loop for watched in self._open.values()]

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
        """Claim what is ready, while the flow's share and the ledger can take it; a letter
        not claimed stays in inbox/ (with its marker file, if the flow uses them)."""
        name = flow.config.name
        while True:
            ready, next_look = inbox.look()
            for entry in ready:
                if self._storage.claiming_paused(name) or not self._admitted(flow, inbox, entry):
                    next_look = min(next_look, inbox.now() + STORAGE_LOOK_S)
                    break
                if await self._deliveries.take(flow, entry):
                    inbox.handed_out(entry)
            await inbox.wait(next_look)

    def _admitted(self, flow: Flow, inbox: Inbox, entry: str) -> bool:
        """Whether the share has room to file `entry` once decided; if not, the flow's
        share episode starts (or goes on) and the letter waits in inbox/."""
        refusal = admission.refusal(
            flow.folders.processing,
            _size(flow.folders.inbox / entry),
            unfiled=self._deliveries.in_flight,
            report_bytes=_size(report_path(flow.config)),
        )
        if refusal is None:
            return True
        self._storage.failed(Place(flow.config.name), refusal)
        return False


def _size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0
