"""How the emulator answers: the spec's error shape, its date format, and the error codes.

Every error body is `{"erreur": {"code", "message", "horodatage"}}` as in the spec. Gateway
codes (9xxxxx) are the DGFiP API gateway's; the backend's own codes for a refused
submission are not published, so the emulator uses one stable code per kind of mistake
(`Code`), and French messages that say what is wrong and what to send instead.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from enum import IntEnum

from aiohttp import web


class Code(IntEnum):
    """Error codes the emulator answers with."""

    INVALID_CREDENTIALS = 900901
    MISSING_CREDENTIALS = 900902
    THROTTLED = 900804
    MISSING_CORRELATION_ID = 910000
    BAD_REQUEST = 40000
    MISSING_PART = 40001
    BAD_PARAMETERS = 40002
    NOT_A_PDF = 40003
    NOT_FOUND = 40400
    SERVER_ERROR = 50000
    UNAVAILABLE = 50300


def service_iso(moment: datetime, zone: tzinfo) -> str:
    """`yyyy-MM-ddTHH:mm:sszzz` in the service's zone, e.g. 2021-06-16T18:52:12+02:00."""
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def error(
    status: int, code: int, message: str, zone: tzinfo, headers: dict[str, str] | None = None
) -> web.Response:
    """An error answer in the spec's shape, stamped with the current time in `zone`."""
    stamp = service_iso(datetime.now(zone), zone)
    body = {"erreur": {"code": int(code), "message": message, "horodatage": stamp}}
    return web.json_response(body, status=status, headers=headers)


class Refusal(Exception):
    """Raised anywhere in a handler to answer with an error in the spec's shape."""

    def __init__(
        self, status: int, code: int, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers

    def response(self, zone: tzinfo) -> web.Response:
        return error(self.status, self.code, self.message, zone, self.headers)
