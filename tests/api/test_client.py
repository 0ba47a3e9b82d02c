"""The client against the emulator: the three operations, both encodings, headers, logs."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest
from structlog.testing import capture_logs

from imprimfip.api.client import ImprimFipClient
from imprimfip.api.models import FileStatusReport
from imprimfip.config.secrets import Secret
from tests.api.conftest import JWT, PASSWORD, USERNAME
from tests.api.letters import LETTER, lrar, lre, std
from tests.fixtures.waiting import async_wait_until


@pytest.mark.parametrize("encoding", ["json", "form"])
async def test_a_deposit_reaches_the_emulator_intact(sandbox, open_client, encoding):
    client: ImprimFipClient = open_client(sandbox.api_url, payload_encoding=encoding)
    accepted = await client.submit(lrar())
    assert accepted.internal_ref.startswith("recommande_")
    assert accepted.internal_ref.endswith("@agent.public.pdf")
    assert accepted.status == "Reçu"
    assert accepted.sending_type == "Envoi recommandé papier"
    assert accepted.with_annexes == "Oui"
    [recorded] = sandbox.submissions()
    assert recorded["internalRef"] == accepted.internal_ref
    assert recorded["annexes"] == 1
    assert recorded["jsonParameters"] == lrar().parameters()
    assert recorded["sha256"] == hashlib.sha256(LETTER).hexdigest()


async def test_the_encoding_can_be_chosen_per_call(sandbox, open_client, sent):
    client = open_client(sandbox.api_url)
    await client.submit(lre(), encoding="form")
    [request] = sent.to("/file/submission")
    assert b'name="jsonParameters.Recipient.Information.EmailAddress"' in request.content
    assert b'name="jsonParameters"' not in request.content
    assert sandbox.submissions()[0]["jsonParameters"] == lre().parameters()


async def test_status_follows_the_file_and_narrows_to_one_document(sandbox, open_client):
    client = open_client(sandbox.api_url)
    accepted = await client.submit(std())

    async def analysed() -> FileStatusReport | None:
        # The emulator analyses a file within milliseconds at test speed, not at once.
        found = await client.status(accepted.internal_ref)
        return found if found.docs else None

    report = await async_wait_until(analysed, timeout=10)
    assert report.internal_ref == accepted.internal_ref
    assert report.filename == "lettre.pdf"
    assert report.status
    [doc] = report.docs
    assert doc.reference == accepted.internal_ref
    narrowed = await client.status(accepted.internal_ref, business_ref=doc.reference)
    assert [d.reference for d in narrowed.docs] == [doc.reference]


async def test_health(sandbox, open_client, sent):
    client = open_client(sandbox.api_url)
    assert await client.health() == "L'API est opérationnelle"
    [request] = sent.to("/etatSante")
    assert "password" not in request.headers
    assert "username" not in request.headers


async def test_headers_of_every_request(sandbox, open_client, sent):
    client = open_client(sandbox.api_url, jwt_assertion=Secret(JWT))
    accepted = await client.submit(std())
    await client.status(accepted.internal_ref)
    await client.health()
    correlation_ids = set()
    for request in sent.requests:
        correlation = request.headers["X-Correlation-ID"]
        assert uuid.UUID(correlation).version == 4
        assert request.headers["X-Request-ID"]
        assert request.headers["X-JWT-Assertion"] == JWT
        correlation_ids.add(correlation)
    assert len(correlation_ids) == len(sent.requests) == 3
    for request in sent.requests[:2]:
        assert request.headers["username"] == USERNAME
        assert base64.b64decode(request.headers["password"]).decode() == PASSWORD


async def test_the_password_header_is_optional(sandbox, open_client, sent):
    # The spec requires `password`; leaving it out is for a gateway that authenticates
    # otherwise (settled at onboarding), hence no contract check here.
    client = open_client(sandbox.api_url, send_password=False, contract=False)
    await client.submit(std())
    [request] = sent.requests
    assert "password" not in request.headers
    assert "X-JWT-Assertion" not in request.headers
    assert request.headers["username"] == USERNAME


async def test_every_call_is_logged_without_a_secret(make_sandbox, open_client, sent):
    box = make_sandbox(users={USERNAME: PASSWORD})
    client = open_client(box.api_url, jwt_assertion=Secret(JWT))
    with capture_logs() as logs:
        accepted = await client.submit(std())
        await client.status(accepted.internal_ref)
    calls = [entry for entry in logs if entry["event"] == "api.call"]
    assert [c["operation"] for c in calls] == ["submit", "status"]
    for call, request in zip(calls, sent.requests, strict=True):
        assert call["correlation_id"] == request.headers["X-Correlation-ID"]
        assert call["request_id"] == request.headers["X-Request-ID"]
        assert call["status"] == 200
        assert call["duration_ms"] >= 0
    encoded = base64.b64encode(PASSWORD.encode()).decode()
    for secret in (PASSWORD, encoded, JWT):
        assert secret not in repr(logs)
        assert secret not in repr(client.__dict__)
