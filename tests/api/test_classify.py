"""The classification table: every status in the official spec, every httpx exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from imprimfip.api.classify import HttpAnswer, classify, error_body, retry_after
from imprimfip.errors import (
    ApiAuthFailed,
    ApiError,
    ApiThrottled,
    ApiUnavailable,
    LetterRejected,
    OutcomeUnknown,
    UnknownFile,
)

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "api-imprimfip.json"
NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
OPERATIONS = {"DoSubmission": "submit", "GetStatus": "status", None: "health"}

# What each status of the spec means, per operation. A status the spec gains and this table
# lacks fails the test: someone must decide what it means before the client meets it.
EXPECTED: dict[tuple[str, int], type[ApiError]] = {
    ("submit", 400): LetterRejected,
    ("submit", 401): ApiAuthFailed,
    ("submit", 403): ApiAuthFailed,
    ("submit", 429): ApiThrottled,
    ("submit", 500): OutcomeUnknown,
    ("submit", 501): ApiUnavailable,
    ("submit", 503): ApiUnavailable,
    ("status", 400): UnknownFile,
    ("status", 401): ApiAuthFailed,
    ("status", 403): ApiAuthFailed,
    ("status", 404): UnknownFile,
    ("status", 429): ApiThrottled,
    ("status", 500): ApiUnavailable,
    ("status", 503): ApiUnavailable,
}
# Answers the spec does not list but a gateway or a proxy can give.
EXTRA: dict[tuple[str, int], type[ApiError]] = {
    ("submit", 200): OutcomeUnknown,  # reaching classify, a 200 had an unreadable body
    ("status", 200): ApiUnavailable,
    ("health", 200): ApiUnavailable,
    ("submit", 302): OutcomeUnknown,
    ("submit", 308): ApiUnavailable,
    ("submit", 404): ApiUnavailable,
    ("submit", 408): ApiUnavailable,
    ("submit", 413): LetterRejected,
    ("submit", 415): ApiUnavailable,
    ("submit", 502): OutcomeUnknown,
    ("submit", 504): OutcomeUnknown,
    ("status", 502): ApiUnavailable,
    ("status", 504): ApiUnavailable,
    ("health", 400): ApiUnavailable,
    ("health", 500): ApiUnavailable,
    ("health", 503): ApiUnavailable,
    ("token", 400): ApiAuthFailed,
    ("token", 401): ApiAuthFailed,
    ("token", 500): ApiUnavailable,
}


def spec_statuses() -> list[tuple[str, int]]:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    found = []
    for path in spec["paths"].values():
        for operation in path.values():
            name = OPERATIONS[operation.get("operationId")]
            found += [(name, int(code)) for code in operation["responses"] if code.isdigit()]
    return found


def answer(operation: str, status: int, body: object = None, **headers: str) -> ApiError:
    return classify(
        operation,  # type: ignore[arg-type]
        HttpAnswer(status, body, headers),
        body_sent=True,
        correlation_id="cid",
        now=NOW,
    )


@pytest.mark.skipif(not SPEC.exists(), reason="the official spec is not beside the repository")
def test_every_status_in_the_spec_has_a_decided_outcome():
    statuses = [item for item in spec_statuses() if item[1] >= 300]
    undecided = [item for item in statuses if item not in EXPECTED]
    assert not undecided, f"decide the outcome of {undecided} in EXPECTED and in classify"
    for operation, status in statuses:
        error = answer(operation, status)
        assert type(error) is EXPECTED[(operation, status)], (operation, status)


@pytest.mark.parametrize(("key", "outcome"), sorted({**EXPECTED, **EXTRA}.items()))
def test_each_status_is_classified(key, outcome):
    operation, status = key
    error = answer(operation, status)
    assert type(error) is outcome
    assert error.detail.http_status == status
    assert error.detail.correlation_id == "cid"


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (900804, ApiThrottled),
        (900901, ApiAuthFailed),
        (900902, ApiAuthFailed),
        (900910, ApiAuthFailed),
        (910000, ApiUnavailable),
    ],
)
@pytest.mark.parametrize("status", [400, 401, 403, 429, 500, 503])
def test_gateway_codes_win_over_the_status(code, outcome, status):
    body = {"erreur": {"code": code, "message": "m", "horodatage": "2021-06-16T18:50:58+02:00"}}
    error = answer("submit", status, body)
    assert type(error) is outcome
    assert error.detail.code == code
    assert error.detail.message == "m"


def test_a_rejection_carries_the_servers_message():
    body = {"erreur": {"code": 40002, "message": "Le champ filename est obligatoire."}}
    error = answer("submit", 400, body)
    assert isinstance(error, LetterRejected)
    assert error.detail.message == "Le champ filename est obligatoire."
    assert error.detail.code == 40002


def test_retry_after_in_seconds_or_as_an_http_date():
    assert answer("status", 429, **{"retry-after": "7"}).retry_after == 7.0
    dated = answer("status", 429, **{"retry-after": "Mon, 02 Mar 2026 10:00:30 GMT"})
    assert dated.retry_after == 30.0
    assert answer("status", 429).retry_after is None
    assert retry_after("soon", NOW) is None
    assert retry_after("Mon, 02 Mar 2026 09:00:00 GMT", NOW) == 0.0


def test_error_bodies_in_every_known_shape():
    assert error_body({"erreur": {"code": 900901, "message": "Invalid Credentials"}}) == (
        900901,
        "Invalid Credentials",
    )
    assert error_body({"fault": {"code": "900804", "message": "Message throttled out"}}) == (
        900804,
        "Message throttled out",
    )
    assert error_body({"error": "invalid_client", "error_description": "wrong secret"}) == (
        None,
        "invalid_client wrong secret",
    )
    assert error_body("<html>Bad Gateway</html>") == (None, "")
    assert error_body(None) == (None, "")


# --- every httpx exception -------------------------------------------------------------

ROOTS = (httpx.HTTPError, httpx.InvalidURL, httpx.CookieConflict, httpx.StreamError)
BEFORE = "before"  # fails before any byte leaves: never a doubt
AFTER = "after"  # may fail once the body has left: a doubt for a submission
ANSWER = "answer"  # carries the server's answer (here a 502): classified as that answer
# Each httpx exception class and when it can happen. A class httpx adds fails the test.
WHEN: dict[type[Exception], str] = {
    httpx.HTTPError: AFTER,
    httpx.RequestError: AFTER,
    httpx.TransportError: AFTER,
    httpx.TimeoutException: AFTER,
    httpx.ConnectTimeout: BEFORE,
    httpx.ReadTimeout: AFTER,
    httpx.WriteTimeout: AFTER,
    httpx.PoolTimeout: BEFORE,
    httpx.NetworkError: AFTER,
    httpx.ConnectError: BEFORE,
    httpx.ReadError: AFTER,
    httpx.WriteError: AFTER,
    httpx.CloseError: AFTER,
    httpx.ProtocolError: AFTER,
    httpx.LocalProtocolError: AFTER,
    httpx.RemoteProtocolError: AFTER,
    httpx.ProxyError: BEFORE,
    httpx.UnsupportedProtocol: BEFORE,
    httpx.DecodingError: AFTER,
    httpx.TooManyRedirects: AFTER,
    httpx.HTTPStatusError: ANSWER,
    httpx.InvalidURL: BEFORE,
    httpx.CookieConflict: AFTER,
    httpx.StreamError: AFTER,
    httpx.StreamConsumed: AFTER,
    httpx.StreamClosed: AFTER,
    httpx.ResponseNotRead: AFTER,
    httpx.RequestNotRead: AFTER,
}


def all_httpx_exceptions() -> set[type[Exception]]:
    found: set[type[Exception]] = set()
    todo = [cls for cls in vars(httpx).values() if isinstance(cls, type)]
    todo = [cls for cls in todo if issubclass(cls, Exception)]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("httpx") and cls not in found:
            found.add(cls)
            todo += cls.__subclasses__()
    return found


def instance(cls: type[Exception]) -> Exception:
    request = httpx.Request("POST", "https://impfip.example/api/v1/file/submission")
    if cls is httpx.HTTPStatusError:
        response = httpx.Response(502, request=request)
        return cls("bad gateway", request=request, response=response)
    try:
        return cls("boom")
    except TypeError:
        return cls()


def test_the_walk_finds_the_whole_hierarchy():
    assert set(ROOTS) <= all_httpx_exceptions()
    assert len(all_httpx_exceptions()) >= 28


@pytest.mark.parametrize("cls", sorted(all_httpx_exceptions(), key=lambda c: c.__name__))
def test_every_httpx_exception_is_classified(cls):
    assert cls in WHEN, f"httpx has a new exception {cls.__name__}: add it to WHEN"
    when = WHEN[cls]
    for operation in ("submit", "status", "health", "token"):
        for body_sent in (False, True):
            error = classify(
                operation, instance(cls), body_sent=body_sent, correlation_id="c", now=NOW
            )
            doubt = operation == "submit" and (when == ANSWER or (body_sent and when == AFTER))
            expected = OutcomeUnknown if doubt else ApiUnavailable
            assert type(error) is expected, (cls.__name__, operation, body_sent)
            assert error.detail.correlation_id == "c"
            assert error.detail.message


def test_an_exception_message_names_its_type():
    error = classify(
        "submit", httpx.ReadTimeout("timed out"), body_sent=True, correlation_id=None, now=NOW
    )
    assert error.detail.message == "ReadTimeout: timed out"
    assert error.detail.http_status is None
