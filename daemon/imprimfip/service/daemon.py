"""The daemon: its parts built from one frozen Config, started, reloaded and stopped in order.

This is the composition root. Each part owns what it starts and stops:

- `Deliveries` (deliveries.py): the courier, the validation workers, the letters' tasks;
- `Flows` (flows.py): each flow's inbox and the loop that hands ready letters to deliveries;
- `Tracker` (tracker.py): the poller, the alert notifier, the CSV reports, the status page;
- `Heartbeat` (heartbeat.py): systemd's status line and watchdog pings;
- `MetricsServer` (metrics_server.py): the Prometheus endpoint;
- `DailyBackups` (ledger/backup.py): a copy of the ledger each day, when configured.

The daemon itself holds what they share (the ledger, the API client) and the order of
things: recover before watching, stop watching before draining, drain before closing.
"""

from __future__ import annotations

import asyncio
import gc

import structlog

from imprimfip.api.client import ImprimFipClient
from imprimfip.config import load_config
from imprimfip.config.model import Config
from imprimfip.delivery.flow import Flow, prepare_flow
from imprimfip.errors import ConfigError, ConfigProblem, LedgerFault
from imprimfip.ledger.backup import DailyBackups
from imprimfip.service import logs
from imprimfip.service.deliveries import Deliveries
from imprimfip.service.flows import Flows
from imprimfip.service.heartbeat import DaemonState, Heartbeat, ended
from imprimfip.service.ledger_place import check_ledger_location, open_ledger
from imprimfip.service.metrics_server import MetricsServer, Reading, lag_seconds
from imprimfip.service.retention import Retention
from imprimfip.service.stalls import watch_stalls
from imprimfip.service.systemd_notify import SystemdNotifier
from imprimfip.service.tracker import Tracker
from imprimfip.storage.episodes import LEDGER
from imprimfip.storage.watch import StorageWatch, outlast_ledger_faults
from imprimfip.tracking.alerts import RAISED
from imprimfip.tracking.poller import utc_now

log = structlog.get_logger(__name__)


def _backups(config: Config) -> asyncio.Task[None] | None:
    """The daily ledger backups, when `[ledger] backup_dir` asks for them."""
    ledger = config.ledger
    if ledger.backup_dir is None:
        return None
    backups = DailyBackups(ledger.path, ledger.backup_dir, ledger.backup_keep)
    return asyncio.create_task(backups.run(), name="ledger-backups")


# Settings whose change needs a restart: they size or locate what is already open.
_RESTART_ONLY = ("ledger", "intake.max_in_flight")


class Daemon:
    """Everything that runs between start and stop, built from one frozen Config.

    A reload (SIGHUP) swaps in a new Config without dropping work: deliveries in flight
    keep the flow they started with; flows are added, removed or changed in place.
    """

    def __init__(
        self,
        config: Config,
        flows: list[Flow],
        notifier: SystemdNotifier | None = None,
    ) -> None:
        self.config = config
        self._initial = flows
        self._ledger = open_ledger(config)
        self._client = ImprimFipClient.from_config(config.api)
        # Clients replaced by a reload: requests in flight finish on them; closed at the stop.
        self._retired_clients: list[ImprimFipClient] = []
        self._storage = StorageWatch()
        self._deliveries = Deliveries(
            self._ledger,
            self._client,
            config.api,
            config.intake,
            lambda: self._flows.current,
            storage=self._storage,
        )
        self._flows = Flows(self._deliveries, self._storage)
        self._heartbeat = Heartbeat(notifier or SystemdNotifier(), self._state)
        self._tracker: Tracker | None = None
        self._retention: Retention | None = None
        self._metrics: MetricsServer | None = None
        self._backups: asyncio.Task[None] | None = None
        self._stalls: asyncio.Task[None] | None = None
        self._retention: Retention | None = None
        self._retiring: asyncio.Task[None] | None = None

    async def run(self, stop: asyncio.Event, reload: asyncio.Event | None = None) -> None:
        """Run until `stop` is set, reloading the config each time `reload` is set; in-flight
        deposits get `shutdown_grace_s` to finish."""
        reload = reload or asyncio.Event()
        try:
            await self._deliveries.start()
            self._look_at_ledger()
            for flow in self._initial:
                await self._deliveries.recover(flow)
                self._flows.open(flow, self.config.intake)
            await self._start_tracking()
            await self._start_metrics()
            self._deliveries.start_settling()
            self._backups = _backups(self.config)
            self._stalls = asyncio.create_task(watch_stalls(), name="stalls")
            self._heartbeat.start()
            await self._flows.first_look()
            # What start-up built lives as long as the daemon: keep it out of the
            # collector's full passes, which hold every thread (the event loop too) for a
            # time that grows with the objects they walk.
            gc.freeze()
            self._heartbeat.ready()
            log.info("daemon_started", flows=self._flows.names, polling=self._flows.polling())
            while await _next_request(stop, reload):
                self._heartbeat.reloading()
                await self.reload()
                self._heartbeat.ready()
            self._heartbeat.stopping()
            log.info("daemon_stopping", in_flight=self._deliveries.in_flight)
        finally:
            await self._shutdown()

    def _look_at_ledger(self) -> None:
        """Start with the ledger's episode open if its disk cannot take a write: intake and
        deposits then wait from the first instant, and the mender resumes them."""
        try:
            self._ledger.probe()
        except LedgerFault as fault:
            self._storage.failed(LEDGER, fault.detail)

    async def _shutdown(self) -> None:
        for task in (self._backups, self._stalls):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self._heartbeat.stop()
        await self._flows.close_all()
        await self._stop_tracking()
        await self._stop_metrics()
        await self._deliveries.stop()
        for client in (self._client, *self._retired_clients):
            await client.aclose()
        self._ledger.close()
        log.info("daemon_stopped")

    async def reload(self) -> None:
        """Read the config file again and apply it; a config that cannot be used is refused
        with its problems logged, and the running one goes on."""
        try:
            new = load_config(self.config.source)
            self._refuse_restart_only(new)
            check_ledger_location(new)
            current = self._flows.configs()
            prepared = {f.name: prepare_flow(new, f) for f in new.flows if current.get(f.name) != f}
        except ConfigError as error:
            log.error(
                "reload_refused",
                config=error.source,
                problems=[f"{p.key}: {p.message}" for p in error.problems],
            )
            return
        removed = sorted(set(current) - {f.name for f in new.flows})
        for name in removed:
            await self._flows.close(name)
        for name, flow in prepared.items():
            if name in current:
                await self._flows.close(name)
            else:
                await self._deliveries.recover(flow)
        old, self.config = self.config, new
        for flow in prepared.values():
            self._flows.open(flow, new.intake)
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
            self._retired_clients.append(self._client)
            # One subscription, one budget: keep counting in the same window if it is unchanged.
            budget = self._client.budget if new.api.budget == old.api.budget else None
            self._client = ImprimFipClient.from_config(new.api, budget=budget)
        self._deliveries.use(self._client, new.api, new.intake)

    async def _start_tracking(self) -> None:
        self._tracker = Tracker(self.config, self._ledger, self._client, self._storage)
        await self._tracker.start()
        roots = {flow.name: flow.root for flow in self.config.flows}
        self._retention = Retention(self.config.retention, roots, self.config.ledger.path, utc_now)
        if self._retention.on:
            self._retiring = asyncio.create_task(
                outlast_ledger_faults(self._storage, self._retention.run), name="retention"
            )

    async def _stop_tracking(self) -> None:
        if self._retiring is not None:
            self._retiring.cancel()
            await asyncio.gather(self._retiring, return_exceptions=True)
            self._retiring = None
        if self._tracker is not None:
            await self._tracker.stop()
        if self._retention is not None:
            await self._retention.close()
            self._retention = None

    async def _start_metrics(self) -> None:
        if self.config.metrics.enabled:
            self._metrics = MetricsServer(self.config.metrics, self._reading)
            await self._metrics.start()

    async def _stop_metrics(self) -> None:
        if self._metrics is not None:
            await self._metrics.stop()
            self._metrics = None

    def _state(self) -> DaemonState:
        pause = self._deliveries.pause()
        return DaemonState(
            flows=tuple(self._flows.names),
            waiting=sum(self._flows.waiting().values()),
            in_flight=self._deliveries.in_flight,
            paused_reason=pause.reason,
            paused_since=pause.since,
            storage=self._storage.status(),
            unavailable_inboxes=tuple(
                name for name, available in self._flows.available().items() if not available
            ),
            ended_loops=ended(
                [
                    *self._flows.loops(),
                    *self._deliveries.loops(),
                    *(self._tracker.loops() if self._tracker else []),
                    *([self._retiring] if self._retiring else []),
                ]
            ),
            watchers_alive=self._flows.watchers_alive(),
        )

    def _reading(self) -> Reading:
        budget = self._client.budget
        try:
            letters = self._ledger.counts()
            next_poll = self._tracker.history.next_due() if self._tracker else None
        except LedgerFault:
            # Said by the storage metrics; these come back with the ledger.
            letters, next_poll = {}, None
        return Reading(
            letters=letters,
            in_flight=self._deliveries.in_flight,
            inbox_waiting=self._flows.waiting(),
            inbox_available=self._flows.available(),
            watcher_restarts=self._flows.watcher_restarts(),
            budget_level=budget.level,
            budget_limit=budget.window.limit,
            paused=self._deliveries.pause().paused,
            poll_lag_s=lag_seconds(next_poll),
            alerts=dict(RAISED),
            storage_faults=[
                (episode.place.flow or "ledger", str(episode.detail.kind))
                for episode in self._storage.current()
            ],
        )


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
