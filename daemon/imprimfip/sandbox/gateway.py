"""What stands in front of the API handlers: the DGFiP gateway's checks and the counters.

Order of the checks on an API call, as a WSO2-style gateway then the backend would apply
them: OAuth bearer token (when OAuth clients are configured), rate limit, X-Correlation-ID,
X-Request-ID, injected faults, then the backend's `username`/`password` (not on
`/etatSante`, whose spec has no such headers).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from imprimfip.sandbox.answers import Code, Refusal
from imprimfip.sandbox.faults import Dropped, before_handling
from imprimfip.sandbox.ratelimit import retry_after_header
from imprimfip.sandbox.runtime import SANDBOX, Sandbox
from imprimfip.sandbox.stats import DROPPED

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger(__name__)

HEALTH_PATH = "/etatSante"
INVALID = "Invalid Credentials"
MISSING = "Missing Credentials"
_HTTP_ERRORS_FR = {
    404: "Ressource inconnue de l'API",
    405: "Méthode non autorisée pour cette ressource",
    413: "Requête trop volumineuse",
}


@web.middleware
async def count_calls(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every call but those to the test surface, by endpoint and final status."""
    if request.path.startswith("/_sandbox"):
        return await handler(request)
    resource = request.match_info.route.resource
    endpoint = f"{request.method} {resource.canonical if resource else request.path}"
    stats = request.app[SANDBOX].stats
    try:
        response = await handler(request)
    except Dropped:
        stats.record(endpoint, DROPPED)
        return web.Response()  # never sent: the transport is already closed
    stats.record(endpoint, response.status)
    return response


@web.middleware
async def spec_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every error, including aiohttp's own (404, 405) and bugs, in the spec's shape."""
    try:
        return await handler(request)
    except Refusal as refusal:
        return refusal.response(request.app[SANDBOX].zone)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        what = _HTTP_ERRORS_FR.get(exc.status, exc.reason)
        message = f"{what} : {request.method} {request.path}"
        refusal = Refusal(exc.status, exc.status * 100, message)
        return refusal.response(request.app[SANDBOX].zone)
    except Dropped:
        raise
    except Exception:
        log.exception("sandbox: unexpected error on %s %s", request.method, request.path)
        refusal = Refusal(500, Code.SERVER_ERROR, "Erreur interne de l'émulateur.")
        return refusal.response(request.app[SANDBOX].zone)


@web.middleware
async def gateway(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The checks every API call goes through, in the gateway's order."""
    sandbox = request.app[SANDBOX]
    _check_bearer(sandbox, request)
    wait = sandbox.window.admit(time.monotonic())
    if wait is not None:
        raise Refusal(
            429, Code.THROTTLED, "Message throttled out", {"Retry-After": retry_after_header(wait)}
        )
    if not request.headers.get("X-Correlation-ID"):
        raise Refusal(
            400,
            Code.MISSING_CORRELATION_ID,
            "Le paramètre X-Correlation-ID n'est pas présent dans le header HTTP",
        )
    if not request.headers.get("X-Request-ID"):
        # The spec requires it on every operation; no gateway code is documented for it,
        # so it is the backend's plain 400.
        raise Refusal(
            400,
            Code.BAD_REQUEST,
            "L'en-tête X-Request-ID est obligatoire : joignez un identifiant de requête.",
        )
    await before_handling(sandbox)
    if not request.path.endswith(HEALTH_PATH):
        _check_credentials(sandbox, request)
    return await handler(request)


def _check_bearer(sandbox: Sandbox, request: web.Request) -> None:
    if not sandbox.settings.oauth_clients:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refusal(401, Code.MISSING_CREDENTIALS, MISSING)
    if not sandbox.tokens.valid(token.strip()):
        raise Refusal(401, Code.INVALID_CREDENTIALS, INVALID)


def _check_credentials(sandbox: Sandbox, request: web.Request) -> None:
    """`username` and base64 `password` against the configured users (none: accept all)."""
    users = sandbox.settings.users
    if not users:
        return
    username = request.headers.get("username")
    password = request.headers.get("password")
    if not username or not password:
        raise Refusal(401, Code.MISSING_CREDENTIALS, MISSING)
    try:
        given = base64.b64decode(password, validate=True)
    except binascii.Error:
        given = b""
    expected = users.get(username)
    if expected is None or not hmac.compare_digest(expected.encode("utf-8"), given):
        raise Refusal(401, Code.INVALID_CREDENTIALS, INVALID)
