"""Whether a deposit's body may have left decides between "retry" and "never resend".

A connection that breaks after the headers but before the body cannot be produced on
loopback at will, so the network is replaced here by a transport that breaks where told,
behind the real `WatchingTransport`. (httpx's MockTransport would not do: it reads every
request body before its handler runs.)
"""

from __future__ import annotations

import httpx
import pytest

from imprimfip.api.budget import Budget
from imprimfip.api.client import ImprimFipClient
from imprimfip.api.transport import WatchingTransport
from imprimfip.errors import ApiUnavailable, OutcomeUnknown
from tests.api.conftest import api_config
from tests.api.letters import std


class Network(httpx.AsyncBaseTransport):
    """Breaks every request, after reading its body or not."""

    def __init__(self, read_body: bool) -> None:
        self.read_body = read_body
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.read_body:
            async for _ in request.stream:  # type: ignore[union-attr]
                pass
        raise httpx.WriteError("connection reset by peer", request=request)


def client_over(network: Network) -> ImprimFipClient:
    config = api_config("http://impfip.test/api/v1", max_attempts=3)
    http = httpx.AsyncClient(base_url=config.base_url, transport=WatchingTransport(network))
    return ImprimFipClient(config, http, Budget())


@pytest.mark.parametrize(
    ("read_body", "outcome", "attempts"),
    [(False, ApiUnavailable, 3), (True, OutcomeUnknown, 1)],
    ids=["before-the-body-left-retried", "once-the-body-left-never-resent"],
)
async def test_where_the_connection_broke_decides(read_body, outcome, attempts):
    network = Network(read_body=read_body)
    async with client_over(network) as client:
        with pytest.raises(outcome):
            await client.submit(std())
    assert len(network.requests) == attempts
