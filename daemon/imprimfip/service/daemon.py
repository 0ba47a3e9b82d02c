"""The daemon's main loop: recover, watch every inbox, deliver letters, stop cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import structlog

from imprimfip.api.client import ImprimFipClient
from imprimfip.config import load_config
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
from imprimfip.service import logs
from imprimfip.service.health import Snapshot, healthy, status_line
from imprimfip.service.metrics_server import MetricsServer, Reading, lag_seconds
from imprimfip.service.notify import SystemdNotifier
from imprimfip.service.retention import Retention
from imprimfip.service.stalls import watch_stalls
from imprimfip.tracking.alerts import RAISED
from imprimfip.tracking.poller import utc_now
from imprimfip.tracking.tracker import Tracker
from imprimfip.validation.pool import ValidatorPool, ValidatorUnavailable

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


@dataclass
class _Flow:
    """A flow while it runs: its station, its inbox and the loop that claims from it."""

    station: Station
    inbox: Inbox
    loop: asyncio.Task[None]


# Settings whose change needs a restart: they size or locate what is already open.
_RESTART_ONLY = ("ledger", "intake.max_in_flight")

# How often the status line is refreshed when systemd asks for no watchdog pings.
_STATUS_EVERY_S = 5.0


class Daemon:
    """Everything that runs between start and stop, built from one frozen Config.

    A reload (SIGHUP) swaps in a new Config without dropping work: deliveries in flight
    keep the station they started with; flows are added, removed or changed in place.
    """

    def __init__(
        self,
        config: Config,
        stations: list[Station],
        notifier: SystemdNotifier | None = None,
    ) -> None:
        self.config = config
        self.notifier = notifier or SystemdNotifier()
        self._initial = stations
        self._flows: dict[str, _Flow] = {}
        self._slots = asyncio.Semaphore(config.intake.max_in_flight)
        self._deliveries: dict[asyncio.Task[None], int] = {}
        self._background: list[asyncio.Task[None]] = []
        self._retired_clients: list[ImprimFipClient] = []
        self._tracker: Tracker | None = None
        self._retention: Retention | None = None
        self._metrics: MetricsServer | None = None
        self._tracking: list[asyncio.Task[None]] = []

    @property
    def stations(self) -> list[Station]:
        return [flow.station for flow in self._flows.values()]

    @staticmethod
    def _limit(station: Station) -> int:
        return int(station.flow.validation.max_file_mb * 1024 * 1024)

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

    async def _intake(self, station: Station, inbox: Inbox) -> None:
        limit = self._limit(station)
        while True:
            ready, next_look = inbox.look()
            for name in ready:
                await self._slots.acquire()
                result = claim(
                    self._courier.ledger, station.flow.name, station.folders, name, limit
                )
                inbox.handed_out(name)
                if result is None:
                    self._slots.release()
                elif isinstance(result, NotRegular):
                    self._courier.reject(
                        station, result.letter, [notes_fr.not_regular_file(result.kind)]
                    )
                    self._slots.release()
                else:
                    self._spawn(self._courier.deliver(station, result), result.letter.id)
            await inbox.wait(next_look)

    async def _recover(self, station: Station) -> None:
        recovery.finish_decided(self._courier, station)
        for claimed in recovery.interrupted(self._courier, station, self._limit(station)):
            await self._slots.acquire()
            self._spawn(self._courier.deliver(station, claimed), claimed.letter.id)

    def _open_flow(self, station: Station) -> None:
        inbox = Inbox(
            station.flow,
            station.folders,
            self.config.intake.rescan_seconds,
            self.config.intake.poll_seconds,
        )
        inbox.start()
        loop = asyncio.create_task(self._intake(station, inbox), name=f"intake-{station.flow.name}")
        self._flows[station.flow.name] = _Flow(station, inbox, loop)

    async def _close_flow(self, name: str) -> None:
        """Stop claiming from a flow; letters already claimed go on to the end."""
        flow = self._flows.pop(name)
        flow.loop.cancel()
        await asyncio.gather(flow.loop, return_exceptions=True)
        flow.inbox.stop()

    async def _settle_uncertain(self) -> None:
        while True:
            for station in self.stations:
                for letter in recovery.unsettled(self._courier, station):
                    await self._courier.settle(station, letter)
            await asyncio.sleep(self.config.intake.rescan_seconds)

    def _snapshot(self) -> Snapshot:
        pause = self._courier.pause.state()
        return Snapshot(
            waiting=sum(flow.inbox.waiting for flow in self._flows.values()),
            in_flight=len(self._deliveries),
            paused_reason=pause.reason,
            paused_since=pause.since,
            unavailable_inboxes=tuple(
                name for name, flow in self._flows.items() if not flow.inbox.available
            ),
        )

    def _healthy(self) -> bool:
        flows = self._flows.values()
        loops = all(not flow.loop.done() for flow in flows) and all(
            not task.done() for task in [*self._background, *self._tracking]
        )
        return healthy(loops, all(flow.inbox.watching for flow in flows))

    async def _heartbeat(self) -> None:
        """Watchdog pings and the status line, from the main loop itself: a wedged loop
        stops the pings and systemd restarts the daemon."""
        interval = self.notifier.watchdog_interval_s or _STATUS_EVERY_S
        shown = ""
        while True:
            if self._healthy():
                if self.notifier.watchdog_interval_s is not None:
                    self.notifier.watchdog()
            else:
                stopped = [t.get_name() for t in [*self._background, *self._tracking] if t.done()]
                log.error("daemon_unhealthy", flows=list(self._flows), stopped_tasks=stopped)
            line = status_line(self._snapshot())
            if line != shown:
                self.notifier.status(line)
                shown = line
            await asyncio.sleep(interval)

    async def _first_look(self, timeout: float = 30.0) -> None:
        """READY=1 only once every inbox has been scanned once."""
        deadline = asyncio.get_running_loop().time() + timeout
        while any(flow.inbox.looks == 0 for flow in self._flows.values()):
            if asyncio.get_running_loop().time() > deadline:
                log.warning(
                    "first_scan_slow",
                    flows=[n for n, f in self._flows.items() if f.inbox.looks == 0],
                )
                return
            await asyncio.sleep(0.01)

    def _reading(self) -> Reading:
        budget = self._courier.client.budget
        flows = self._flows.items()
        return Reading(
            letters=self._courier.ledger.counts(),
            in_flight=len(self._deliveries),
            inbox_waiting={name: flow.inbox.waiting for name, flow in flows},
            inbox_available={name: flow.inbox.available for name, flow in flows},
            watcher_restarts={name: flow.inbox.watcher_restarts for name, flow in flows},
            budget_level=budget.level,
            budget_limit=budget.window.limit,
            paused=self._courier.pause.state().paused,
            poll_lag_s=lag_seconds(self._tracker.history.next_due() if self._tracker else None),
            alerts=dict(RAISED),
        )

    async def _start_metrics(self) -> None:
        if self.config.metrics.enabled:
            self._metrics = MetricsServer(self.config.metrics, self._reading)
            await self._metrics.start()

    async def _stop_metrics(self) -> None:
        if self._metrics is not None:
            await self._metrics.stop()
            self._metrics = None

    async def _start_tracking(self) -> None:
        self._tracker = Tracker(self.config, self._courier.ledger, self._courier.client)
        self._tracking = await self._tracker.start()
        roots = {flow.name: flow.root for flow in self.config.flows}
        self._retention = Retention(self.config.retention, roots, self.config.ledger.path, utc_now)
        if self._retention.on:
            self._tracking.append(asyncio.create_task(self._retention.run(), name="retention"))

    async def _stop_tracking(self) -> None:
        for task in self._tracking:
            task.cancel()
        await asyncio.gather(*self._tracking, return_exceptions=True)
        if self._tracker is not None:
            await self._tracker.stop()
        if self._retention is not None:
            await self._retention.close()

    async def run(self, stop: asyncio.Event, reload: asyncio.Event | None = None) -> None:
        """Run until `stop` is set, reloading the config each time `reload` is set; in-flight
        deposits get `shutdown_grace_s` to finish."""
        reload = reload or asyncio.Event()
        ledger = Ledger(self.config.ledger.path)
        validator = ValidatorPool()
        self._courier = Courier(
            ledger,
            ImprimFipClient.from_config(self.config.api),
            validator,
            Pause(),
            username=self.config.api.username,
            request_timeout_s=self.config.api.request_timeout_s,
        )
        try:
            await _start_workers(validator)
            for station in self._initial:
                await self._recover(station)
                self._open_flow(station)
            await self._start_tracking()
            await self._start_metrics()
            self._background = [
                asyncio.create_task(self._settle_uncertain(), name="settle-uncertain"),
                asyncio.create_task(self._heartbeat(), name="heartbeat"),
                asyncio.create_task(watch_stalls(), name="stalls"),
            ]
            await self._first_look()
            # What start-up built lives as long as the daemon: keep it out of the
            # collector's full passes, which hold every thread (the event loop too) for a
            # time that grows with the objects they walk.
            gc.freeze()
            self.notifier.ready(status_line(self._snapshot()))
            log.info(
                "daemon_started",
                flows=list(self._flows),
                polling=[n for n, f in self._flows.items() if f.inbox.polling],
            )
            while await _next_request(stop, reload):
                self.notifier.reloading()
                await self.reload()
                self.notifier.ready(status_line(self._snapshot()))
            self.notifier.stopping()
            log.info("daemon_stopping", in_flight=len(self._deliveries))
        finally:
            await self._shutdown(validator)

    async def _shutdown(self, validator: ValidatorPool) -> None:
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        for name in list(self._flows):
            await self._close_flow(name)
        await self._stop_tracking()
        await self._stop_metrics()
        await self._drain()
        for client in (self._courier.client, *self._retired_clients):
            await client.aclose()
        await validator.close()
        self._courier.ledger.close()
        log.info("daemon_stopped")

    async def reload(self) -> None:
        """Read the config file again and apply it; a config that cannot be used is refused
        with its problems logged, and the running one goes on."""
        try:
            new = load_config(self.config.source)
            self._refuse_restart_only(new)
            check_ledger_location(new)
            current = {name: flow.station.flow for name, flow in self._flows.items()}
            prepared = {
                f.name: prepare_station(new, f) for f in new.flows if current.get(f.name) != f
            }
        except ConfigError as error:
            log.error(
                "reload_refused",
                config=error.source,
                problems=[f"{p.key}: {p.message}" for p in error.problems],
            )
            return
        removed = sorted(set(current) - {f.name for f in new.flows})
        for name in removed:
            await self._close_flow(name)
        for name, station in prepared.items():
            if name in self._flows:
                await self._close_flow(name)
            else:
                await self._recover(station)
        old, self.config = self.config, new
        for station in prepared.values():
            self._open_flow(station)
        self._apply_settings(old, new)
        await self._stop_tracking()
        await self._start_tracking()
        if new.metrics != old.metrics:
            await self._stop_metrics()
            await self._start_metrics()
        log.info(
            "reloaded",
            added=sorted(set(prepared) - set(current)),
            changed=sorted(set(prepared) & set(current)),
            removed=removed,
        )

    def _refuse_restart_only(self, new: Config) -> None:
        changed = [key for key in _RESTART_ONLY if _dotted(self.config, key) != _dotted(new, key)]
        if changed:
            problems = [
                ConfigProblem(key, "changing it needs a restart: systemctl restart imprimfip")
                for key in changed
            ]
            raise ConfigError(str(new.source), problems)

    def _apply_settings(self, old: Config, new: Config) -> None:
        if new.logging != old.logging:
            logs.configure(new.logging.level, new.logging.format)
        if new.api != old.api:
            # Requests in flight finish on the old client; it is closed at the stop.
            retired = self._courier.client
            self._retired_clients.append(retired)
            # One subscription, one budget: keep counting in the same window if it is unchanged.
            budget = retired.budget if new.api.budget == old.api.budget else None
            self._courier.client = ImprimFipClient.from_config(new.api, budget=budget)
            self._courier.configure(
                username=new.api.username, request_timeout_s=new.api.request_timeout_s
            )

    async def _drain(self) -> None:
        """Let requests on the wire finish within the grace period; cancel everything else.

        A letter cancelled before its request left stays claimed and resumes at the next
        start; one cancelled mid-request would become uncertain, hence the grace period.
        """
        for task, letter_id in list(self._deliveries.items()):
            if letter_id not in self._courier.sending:
                task.cancel()
        pending = set(self._deliveries)
        if pending:
            _, pending = await asyncio.wait(pending, timeout=self.config.intake.shutdown_grace_s)
        for task in pending:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*pending, return_exceptions=True)


async def _start_workers(validator: ValidatorPool) -> None:
    """Start the validation workers before the first letter, not at it: the first letters
    then wait for no process start (pickup latency). A failure here is retried at the first
    check, where it keeps the letter waiting."""
    try:
        await validator.start()
    except ValidatorUnavailable as error:
        log.error("validation_workers_not_started", error=str(error))


def _dotted(config: Config, key: str) -> object:
    value: object = config
    for part in key.split("."):
        value = getattr(value, part)
    return value


async def _next_request(stop: asyncio.Event, reload: asyncio.Event) -> bool:
    """Wait for a stop (False) or a reload request (True)."""
    stopping = asyncio.ensure_future(stop.wait())
    reloading = asyncio.ensure_future(reload.wait())
    try:
        await asyncio.wait({stopping, reloading}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        reloading.cancel()
    if stop.is_set():
        return False
    reload.clear()
    return True
