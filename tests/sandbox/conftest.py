"""An httpx client on the emulator's API for the sandbox tests.

Every answer these clients receive from `/api/v1` is checked against the official spec
(tests/fixtures/contract.py), so any test that talks to the emulator is a contract test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.fixtures.contract import httpx_response_hook
from tests.fixtures.sandbox import Sandbox


@pytest.fixture
def client_for() -> Iterator[Callable[[Sandbox], httpx.Client]]:
    """Open clients on emulators' API; all are closed at the end of the test."""
    clients: list[httpx.Client] = []

    def open_client(box: Sandbox) -> httpx.Client:
        client = httpx.Client(
            base_url=box.api_url,
            timeout=10.0,
            event_hooks={"response": [httpx_response_hook]},
        )
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        client.close()


@pytest.fixture
def api(sandbox: Sandbox, client_for: Callable[[Sandbox], httpx.Client]) -> httpx.Client:
    """A client on the default `sandbox` fixture's API."""
    return client_for(sandbox)
