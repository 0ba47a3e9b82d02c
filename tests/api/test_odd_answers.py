"""Answers the emulator never gives but a gateway or a proxy can: a real server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from imprimfip.errors import ApiThrottled, ApiUnavailable, LetterRejected, OutcomeUnknown
from tests.api.letters import std

RECEIPT = {
    "filename": "lettre.pdf",
    "internalRef": "lettre_03022026100010@agent.public.pdf",
    "submissionStatus": {"status": "Erreur", "message": "Le fichier est vide."},
}
Handler = Callable[[web.Request], web.StreamResponse]


@pytest.fixture
async def odd_server() -> AsyncIterator[Callable[[Handler], str]]:
    """`await odd_server(handler)`: a server answering every request with `handler`."""
    servers: list[TestServer] = []

    async def start(handler: Handler) -> str:
        async def answer(request: web.Request) -> web.StreamResponse:
            await request.read()
            return handler(request)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", answer)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return str(server.make_url("/api/v1"))

    yield start
    for server in servers:
        await server.close()


def html(status: int) -> Handler:
    return lambda _: web.Response(
        status=status, text="<html>Bad Gateway</html>", content_type="text/html"
    )


async def test_an_unreadable_200_leaves_a_deposit_unknown(odd_server, open_client):
    client = open_client(await odd_server(html(200)), contract=False)
    with pytest.raises(OutcomeUnknown) as caught:
        await client.submit(std())
    assert caught.value.detail.http_status == 200


async def test_an_unreadable_200_is_retried_for_a_status(odd_server, open_client, sent):
    client = open_client(await odd_server(html(200)), contract=False, max_attempts=2)
    with pytest.raises(ApiUnavailable):
        await client.status("r")
    assert len(sent.requests) == 2


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_a_proxy_error_after_sending_leaves_a_deposit_unknown(
    odd_server, open_client, sent, status
):
    client = open_client(await odd_server(html(status)), contract=False)
    with pytest.raises(OutcomeUnknown) as caught:
        await client.submit(std())
    assert caught.value.detail.http_status == status
    assert len(sent.requests) == 1


async def test_a_receipt_saying_erreur_is_a_letter_fault(odd_server, open_client):
    client = open_client(await odd_server(lambda _: web.json_response(RECEIPT)), contract=False)
    with pytest.raises(LetterRejected) as caught:
        await client.submit(std())
    assert caught.value.detail.message == "Le fichier est vide."
    assert caught.value.detail.http_status == 200


async def test_retry_after_as_an_http_date(odd_server, open_client):
    def throttled(_: web.Request) -> web.Response:
        return web.json_response(
            {"erreur": {"code": 900804, "message": "Message throttled out"}},
            status=429,
            headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},
        )

    client = open_client(await odd_server(throttled), contract=False, max_attempts=1)
    with pytest.raises(ApiThrottled) as caught:
        await client.health()
    assert caught.value.retry_after == 0.0


async def test_a_connection_closed_without_an_answer_leaves_a_deposit_unknown(
    odd_server, open_client
):
    def hang_up(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    client = open_client(await odd_server(hang_up), contract=False)
    with pytest.raises(OutcomeUnknown) as caught:
        await client.submit(std())
    assert caught.value.detail.message.startswith("RemoteProtocolError")
