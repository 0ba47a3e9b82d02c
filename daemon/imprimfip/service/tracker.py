"""Tracking as the daemon runs it: the poller, the alert notifier, the lines kept for people,
the CSV reports and the status page, built from one Config and started and stopped together.

This is wiring: `tracking` makes the lines, `outputs` shows them, and neither knows the
other; `lookups` reads the kept lines for the page and the reports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from imprimfip.api.client import ImprimFipClient
from imprimfip.config.model import Config
from imprimfip.folders import FlowFolders
from imprimfip.ledger import Ledger
from imprimfip.ledger.history import History
from imprimfip.ledger.workers import Reader
from imprimfip.outputs.report_periods import Reports
from imprimfip.outputs.statuspage.page_server import StatusPage
from imprimfip.outputs.statuspage.render import FlowSummary
from imprimfip.service.lookups import PageLookups, ReportLookups
from imprimfip.storage.watch import StorageWatch, outlast_ledger_faults
from imprimfip.tracking.alert_channels import Notifier
from imprimfip.tracking.keeper import Keeper, writer
from imprimfip.tracking.poller import Poller, utc_now
from imprimfip.tracking.schedule import Timing

# A month's report is read in one go: give it longer than a page.
REPORT_READ_TIMEOUT_S = 300.0


class Tracker:
    """Everything that follows deposited letters inside the daemon."""

    def __init__(
        self,
        config: Config,
        ledger: Ledger,
        client: ImprimFipClient,
        storage: StorageWatch,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._storage = storage
        self._tasks: list[asyncio.Task[None]] = []
        self.history = History(ledger)
        timing = Timing.from_config(config.tracking)
        path = config.ledger.path
        self._writer = writer(path)
        # The reports read with two threads: the current file, which staff open, never waits
        # behind a month's file (all of them are written once after an upgrade).
        self._readers = [
            Reader(path, threads=2),
            Reader(path, threads=2, timeout_s=REPORT_READ_TIMEOUT_S),
        ]
        roots = {f.name: f.root for f in config.flows}
        self.keeper = Keeper(self._writer, timing, lambda _months: self.reports.wake())
        self.reports = Reports(
            list(roots),
            ReportLookups(self._readers[1], self._writer, roots),
            config.reports.days,
            clock,
            busy=lambda: self.keeper.catching_up,
        )
        self.notifier = Notifier(self.history, {f.name: f.notify for f in config.flows}, clock)
        self.poller = Poller(
            config,
            self.history,
            client,
            self.notifier,
            lambda _flow: self.keeper.wake(),
            storage=storage,
            clock=clock,
        )
        flows = [FlowSummary(f.name, f.sending_type) for f in config.flows]
        errors = {f.name: FlowFolders(f.root).error for f in config.flows}
        self.page = (
            StatusPage(config.status_page, flows, PageLookups(self._readers[0], errors), clock)
            if config.status_page.enabled
            else None
        )

    async def start(self) -> None:
        """Open the status page and start the loops."""
        if self.page is not None:
            await self.page.start()
        loops = {
            "tracking-poller": self.poller.run,
            "tracking-notifier": self.notifier.run,
            "tracking-lines": self.keeper.run,
            "tracking-reports": self.reports.run,
        }
        # A ledger fault pauses a loop, it does not end it (an ended loop is a bug).
        self._tasks = [
            asyncio.create_task(outlast_ledger_faults(self._storage, run), name=name)
            for name, run in loops.items()
        ]

    def loops(self) -> list[asyncio.Task[None]]:
        """The tracking loops (one that ended is a bug: the daemon is reported unhealthy)."""
        return list(self._tasks)

    async def stop(self) -> None:
        """Cancel the loops, close the page and the worker threads."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.page is not None:
            await self.page.stop()
        for reader in self._readers:
            await reader.close()
        await self._writer.close()
