"""Who we are to IMPRIM'FIP: request headers, the OAuth token, and the TLS context.

This module is the only reader of the API's secrets (`reveal()`), so that no other code
holds a password or a token in clear (see docs/invariants.md, 'Secrets stay secret').
Which headers are sent is configuration, settled with DGFiP at onboarding: `username`
always on file operations, `password` (base64) if `send_password`, `X-JWT-Assertion` if one
is configured, `Authorization: Bearer` if OAuth client credentials are configured; a fresh
UUID4 `X-Correlation-ID` and `X-Request-ID` on every request.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import structlog

from imprimfip.api.classify import GATEWAY_INVALID_CREDENTIALS, HttpAnswer, classify
from imprimfip.api.models import UnreadableAnswer
from imprimfip.config.model import ApiConfig, OAuthConfig, TlsConfig
from imprimfip.errors import ApiAuthFailed, ConfigError, ConfigProblem


@dataclass(frozen=True)
class RequestIds:
    """The identifiers of one HTTP request, logged so DGFiP support can trace it."""

    correlation_id: str
    request_id: str

    @classmethod
    def fresh(cls) -> RequestIds:
        return cls(str(uuid.uuid4()), str(uuid.uuid4()))


def tls_context(tls: TlsConfig) -> ssl.SSLContext:
    """A verifying context with the configured CA bundle and client certificate."""
    try:
        context = ssl.create_default_context(cafile=str(tls.ca_bundle) if tls.ca_bundle else None)
        if tls.client_cert is not None:
            key = str(tls.client_key) if tls.client_key else None
            context.load_cert_chain(str(tls.client_cert), key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            "api.tls",
            [ConfigProblem("api.tls", f"cannot load the TLS files: {exc}; check the paths")],
        ) from None
    return context


class TokenSource:
    """An OAuth 2.0 client-credentials token, fetched once and shared by every request.

    The token is reused until `refresh_margin_s` before its expiry; concurrent requests
    wait for one fetch. The token endpoint is the gateway's, not the subscription's API, so
    its calls do not draw from the rate budget.
    """

    def __init__(self, oauth: OAuthConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self._oauth = oauth
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self, http: httpx.AsyncClient) -> str:
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                await self._fetch(http)
            assert self._token is not None
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget `token` after the gateway refused it, unless it was already replaced."""
        if token == self._token:
            self._token = None

    async def _fetch(self, http: httpx.AsyncClient) -> None:
        ids = RequestIds.fresh()
        form = {"grant_type": "client_credentials"}
        if self._oauth.scope:
            form["scope"] = self._oauth.scope
        secret = self._oauth.client_secret.reveal()
        started = self._clock()
        log = structlog.get_logger().bind(operation="token", correlation_id=ids.correlation_id)
        try:
            response = await http.post(
                self._oauth.token_url,
                data=form,
                auth=(self._oauth.client_id, secret),
                headers={"X-Correlation-ID": ids.correlation_id, "X-Request-ID": ids.request_id},
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error = classify(
                "token",
                exc,
                body_sent=True,
                correlation_id=ids.correlation_id,
                now=datetime.now(UTC),
            )
            log.warning("api.token_failed", error=type(error).__name__, message=str(error))
            raise error from exc
        log.info(
            "api.token",
            status=response.status_code,
            duration_ms=round((self._clock() - started) * 1000),
        )
        answer = HttpAnswer.of(response)
        try:
            token, lifetime = _read_token(answer)
        except UnreadableAnswer as exc:
            raise classify(
                "token",
                answer,
                body_sent=True,
                correlation_id=ids.correlation_id,
                now=datetime.now(UTC),
            ) from exc
        self._token = token
        self._expires_at = started + max(0.0, lifetime - self._oauth.refresh_margin_s)


def _read_token(answer: HttpAnswer) -> tuple[str, float]:
    if answer.status != 200:
        raise UnreadableAnswer(f"HTTP {answer.status}")
    body = answer.body
    token = body.get("access_token") if isinstance(body, dict) else None
    lifetime = body.get("expires_in", 3600) if isinstance(body, dict) else None
    if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
        raise UnreadableAnswer("the token answer has no access_token or expires_in")
    return token, float(lifetime)


class Credentials:
    """Builds each request's headers from the configuration."""

    def __init__(self, api: ApiConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self._api = api
        self.tokens = TokenSource(api.oauth, clock) if api.oauth is not None else None

    async def headers(
        self, http: httpx.AsyncClient, ids: RequestIds, *, file_operation: bool
    ) -> tuple[dict[str, str], str | None]:
        """The headers for one request, and the bearer token used (None without OAuth).

        `/etatSante` takes no user credentials in the spec, so they go only with file
        operations.
        """
        headers = {"X-Correlation-ID": ids.correlation_id, "X-Request-ID": ids.request_id}
        if file_operation:
            headers["username"] = self._api.username
            if self._api.send_password:
                password = self._api.password.reveal().encode("utf-8")
                headers["password"] = base64.b64encode(password).decode("ascii")
        if self._api.jwt_assertion:
            headers["X-JWT-Assertion"] = self._api.jwt_assertion.reveal()
        token = None
        if self.tokens is not None:
            token = await self.tokens.token(http)
            headers["Authorization"] = f"Bearer {token}"
        return headers, token

    def renewable(self, error: ApiAuthFailed, token: str | None) -> bool:
        """True when `error` says our bearer token was refused: forget it so the next
        request fetches a new one. Any other auth failure is for the sysadmin."""
        if token is None or self.tokens is None:
            return False
        if error.detail.http_status != 401 or error.detail.code != GATEWAY_INVALID_CREDENTIALS:
            return False
        self.tokens.invalidate(token)
        return True
