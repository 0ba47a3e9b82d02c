"""Opening one of the daemon's small HTTP servers (status page, metrics)."""

from __future__ import annotations

import ssl

import structlog
from aiohttp import web

from imprimfip.config.model import ListenerConfig

log = structlog.get_logger(__name__)


async def open_site(
    runner: web.AppRunner,
    config: ListenerConfig,
    what: str,
    tls: ssl.SSLContext | None = None,
) -> str | None:
    """Bind `runner` to the configured address (over TLS with `tls`); return its URL.

    An address in use is logged and None returned: the daemon goes on without this server
    rather than stop mailing letters.
    """
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, ssl_context=tls)
    try:
        await site.start()
    except OSError as exc:
        log.error(f"{what}_unavailable", listen=config.listen, error=str(exc))
        return None
    host, port = runner.addresses[0][:2]
    shown = f"[{host}]" if ":" in host else host
    url = f"{'https' if tls else 'http'}://{shown}:{port}/"
    log.info(f"{what}_started", url=url)
    return url
