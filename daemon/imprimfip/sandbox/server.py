"""Running the emulator: in a background thread (tests, demo) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from aiohttp import web

from imprimfip.sandbox.app import API_PREFIX, build_app
from imprimfip.sandbox.settings import SandboxSettings

START_TIMEOUT_S = 30.0
# In-flight handlers (e.g. with injected latency) get this long to finish on stop.
SHUTDOWN_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class SandboxHandle:
    """Where a running emulator listens."""

    base_url: str

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX


async def _start(
    settings: SandboxSettings, tls: ssl.SSLContext | None = None
) -> tuple[web.AppRunner, SandboxHandle]:
    runner = web.AppRunner(
        build_app(settings), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port, ssl_context=tls)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    host, port = runner.addresses[0][:2]
    shown = f"[{host}]" if ":" in host else host
    scheme = "https" if tls is not None else "http"
    return runner, SandboxHandle(f"{scheme}://{shown}:{port}")


@contextmanager
def running_sandbox(
    settings: SandboxSettings, tls: ssl.SSLContext | None = None
) -> Iterator[SandboxHandle]:
    """Serve the emulator from a thread with its own event loop; stop it on exit.

    With `settings.port` 0 a free port is picked; the handle tells which. With `tls` (a
    server context) it serves HTTPS.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="imprimfip-sandbox", daemon=True)
    thread.start()
    try:
        runner, handle = asyncio.run_coroutine_threadsafe(_start(settings, tls), loop).result(
            START_TIMEOUT_S
        )
        try:
            yield handle
        finally:
            stopping = asyncio.run_coroutine_threadsafe(runner.cleanup(), loop)
            stopping.result(START_TIMEOUT_S + SHUTDOWN_TIMEOUT_S)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(START_TIMEOUT_S)
        loop.close()


async def serve(settings: SandboxSettings, stop: asyncio.Event) -> None:
    """Serve in the current event loop until `stop` is set; prints the URL it listens on."""
    runner, handle = await _start(settings)
    print(
        f"IMPRIM'FIP sandbox listening on {handle.base_url} (API at {handle.api_url})", flush=True
    )
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
