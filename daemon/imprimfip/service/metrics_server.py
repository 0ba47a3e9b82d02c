"""The Prometheus endpoint: GET /metrics on the configured address.

Counters of events live in `imprimfip.metrics`; what can be read at any moment is read at
scrape time from the running daemon, so nothing is kept twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from imprimfip.config.model import MetricsConfig
from imprimfip.errors import StorageKind
from imprimfip.metrics import REGISTRY
from imprimfip.outputs.site import open_site


@dataclass(frozen=True)
class Reading:
    """The daemon's state at one moment, as the scrape needs it."""

    letters: dict[tuple[str, str], int]
    in_flight: int
    inbox_waiting: dict[str, int]
    inbox_available: dict[str, bool]
    watcher_restarts: dict[str, int]
    budget_level: int
    budget_limit: int
    paused: bool
    poll_lag_s: float
    alerts: dict[tuple[str, str], int]
    storage_faults: list[tuple[str, str]]


class DaemonCollector(Collector):
    """Reads the daemon when Prometheus scrapes."""

    def __init__(self, read: Callable[[], Reading]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        now = self._read()
        letters = GaugeMetricFamily(
            "imprimfip_letters",
            "Letters in the ledger by flow and state.",
            labels=["flow", "state"],
        )
        for (flow, state), count in sorted(now.letters.items()):
            letters.add_metric([flow, state], count)
        yield letters
        yield GaugeMetricFamily(
            "imprimfip_letters_in_flight", "Letters claimed and not yet filed.", value=now.in_flight
        )
        waiting = GaugeMetricFamily(
            "imprimfip_inbox_files", "Files seen in each inbox at its last look.", labels=["flow"]
        )
        available = GaugeMetricFamily(
            "imprimfip_inbox_available",
            "1 when the inbox folder (or its share) can be read.",
            labels=["flow"],
        )
        restarts = CounterMetricFamily(
            "imprimfip_watcher_restarts", "Filesystem watchers restarted.", labels=["flow"]
        )
        for flow in sorted(now.inbox_waiting):
            waiting.add_metric([flow], now.inbox_waiting[flow])
            available.add_metric([flow], int(now.inbox_available[flow]))
            restarts.add_metric([flow], now.watcher_restarts[flow])
        yield from (waiting, available, restarts)
        yield GaugeMetricFamily(
            "imprimfip_budget_calls",
            "API calls counted in the current window.",
            value=now.budget_level,
        )
        yield GaugeMetricFamily(
            "imprimfip_budget_limit", "API calls allowed per window.", value=now.budget_limit
        )
        yield GaugeMetricFamily(
            "imprimfip_paused",
            "1 while deposits wait for IMPRIM'FIP to recover.",
            value=int(now.paused),
        )
        yield GaugeMetricFamily(
            "imprimfip_poll_lag_seconds",
            "How late the most overdue status poll is.",
            value=now.poll_lag_s,
        )
        alerts = CounterMetricFamily(
            "imprimfip_alerts",
            "Alerts raised since start by flow and kind.",
            labels=["flow", "kind"],
        )
        for (flow, kind), count in sorted(now.alerts.items()):
            alerts.add_metric([flow, kind], count)
        yield alerts
        faulty = GaugeMetricFamily(
            "imprimfip_storage_faulty",
            "1 while a storage fault lasts, else 0, by place (a flow's share, or `ledger` for "
            "the ledger's disk) and kind (full, read_only, denied, io, vanished, locked).",
            labels=["place", "kind"],
        )
        # Every place and kind, 0 when well: an alert can see a fault end.
        for place in ("ledger", *sorted(now.inbox_available)):
            for kind in StorageKind:
                faulty.add_metric([place, str(kind)], int((place, kind) in now.storage_faults))
        yield faulty


class MetricsServer:
    """Serves the registry plus the daemon's collector; `start()` binds, `stop()` closes."""

    def __init__(self, config: MetricsConfig, read: Callable[[], Reading]) -> None:
        self._config = config
        self._collector = DaemonCollector(read)
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        self.url: str | None = None

    async def start(self) -> None:
        REGISTRY.register(self._collector)
        self.url = await open_site(self._runner, self._config, "metrics")

    async def stop(self) -> None:
        REGISTRY.unregister(self._collector)
        await self._runner.cleanup()

    async def _metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def lag_seconds(next_due: datetime | None, now: datetime | None = None) -> float:
    """How late the earliest due poll is (0 when none is late)."""
    if next_due is None:
        return 0.0
    now = now or datetime.now(UTC)
    return max(0.0, (now - next_due).total_seconds())
