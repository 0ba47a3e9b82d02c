"""Serving the status page: aiohttp on the configured address (loopback by default).

GET / only (and HEAD); read-only; `?q=` searches file names, `?flux=` narrows to a flow.
The Content-Security-Policy forbids scripts and any outside resource.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import structlog
from aiohttp import web

from imprimfip.config.model import StatusPageConfig
from imprimfip.letter_lines import Line
from imprimfip.outputs.site import open_site
from imprimfip.outputs.statuspage.render import FlowSummary, page

log = structlog.get_logger(__name__)

POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"


class StatusPage:
    """The page's web server; `start()` binds it, `stop()` closes it."""

    def __init__(
        self,
        config: StatusPageConfig,
        flows: Sequence[FlowSummary],
        lines: Callable[[str | None], list[Line]],
        clock: Callable[[], datetime],
    ) -> None:
        self._config = config
        self._flows = list(flows)
        self._lines = lines
        self._clock = clock
        app = web.Application()
        app.router.add_get("/", self._index)
        self._runner = web.AppRunner(app, access_log=None)
        self.url: str | None = None

    async def start(self) -> None:
        """Bind the address; an address in use is logged, and the daemon goes on without
        its page rather than stop mailing letters."""
        self.url = await open_site(self._runner, self._config, "status_page")

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _index(self, request: web.Request) -> web.Response:
        chosen = request.query.get("flux", "")
        if chosen and chosen not in {f.name for f in self._flows}:
            chosen = ""
        html = page(
            self._lines(chosen or None),
            self._flows,
            self._clock(),
            query=request.query.get("q", ""),
            flow=chosen,
        )
        return web.Response(
            text=html,
            content_type="text/html",
            charset="utf-8",
            headers={"Content-Security-Policy": POLICY, "Cache-Control": "no-store"},
        )
