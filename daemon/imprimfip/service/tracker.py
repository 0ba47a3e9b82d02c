"""Tracking as the daemon runs it: the poller, the alert notifier, the CSV reports and
the status page, built from one Config and started and stopped together.

This is wiring: `tracking` makes the lines, `outputs` shows them, and neither knows the
other."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from imprimfip.api.client import ImprimFipClient
from imprimfip.config.model import Config
from imprimfip.ledger import Ledger
from imprimfip.ledger.history import History
from imprimfip.letter_lines import Line
from imprimfip.outputs.report_csv import Reports
from imprimfip.outputs.statuspage.page_server import StatusPage
from imprimfip.outputs.statuspage.render import FlowSummary
from imprimfip.tracking.alert_channels import Notifier
from imprimfip.tracking.letters import overview
from imprimfip.tracking.poller import Poller, utc_now
from imprimfip.tracking.schedule import Timing


class Tracker:
    """Everything that follows deposited letters inside the daemon."""

    def __init__(
        self,
        config: Config,
        ledger: Ledger,
        client: ImprimFipClient,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._tasks: list[asyncio.Task[None]] = []
        self.history = History(ledger)
        timing = Timing.from_config(config.tracking)

        def lines(flow: str | None) -> list[Line]:
            return overview(self.history, timing, flow)

        self.reports = Reports(config.flows, lines)
        self.notifier = Notifier(self.history, {f.name: f.notify for f in config.flows}, clock)
        self.poller = Poller(
            config, self.history, client, self.notifier, self.reports.mark, clock=clock
        )
        flows = [FlowSummary(f.name, f.sending_type) for f in config.flows]
        self.page = (
            StatusPage(config.status_page, flows, lines, clock)
            if config.status_page.enabled
            else None
        )

    async def start(self) -> None:
        """Open the status page and start the loops."""
        if self.page is not None:
            await self.page.start()
        self._tasks = [
            asyncio.create_task(self.poller.run(), name="tracking-poller"),
            asyncio.create_task(self.notifier.run(), name="tracking-notifier"),
            asyncio.create_task(self.reports.run(), name="tracking-reports"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.page is not None:
            await self.page.stop()
