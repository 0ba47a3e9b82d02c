"""Sort every way an IMPRIM'FIP call can end into one outcome class (see docs/invariants.md,
'Letter faults and system faults are different').

`classify` is the one place where an HTTP answer or an httpx exception becomes one of the
daemon's errors; nothing above the api package sees httpx. The rule that protects against
mailing a letter twice (see docs/invariants.md, 'Nothing is mailed twice'): once the body
of a submission may have reached the server, any ending that does not say what happened is
`OutcomeUnknown`, never retried. A status, health or token request is safe to repeat, so
the same endings are `ApiUnavailable`.

    answer or exception                          submit           status, health, token
    gateway code 900804, HTTP 429                ApiThrottled     ApiThrottled
    gateway 900901/900902/900910, HTTP 401, 403  ApiAuthFailed    ApiAuthFailed
    HTTP 400                                     LetterRejected   status: UnknownFile,
                                                                  token: ApiAuthFailed
    HTTP 404                                     ApiUnavailable   status: UnknownFile
    HTTP 413 (the file is too large)             LetterRejected   ApiUnavailable
    gateway 910000, HTTP 301/307/308, 408,       ApiUnavailable   ApiUnavailable
      other 4xx, 501, 503
    HTTP 500, 502, 504, other 5xx and 3xx,       OutcomeUnknown   ApiUnavailable
      a 2xx whose body cannot be read
    exception before any byte was sent (connect, ApiUnavailable   ApiUnavailable
      DNS, TLS, pool, proxy, bad URL)
    any other exception once the body may have   OutcomeUnknown   ApiUnavailable
      been sent (read/write timeout, read error,
      connection closed without an answer, the
      client's own deadline: TimeoutError)

A proxy on the way: one that refuses the connection, answers CONNECT with an error (407
without the right password, 403, 502) or never answers it fails before any byte of the
body left (the transport's body watch says so), so the letter waits: ApiUnavailable.
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import httpx

from imprimfip.errors import (
    ApiAuthFailed,
    ApiError,
    ApiErrorDetail,
    ApiThrottled,
    ApiUnavailable,
    LetterRejected,
    OutcomeUnknown,
    UnknownFile,
)

Operation = Literal["submit", "status", "health", "token"]

# A submission is the only call that changes anything on the server.
UNSAFE_OPERATIONS: frozenset[Operation] = frozenset({"submit"})

GATEWAY_THROTTLED = 900804
GATEWAY_INVALID_CREDENTIALS = 900901
GATEWAY_CODES: Mapping[int, type[ApiError]] = {
    GATEWAY_THROTTLED: ApiThrottled,
    GATEWAY_INVALID_CREDENTIALS: ApiAuthFailed,
    900902: ApiAuthFailed,
    900910: ApiAuthFailed,
    # A request without X-Correlation-ID is our bug, not the letter's: nothing was done.
    910000: ApiUnavailable,
}

_ANY_OPERATION: Mapping[int, type[ApiError]] = {
    301: ApiUnavailable,
    307: ApiUnavailable,
    308: ApiUnavailable,
    401: ApiAuthFailed,
    403: ApiAuthFailed,
    408: ApiUnavailable,
    429: ApiThrottled,
    501: ApiUnavailable,
    503: ApiUnavailable,
}


_PER_OPERATION: Mapping[tuple[Operation, int], type[ApiError]] = {
    ("submit", 400): LetterRejected,
    ("submit", 413): LetterRejected,
    ("status", 400): UnknownFile,
    ("status", 404): UnknownFile,
    ("token", 400): ApiAuthFailed,
}

# These fail while the connection is being set up: no byte of the request left.
_BEFORE_SENDING: tuple[type[BaseException], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.InvalidURL,
)


@dataclass(frozen=True)
class HttpAnswer:
    """What came back: the status, the body parsed as JSON (None if it was not JSON)."""

    status: int
    body: object = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, response: httpx.Response) -> HttpAnswer:
        try:
            body = response.json()
        except ValueError:
            body = None
        return cls(response.status_code, body, response.headers)


def classify(
    operation: Operation,
    ending: HttpAnswer | BaseException,
    *,
    body_sent: bool,
    correlation_id: str | None,
    now: datetime,
) -> ApiError:
    """The error that `ending` means for `operation`.

    `ending` is an answer that is not a readable success (any status, including a 2xx whose
    body could not be read) or the exception the request raised. `body_sent` says whether any
    byte of the request body may have been handed to the network. `now` (aware) reads an
    HTTP-date Retry-After.
    """
    if isinstance(ending, httpx.HTTPStatusError):
        ending = HttpAnswer(ending.response.status_code, None, ending.response.headers)
    if isinstance(ending, HttpAnswer):
        return _from_answer(operation, ending, correlation_id, now)
    detail = ApiErrorDetail(message=_describe(ending), correlation_id=correlation_id)
    if isinstance(ending, _BEFORE_SENDING) or not body_sent:
        return ApiUnavailable(detail)
    return OutcomeUnknown(detail) if operation in UNSAFE_OPERATIONS else ApiUnavailable(detail)


def _from_answer(
    operation: Operation, answer: HttpAnswer, correlation_id: str | None, now: datetime
) -> ApiError:
    code, message = error_body(answer.body)
    detail = ApiErrorDetail(
        http_status=answer.status,
        code=code,
        message=message or _default_message(answer),
        correlation_id=correlation_id,
    )
    outcome = _outcome(operation, answer.status, code)
    if outcome is ApiThrottled:
        return ApiThrottled(detail, retry_after(answer.headers.get("retry-after"), now))
    return outcome(detail)


def _outcome(operation: Operation, status: int, code: int | None) -> type[ApiError]:
    if code in GATEWAY_CODES:
        return GATEWAY_CODES[code]
    known = _PER_OPERATION.get((operation, status)) or _ANY_OPERATION.get(status)
    if known is not None:
        return known
    if 400 <= status < 500 or operation not in UNSAFE_OPERATIONS:
        return ApiUnavailable
    return OutcomeUnknown


def error_body(body: object) -> tuple[int | None, str]:
    """(code, message) from the spec's `{"erreur": {...}}`, a WSO2 `{"fault": {...}}` or an
    OAuth `{"error": ..., "error_description": ...}` body; (None, "") when there is none."""
    if not isinstance(body, dict):
        return None, ""
    inner = body.get("erreur") or body.get("fault")
    if isinstance(inner, dict):
        code = inner.get("code")
        code = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
        message = inner.get("message")
        return code, message if isinstance(message, str) else ""
    if isinstance(body.get("error"), str):
        return None, " ".join(str(body[k]) for k in ("error", "error_description") if k in body)
    return None, ""


def _default_message(answer: HttpAnswer) -> str:
    if answer.status == 413:
        return "Le fichier est trop volumineux pour IMPRIM'FIP : réduisez sa taille."
    if answer.status in (301, 307, 308):
        where = answer.headers.get("location", "elsewhere")
        return f"HTTP {answer.status}: the API redirects to {where}; check api.base_url"
    if 200 <= answer.status < 300:
        return f"HTTP {answer.status} with a body that cannot be read"
    return f"HTTP {answer.status}"


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())
