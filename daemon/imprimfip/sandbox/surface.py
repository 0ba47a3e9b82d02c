"""The test surface under `/_sandbox/` (not part of the real API; outside checkers use it).

- `GET /_sandbox/submissions`: one object per accepted submission, in arrival order.
- `GET /_sandbox/stats`: calls counted per endpoint and per HTTP status.
- `POST /_sandbox/faults`: a JSON object of fault probabilities and `latency_s`; it replaces
  the current faults (`{}` clears them); answers the faults now in force.
- `POST /_sandbox/reset`: forget submissions, counters, the rate window and faults.
- `POST /_sandbox/expire-tokens`: invalidate every OAuth token issued so far.
"""

from __future__ import annotations

import json

from aiohttp import web

from imprimfip.sandbox.answers import Code, Refusal
from imprimfip.sandbox.runtime import SANDBOX
from imprimfip.sandbox.settings import Faults

routes = web.RouteTableDef()


@routes.get("/_sandbox/submissions")
async def submissions(request: web.Request) -> web.Response:
    listed = []
    for item in request.app[SANDBOX].registry.all():
        data = item.to_json()
        del data["life"], data["received_epoch"]
        listed.append(data)
    return web.json_response(listed)


@routes.get("/_sandbox/stats")
async def stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[SANDBOX].stats.as_json())


@routes.post("/_sandbox/faults")
async def faults(request: web.Request) -> web.Response:
    try:
        values = json.loads(await request.text() or "{}")
        if not isinstance(values, dict):
            raise ValueError("expected a JSON object")
        new = Faults.from_mapping(values)
    except ValueError as exc:
        raise Refusal(400, Code.BAD_REQUEST, f"invalid faults: {exc}") from exc
    request.app[SANDBOX].faults = new
    return web.json_response(new.as_dict())


@routes.post("/_sandbox/reset")
async def reset(request: web.Request) -> web.Response:
    request.app[SANDBOX].reset()
    return web.json_response({"reset": True})


@routes.post("/_sandbox/expire-tokens")
async def expire_tokens(request: web.Request) -> web.Response:
    request.app[SANDBOX].tokens.expire_all()
    return web.json_response({"expired": True})
