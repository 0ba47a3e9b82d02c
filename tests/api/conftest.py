"""Clients on the emulator for the api tests, with every request they send kept."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from imprimfip.api.budget import Budget
from imprimfip.api.client import ImprimFipClient
from imprimfip.config.model import ApiConfig
from imprimfip.config.secrets import Secret
from tests.fixtures.contract import check_httpx_request, check_httpx_response

USERNAME = "appli.courrier"
# Canaries: found in a log line, an error or a repr, they fail the test (docs/invariants.md,
# 'Secrets stay secret').
PASSWORD = "canary-pw-5d1e9c"
CLIENT_SECRET = "canary-secret-8b2f40"
JWT = "canary-jwt-3a7c11"


def api_config(base_url: str, **overrides: Any) -> ApiConfig:
    """Test settings: short timeouts, backoff in milliseconds."""
    values: dict[str, Any] = {
        "base_url": base_url,
        "username": USERNAME,
        "password": Secret(PASSWORD),
        "connect_timeout_s": 2.0,
        "request_timeout_s": 5.0,
        "retry_base_s": 0.01,
        "retry_max_delay_s": 0.05,
    }
    return ApiConfig(**{**values, **overrides})


class Sent:
    """Every request the test's clients sent, bodies included, and the answers they got.

    The contract checks run when the test ends, not in the hooks: they take milliseconds of
    CPU that would otherwise shift the recorded send times the budget test measures.
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []  # monotonic, when each request was handed to httpx
        self.to_check: list[httpx.Request | httpx.Response] = []

    async def hook(self, request: httpx.Request) -> None:
        self.times.append(time.monotonic())
        await request.aread()
        self.requests.append(request)

    async def checked_hook(self, request: httpx.Request) -> None:
        await self.hook(request)
        self.to_check.append(request)

    async def answer_hook(self, response: httpx.Response) -> None:
        await response.aread()
        self.to_check.append(response)

    def check_against_the_spec(self) -> None:
        for item in self.to_check:
            if isinstance(item, httpx.Request):
                check_httpx_request(item)
            else:
                check_httpx_response(item)

    def to(self, path_end: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith(path_end)]


@pytest.fixture
def sent() -> Sent:
    return Sent()


@pytest.fixture
async def open_client(sent: Sent) -> AsyncIterator[Callable[..., ImprimFipClient]]:
    """`open_client(base_url, budget=None, contract=True, **settings)`: a client whose
    requests and the answers it gets are checked against the official spec after the test
    (`contract=False` for a deliberately odd server or setting); closed at the end."""
    clients: list[ImprimFipClient] = []

    def open_one(
        base_url: str, budget: Budget | None = None, contract: bool = True, **overrides: Any
    ) -> ImprimFipClient:
        config = api_config(base_url, **overrides)
        hooks: dict[str, list[Callable[..., Any]]] = {"request": [sent.hook]}
        if contract:
            hooks = {"request": [sent.checked_hook], "response": [sent.answer_hook]}
        client = ImprimFipClient.from_config(config, budget=budget, event_hooks=hooks)
        clients.append(client)
        return client

    yield open_one
    for client in clients:
        await client.aclose()
    sent.check_against_the_spec()
