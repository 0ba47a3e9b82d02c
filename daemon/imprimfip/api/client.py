"""The IMPRIM'FIP client: the daemon's only contact with the outside world.

Every call goes through `_call`: it draws from the rate budget, builds the headers, sends,
logs, turns the ending into a typed answer or one of the daemon's errors (`classify`), and
retries only what `backoff.retryable` allows. Nothing above this package sees httpx.

Each attempt has a deadline of its own, `request_timeout_s` for the whole exchange (httpx's
timeouts bound each read or write, not the whole), so a lost deposit can only have been
received within that much of its start; and the date of every answer is recorded
(`server_clock`) to read the server's clock when looking for one.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import structlog

from imprimfip import notes_fr
from imprimfip.api.auth import Credentials, RequestIds
from imprimfip.api.backoff import RetryPolicy, next_delay, throttle_wait
from imprimfip.api.budget import Budget, Kind
from imprimfip.api.classify import HttpAnswer, Operation, classify
from imprimfip.api.clock import ClockOffset, ServerClock, answer_dates
from imprimfip.api.models import FileStatusReport, Submission, SubmissionAccepted
from imprimfip.api.payload import Encoding, multipart
from imprimfip.api.probe import candidate_refs
from imprimfip.api.proxy import ProxyRoute, describe_route
from imprimfip.api.transport import transports, watch
from imprimfip.config.model import ApiConfig
from imprimfip.errors import (
    ApiAuthFailed,
    ApiError,
    ApiErrorDetail,
    ApiThrottled,
    LetterRejected,
    OutcomeUnknown,
    SystemFault,
    UnknownFile,
)
from imprimfip.metrics import API_CALLS

T = TypeVar("T")
Build = Callable[[dict[str, str]], httpx.Request]


class AttemptHooks(Protocol):
    """Told about each attempt of a deposit, so that the caller's ledger can say
    "submitting" only while a request may really be on its way (see docs/invariants.md,
    'Nothing is mailed twice')."""

    def before_send(self) -> None:
        """The budget granted the call; its first byte is about to leave."""

    def not_accepted(self) -> None:
        """The attempt ended in a way that proves nothing was accepted (503, 429, 401...)."""


Parse = Callable[[object], T]

# Enough for a request in flight for the default connect and request timeouts.
DEFAULT_PROBE_CALLS = 150
SUBMISSION_FAILED = "Erreur"
HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, httpx.CookieConflict)


class _TokenRefused(Exception):
    """The gateway refused our bearer token; it was forgotten, the call may go once more."""

    def __init__(self, error: ApiAuthFailed) -> None:
        self.error = error


class ImprimFipClient:
    """Submit files, ask their status, check health; one instance per subscription."""

    def __init__(
        self,
        api: ApiConfig,
        http: httpx.AsyncClient,
        budget: Budget,
        *,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        """`http` must send through a `WatchingTransport` (see `from_config`), or every
        failed submission counts as possibly received."""
        self._api = api
        self._http = http
        self._budget = budget
        self._credentials = Credentials(api, clock)
        self._policy = RetryPolicy.from_config(api)
        self._clock = clock
        self._jitter = jitter
        self._log = structlog.get_logger()
        # How each URL called is reached (direct or which proxy), for logs and check-config.
        self.routes: dict[str, ProxyRoute | None] = {}
        self.server_clock = ServerClock()

    @classmethod
    def from_config(
        cls,
        api: ApiConfig,
        *,
        budget: Budget | None = None,
        event_hooks: dict[str, list[Callable[..., Any]]] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> ImprimFipClient:
        """A client for `api`; `budget` is shared when several clients use one subscription.
        `event_hooks` are httpx's (e.g. to observe requests). A proxy comes from `api` or
        from `environ` (this process's environment by default)."""
        transport, mounts, routes = transports(api, os.environ if environ is None else environ)
        http = httpx.AsyncClient(
            base_url=api.base_url,
            timeout=httpx.Timeout(api.request_timeout_s, connect=api.connect_timeout_s),
            transport=transport,
            mounts=mounts,
            event_hooks=event_hooks,
        )
        client = cls(api, http, budget or Budget.from_config(api.budget))
        client.routes = routes
        for url in routes:
            client._log.info("api.route", url=url, route=client.route(url))
        return client

    def route(self, url: str) -> str:
        """How calls to `url` go: directly, or through which proxy (never its password)."""
        return describe_route(self.routes.get(url))

    @property
    def budget(self) -> Budget:
        """The subscription's rate budget this client draws from (shared on a reload)."""
        return self._budget

    async def __aenter__(self) -> ImprimFipClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def submit(
        self,
        sub: Submission,
        *,
        encoding: Encoding | None = None,
        hooks: AttemptHooks | None = None,
    ) -> SubmissionAccepted:
        """Deposit one file. Raises LetterRejected (400, or an answer saying "Erreur"),
        OutcomeUnknown (it may have been accepted: never resend blindly), or a SystemFault.
        `hooks` hear about each attempt: before its request leaves, and when it proved
        that nothing was accepted.
        """
        files, data = multipart(sub, encoding or self._api.payload_encoding)

        def build(headers: dict[str, str]) -> httpx.Request:
            return self._http.build_request(
                "POST", "file/submission", headers=headers, files=files, data=data
            )

        accepted, ids = await self._call(
            "submit", "upload", build, SubmissionAccepted.from_json, hooks
        )
        if accepted.status == SUBMISSION_FAILED:
            message = accepted.status_message or notes_fr.REFUSED_WITHOUT_REASON
            raise LetterRejected(ApiErrorDetail(200, None, message, ids.correlation_id))
        return accepted

    async def status(self, internal_ref: str, business_ref: str | None = None) -> FileStatusReport:
        """The file's status (one document's with `business_ref`); UnknownFile if the
        server does not know it."""
        path = f"file/{quote(internal_ref, safe='@')}/status"
        params = {"businessRef": business_ref} if business_ref is not None else None

        def build(headers: dict[str, str]) -> httpx.Request:
            return self._http.build_request("GET", path, params=params, headers=headers)

        report, _ = await self._call("status", "poll", build, FileStatusReport.from_json)
        return report

    async def health(self) -> str:
        """The health endpoint's message when the API is up; a SystemFault otherwise."""

        def build(headers: dict[str, str]) -> httpx.Request:
            return self._http.build_request("GET", "etatSante", headers=headers)

        message, _ = await self._call("health", "poll", build, _health_message)
        return message

    async def find_submission(
        self,
        filename: str,
        on_behalf_of: str,
        sent_from: datetime,
        sent_until: datetime,
        *,
        max_calls: int = DEFAULT_PROBE_CALLS,
        absent: Collection[str] = frozenset(),
        on_absent: Callable[[str], None] | None = None,
    ) -> FileStatusReport | None:
        """The report of `filename` if a submission in flight during [sent_from,
        sent_until] (aware) was accepted, None if it certainly was not.

        `on_behalf_of` is the owner in the internalRef (the username when none was sent).
        `absent` are references already known not to exist (an earlier search cut short):
        they are not asked again; `on_absent` hears of each one found so.
        Raises OutcomeUnknown, without any status call, when proving it would take more than
        `max_calls` status calls: then a person decides.
        """

        def candidates() -> list[str]:
            offset = self.server_clock.offset() or ClockOffset(
                0.0, self._api.server_clock_tolerance_s
            )
            return candidate_refs(
                filename,
                on_behalf_of,
                sent_from,
                sent_until,
                server_tz=ZoneInfo(self._api.server_timezone),
                offset=offset,
            )

        if self.server_clock.offset() is None:
            # One answer dates the server's clock to a second: cheaper than the seconds
            # the configured tolerance would add.
            await self.health()
        refs = [ref for ref in candidates() if ref not in absent]
        if len(refs) > max_calls:
            raise OutcomeUnknown(
                ApiErrorDetail(
                    message=f"finding {filename} again takes {len(refs)} status calls, "
                    f"more than the {max_calls} allowed: check it in IMPRIM'FIP"
                )
            )
        probed: set[str] = set()
        # Each answer dates the server's clock again: the window is worked out anew after
        # every call, and what is left of it probed, earliest first.
        while todo := [ref for ref in candidates() if ref not in probed and ref not in absent]:
            probed.add(todo[0])
            try:
                report = await self.status(todo[0])
            except UnknownFile:
                if on_absent is not None:
                    on_absent(todo[0])
                continue
            if report.filename == filename:
                self._log.info("api.found_submission", filename=filename, internal_ref=todo[0])
                return report
        self._log.info(
            "api.submission_not_found",
            filename=filename,
            probed=len(probed),
            known_absent=len(absent),
        )
        return None

    async def _call(
        self,
        operation: Operation,
        kind: Kind,
        build: Build,
        parse: Parse[T],
        hooks: AttemptHooks | None = None,
    ) -> tuple[T, RequestIds]:
        """One call with its retries: only what `backoff.retryable` allows, and one repeat
        after the bearer token was refused and renewed."""
        first = self._clock()
        attempt = 1
        renewed = False
        while True:
            try:
                return await self._attempt(operation, kind, build, parse, hooks)
            except _TokenRefused as refused:
                if hooks is not None:
                    hooks.not_accepted()
                if renewed:
                    raise refused.error from None
                renewed = True
                continue
            except ApiError as error:
                if hooks is not None and isinstance(error, SystemFault):
                    hooks.not_accepted()
                if isinstance(error, ApiThrottled):
                    self._budget.pause(throttle_wait(self._policy, error))
                delay = next_delay(
                    self._policy, error, attempt, self._clock() - first, self._jitter()
                )
                if delay is None:
                    raise
                self._log.info("api.retry", operation=operation, attempt=attempt, delay_s=delay)
                if not isinstance(error, ApiThrottled):
                    await asyncio.sleep(delay)
                attempt += 1

    async def _attempt(
        self,
        operation: Operation,
        kind: Kind,
        build: Build,
        parse: Parse[T],
        hooks: AttemptHooks | None,
    ) -> tuple[T, RequestIds]:
        await self._budget.acquire(kind)
        ids = RequestIds.fresh()
        headers, token = await self._credentials.headers(
            self._http, ids, file_operation=operation != "health"
        )
        request = build(headers)
        body = watch(request)
        log = self._log.bind(
            operation=operation, correlation_id=ids.correlation_id, request_id=ids.request_id
        )
        if hooks is not None:
            hooks.before_send()
        started = self._clock()
        sent_at = time.time()
        try:
            async with asyncio.timeout(self._api.request_timeout_s):
                response = await self._http.send(request)
        except (*HTTPX_ERRORS, TimeoutError) as exc:
            ending: BaseException = exc
            if isinstance(exc, TimeoutError):
                ending = TimeoutError(f"no whole answer within {self._api.request_timeout_s} s")
            error = classify(
                operation,
                ending,
                body_sent=body.may_be_sent,
                correlation_id=ids.correlation_id,
                now=datetime.now(UTC),
            )
            raise _failed(log, operation, error, self._clock() - started) from exc
        log = log.bind(status=response.status_code, duration_ms=_ms(self._clock() - started))
        answer = HttpAnswer.of(response)
        self.server_clock.record(
            sent_at, time.time(), answer_dates(response.headers.get("date"), answer.body)
        )
        if response.is_success:
            try:
                value = parse(answer.body)
            except ValueError as exc:
                log.warning("api.unreadable_answer", problem=str(exc))
            else:
                log.info("api.call")
                API_CALLS.labels(operation, str(response.status_code)).inc()
                return value, ids
        error = classify(
            operation,
            answer,
            body_sent=True,
            correlation_id=ids.correlation_id,
            now=datetime.now(UTC),
        )
        if isinstance(error, ApiAuthFailed) and self._credentials.renewable(error, token):
            log.info("api.token_refused")
            raise _TokenRefused(error)
        raise _failed(log, operation, error, None)


def _failed(log: Any, operation: Operation, error: ApiError, duration_s: float | None) -> ApiError:
    """Log a failed attempt (404 of a probe is routine, the rest is worth a warning)."""
    level = log.info if isinstance(error, UnknownFile) else log.warning
    extra = {} if duration_s is None else {"duration_ms": _ms(duration_s)}
    level(
        "api.call_failed",
        outcome=type(error).__name__,
        http_status=error.detail.http_status,
        code=error.detail.code,
        message=error.detail.message,
        **extra,
    )
    API_CALLS.labels(operation, str(error.detail.http_status or type(error).__name__)).inc()
    return error


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _health_message(body: object) -> str:
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str):
        raise ValueError("the health answer has no message")
    return message
