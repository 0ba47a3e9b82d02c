"""The daemon's main loop: recover, watch every inbox, deliver letters, stop cleanly."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

import structlog

from imprimfip.api.client import ImprimFipClient
from imprimfip.config.model import Config, FlowConfig
from imprimfip.delivery import recovery
from imprimfip.delivery.courier import Courier
from imprimfip.delivery.filer import Station
from imprimfip.delivery.pause import Pause
from imprimfip.errors import ConfigError, ConfigProblem
from imprimfip.folders import FlowFolders
from imprimfip.intake.claim import NotRegular, claim
from imprimfip.intake.inbox import Inbox
from imprimfip.intake.mounts import is_network
from imprimfip.ledger import Ledger
from imprimfip.outputs import notes_fr
from imprimfip.tracking.tracker import Tracker
from imprimfip.validation.pool import ValidatorPool

log = structlog.get_logger(__name__)


def prepare_station(config: Config, flow: FlowConfig) -> Station:
    """Create the flow's folders, check they share one filesystem, load its annexes."""
    folders = FlowFolders(flow.root)
    key = f'flows ("{flow.name}")'
    try:
        folders.ensure()
        devices = folders.filesystems()
    except OSError as exc:
        problem = ConfigProblem(f"{key}.root", f"cannot create the flow's folders: {exc}")
        raise ConfigError(str(config.source), [problem]) from None
    if len(set(devices.values())) > 1:
        listed = ", ".join(str(path) for path in devices)
        problem = ConfigProblem(
            f"{key}.root",
            f"inbox, processing, done and error must be on one filesystem (letters are "
            f"moved by renaming), but they are not: {listed}",
        )
        raise ConfigError(str(config.source), [problem])
    annexes = []
    for path in flow.annexes:
        try:
            annexes.append((path.name, path.read_bytes()))
        except OSError as exc:
            problem = ConfigProblem(f"{key}.annexes", f"cannot read {path}: {exc.strerror}")
            raise ConfigError(str(config.source), [problem]) from None
    return Station(flow=flow, folders=folders, annexes=tuple(annexes))


def check_ledger_location(config: Config, mounts_text: str | None = None) -> None:
    """Refuse a ledger on a network share: SQLite's locking and fsync are not safe there."""
    folder = config.ledger.path.parent
    folder.mkdir(parents=True, exist_ok=True)
    if is_network(folder, mounts_text):
        problem = ConfigProblem(
            "ledger.path",
            f"{config.ledger.path} is on a network filesystem; SQLite needs a local disk "
            "there (e.g. /var/lib/imprimfip/ledger.sqlite3)",
        )
        raise ConfigError(str(config.source), [problem])


class Daemon:
    """Everything that runs between start and stop, built from one frozen Config."""

    def __init__(self, config: Config, stations: list[Station]) -> None:
        self.config = config
        self.stations = stations
        self._slots = asyncio.Semaphore(config.intake.max_in_flight)
        self._deliveries: dict[asyncio.Task[None], int] = {}
        self._limit = {
            s.flow.name: int(s.flow.validation.max_file_mb * 1024 * 1024) for s in stations
        }

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
        self._deliveries[task] = letter_id
        task.add_done_callback(lambda done: self._deliveries.pop(done, None))

    async def _intake(self, courier: Courier, station: Station, inbox: Inbox) -> None:
        limit = self._limit[station.flow.name]
        while True:
            ready, next_look = inbox.look()
            for name in ready:
                await self._slots.acquire()
                result = claim(courier.ledger, station.flow.name, station.folders, name, limit)
                inbox.handed_out(name)
                if result is None:
                    self._slots.release()
                elif isinstance(result, NotRegular):
                    courier.reject(station, result.letter, [notes_fr.not_regular_file(result.kind)])
                    self._slots.release()
                else:
                    self._spawn(courier.deliver(station, result), result.letter.id)
            await inbox.wait(next_look)

    async def _settle_uncertain(self, courier: Courier) -> None:
        while True:
            for station in self.stations:
                for letter in recovery.unsettled(courier, station):
                    await courier.settle(station, letter)
            await asyncio.sleep(self.config.intake.rescan_seconds)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; in-flight deposits get `shutdown_grace_s` to finish."""
        ledger = Ledger(self.config.ledger.path)
        client = ImprimFipClient.from_config(self.config.api)
        validator = ValidatorPool()
        courier = Courier(
            ledger,
            client,
            validator,
            Pause(),
            username=self.config.api.username,
            request_timeout_s=self.config.api.request_timeout_s,
        )
        inboxes = [
            Inbox(
                s.flow,
                s.folders,
                self.config.intake.rescan_seconds,
                self.config.intake.poll_seconds,
            )
            for s in self.stations
        ]
        tracker = Tracker(self.config, ledger, client)
        loops: list[asyncio.Task[None]] = []
        try:
            for station in self.stations:
                recovery.finish_decided(courier, station)
                for claimed in recovery.interrupted(
                    courier, station, self._limit[station.flow.name]
                ):
                    await self._slots.acquire()
                    self._spawn(courier.deliver(station, claimed), claimed.letter.id)
            for station, inbox in zip(self.stations, inboxes, strict=True):
                inbox.start()
                loops.append(asyncio.create_task(self._intake(courier, station, inbox)))
            loops.append(asyncio.create_task(self._settle_uncertain(courier)))
            loops.extend(await tracker.start())
            log.info(
                "daemon_started",
                flows=[s.flow.name for s in self.stations],
                polling=[i.flow.name for i in inboxes if i.polling],
            )
            await stop.wait()
            log.info("daemon_stopping", in_flight=len(self._deliveries))
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            await tracker.stop()
            for inbox in inboxes:
                inbox.stop()
            await self._drain(courier)
            await client.aclose()
            await validator.close()
            ledger.close()
            log.info("daemon_stopped")

    async def _drain(self, courier: Courier) -> None:
        """Let requests on the wire finish within the grace period; cancel everything else.

        A letter cancelled before its request left stays claimed and resumes at the next
        start; one cancelled mid-request would become uncertain, hence the grace period.
        """
        for task, letter_id in list(self._deliveries.items()):
            if letter_id not in courier.sending:
                task.cancel()
        pending = set(self._deliveries)
        if pending:
            _, pending = await asyncio.wait(pending, timeout=self.config.intake.shutdown_grace_s)
        for task in pending:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*pending, return_exceptions=True)
