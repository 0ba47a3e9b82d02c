"""`POST /token`: the gateway's OAuth 2.0 client-credentials grant (RFC 6749 section 4.4).

The client authenticates with HTTP Basic or with `client_id`/`client_secret` form fields.
Errors follow RFC 6749 section 5.2 (`{"error": ...}`), not the API's error shape, since the
token endpoint belongs to the OAuth server.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from aiohttp import web

from imprimfip.sandbox.runtime import SANDBOX

routes = web.RouteTableDef()


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    headers = {"WWW-Authenticate": 'Basic realm="sandbox"'} if status == 401 else None
    return web.json_response(
        {"error": error, "error_description": description}, status=status, headers=headers
    )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


@routes.post("/token")
async def token(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    form = await request.post()
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
    credentials = _basic_credentials(request.headers.get("Authorization", "")) or (
        str(form.get("client_id", "")),
        str(form.get("client_secret", "")),
    )
    client_id, secret = credentials
    expected = sandbox.settings.oauth_clients.get(client_id)
    if expected is None or not hmac.compare_digest(expected.encode(), secret.encode()):
        return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
    body = {
        "access_token": sandbox.tokens.issue(),
        "token_type": "Bearer",
        "expires_in": int(sandbox.tokens.lifetime_s),
    }
    if form.get("scope"):
        body["scope"] = str(form["scope"])
    return web.json_response(body, headers={"Cache-Control": "no-store"})
