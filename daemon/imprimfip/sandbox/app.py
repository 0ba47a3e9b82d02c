"""The emulator's aiohttp application: the API under `/api/v1`, `/token`, `/_sandbox/`."""

from __future__ import annotations

from aiohttp import web

from imprimfip.sandbox import api, oauth, surface
from imprimfip.sandbox.gateway import count_calls, gateway, spec_errors
from imprimfip.sandbox.runtime import SANDBOX, Sandbox
from imprimfip.sandbox.settings import SandboxSettings

API_PREFIX = "/api/v1"


def build_app(settings: SandboxSettings) -> web.Application:
    """A fresh application with its own state (loaded from `settings.state_file` if any)."""
    sandbox = Sandbox.start(settings)
    app = web.Application(middlewares=[count_calls, spec_errors])
    app[SANDBOX] = sandbox
    app.add_routes(oauth.routes)
    app.add_routes(surface.routes)
    api_app = web.Application(middlewares=[gateway])
    api_app[SANDBOX] = sandbox
    api_app.add_routes(api.routes)
    app.add_subapp(API_PREFIX, api_app)
    return app
