"""Serving the status page: aiohttp on the configured address (loopback by default).

GET (and HEAD) only, read-only; the addresses are listed in `views.py`. The
Content-Security-Policy forbids scripts and any outside resource. With `tls_certificate`
and `tls_key` it speaks HTTPS; with `login` and `password_hash` it asks for a login
(`access.py`). Open on a network address without both, it says so in the log.

The reads run in worker threads (`PageSource`), so a page never holds the daemon's loop
for longer than it takes to render a page of lines; a read that takes too long is cut and
the page says so.
"""

from __future__ import annotations

import ipaddress
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import structlog
from aiohttp import web

from imprimfip.config.model import StatusPageConfig
from imprimfip.errors import LedgerFault
from imprimfip.outputs.site import open_site
from imprimfip.outputs.statuspage import views
from imprimfip.outputs.statuspage.access import Login, basic_credentials, tls_context
from imprimfip.outputs.statuspage.render import FlowSummary

log = structlog.get_logger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
HEADERS = {"Content-Security-Policy": POLICY, "Cache-Control": "no-store"}
LOGIN_NEEDED = "Identifiez-vous pour voir le suivi des envois."
TURNED_AWAY = (
    "Trop d'identifications refusées depuis ce poste : réessayez dans quelques minutes, "
    "ou demandez l'identifiant à la personne qui gère le démon."
)
PICTURE_POLICY = "default-src 'none'; img-src 'self'"
"""For a picture opened on its own: the browser shows it in a page of its own making."""
NO_PICTURE = (
    "Image introuvable : ce courrier n'a pas d'image de page refusée, ou elle a été effacée "
    "ou déplacée du dossier error/ de son flux (par la durée de conservation, ou par une "
    "personne). Le motif du refus reste dans la note .erreur.txt et sur la page du courrier."
)
TOO_SLOW = (
    "La page a mis trop de temps à se construire et a été interrompue. "
    "Précisez la recherche (un flux, un jour) ou réessayez dans un moment."
)
LEDGER_UNAVAILABLE = (
    "Le registre des envois ne peut pas être lu pour l'instant (son disque est plein, en "
    "lecture seule ou en panne). Les courriers attendent et l'envoi reprendra de lui-même "
    "dès que le disque sera réparé ; prévenez l'administrateur du serveur."
)


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=HEADERS
    )


class StatusPage:
    """The page's web server; `start()` binds it, `stop()` closes it."""

    def __init__(
        self,
        config: StatusPageConfig,
        flows: Sequence[FlowSummary],
        source: views.PageSource,
        clock: Callable[[], datetime],
    ) -> None:
        self._config = config
        self._flows = list(flows)
        self._source = source
        self._clock = clock
        self._login = (
            Login(config.login, config.password_hash.reveal())
            if config.login and config.password_hash
            else None
        )
        app = web.Application(middlewares=[self._guard, self._door])
        app.router.add_get("/", self._front)
        app.router.add_get("/a-traiter", self._to_do)
        app.router.add_get(r"/courrier/{letter_id:\d{1,18}}", self._letter)
        app.router.add_get(r"/courrier/{letter_id:\d{1,18}}/image", self._picture)
        self._runner = web.AppRunner(app, access_log=None)
        self.url: str | None = None

    async def start(self) -> None:
        """Bind the address; an address in use is logged, and the daemon goes on without
        its page rather than stop mailing letters."""
        config = self._config
        tls = None
        if config.tls_certificate and config.tls_key:
            tls = tls_context(config.tls_certificate.reveal(), config.tls_key.reveal())
        if not _loopback(config.host) and not (tls and self._login):
            log.warning(
                "status_page_exposed",
                listen=config.listen,
                tls=tls is not None,
                login=self._login is not None,
            )
        self.url = await open_site(self._runner, config, "status_page", tls)

    async def stop(self) -> None:
        await self._runner.cleanup()

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except LedgerFault as fault:
            # Said once as the ledger's storage fault; each page only shows it.
            log.debug("status_page_ledger_unavailable", path=request.path, error=str(fault))
            return _html(LEDGER_UNAVAILABLE, status=503)
        except sqlite3.OperationalError as error:
            # The reader's deadline interrupted the query (or the ledger is busy): the
            # person can narrow the page; the daemon is not concerned.
            log.warning("status_page_read_failed", path=request.path, error=str(error))
            return _html(TOO_SLOW, status=503)

    @web.middleware
    async def _door(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The login, when one is set; a client refused too often waits for the window."""
        if self._login is None:
            return await handler(request)
        client, now = request.remote or "?", time.monotonic()
        refusals = self._login.refusals
        if refusals.turned_away(client, now):
            return _html(TURNED_AWAY, status=429)
        given = basic_credentials(request.headers.get("Authorization"))
        if await self._login.accepts(given):
            return await handler(request)
        if given is not None:
            refusals.refused(client, now)
            log.warning(
                "status_page_login_refused",
                client=client,
                login=given[0][:64],
                turned_away=refusals.turned_away(client, now),
            )
        return web.Response(
            text=LOGIN_NEEDED,
            status=401,
            content_type="text/plain",
            charset="utf-8",
            headers={"WWW-Authenticate": 'Basic realm="Suivi des envois", charset="UTF-8"'},
        )

    async def _front(self, request: web.Request) -> web.Response:
        return _html(await views.front(self._source, self._flows, self._clock(), request.query))

    async def _to_do(self, request: web.Request) -> web.Response:
        page = await views.to_do_page(self._source, self._flows, self._clock(), request.query)
        return _html(page)

    async def _letter(self, request: web.Request) -> web.Response:
        letter_id = int(request.match_info["letter_id"])
        page = await views.letter_page(self._source, self._flows, self._clock(), letter_id)
        if page is None:
            raise web.HTTPNotFound(text="Aucun courrier de ce numéro.")
        return _html(page)

    async def _picture(self, request: web.Request) -> web.Response:
        """The picture filed beside a refused letter: found from the ledger by the letter's
        number, never from a path in the address (`PageLookups.picture`)."""
        png = await self._source.picture(int(request.match_info["letter_id"]))
        if png is None:
            return _html(NO_PICTURE, status=404)
        headers = {**HEADERS, "Content-Security-Policy": PICTURE_POLICY}
        return web.Response(body=png, content_type="image/png", headers=headers)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may well stand for a network address
        return False
