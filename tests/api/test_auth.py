"""OAuth 2.0 client credentials against the emulator's gateway: cache, renewal, refusal."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from imprimfip.config.model import OAuthConfig
from imprimfip.config.secrets import Secret
from imprimfip.errors import ApiAuthFailed
from tests.api.conftest import CLIENT_SECRET
from tests.api.letters import std

CLIENT_ID = "appli-courrier"
TOKEN = "POST /token"
SUBMISSION = "POST /api/v1/file/submission"
STATUS = "GET /api/v1/file/{internalRef}/status"


def oauth(box, secret: str = CLIENT_SECRET, **settings: object) -> OAuthConfig:
    return OAuthConfig(
        token_url=f"{box.base_url}/token",
        client_id=CLIENT_ID,
        client_secret=Secret(secret),
        scope="imprimfip",
        **settings,
    )


def calls(box) -> dict[str, dict[str, int]]:
    return box.stats()["by_endpoint_status"]


async def test_one_token_serves_every_call_until_it_expires(make_sandbox, open_client, sent):
    box = make_sandbox(oauth_clients={CLIENT_ID: CLIENT_SECRET})
    client = open_client(box.api_url, oauth=oauth(box))
    accepted = await client.submit(std())
    await client.status(accepted.internal_ref)
    await client.health()
    assert calls(box)[TOKEN] == {"200": 1}
    bearers = {r.headers["Authorization"] for r in sent.requests if "/api/v1/" in r.url.path}
    assert len(bearers) == 1
    assert bearers.pop().startswith("Bearer ")


async def test_a_refused_token_is_renewed_once_and_the_call_repeated(
    make_sandbox, open_client, sent
):
    box = make_sandbox(oauth_clients={CLIENT_ID: CLIENT_SECRET})
    client = open_client(box.api_url, oauth=oauth(box))
    accepted = await client.submit(std())
    box.expire_tokens()
    with capture_logs() as logs:
        report = await client.status(accepted.internal_ref)
    assert report.internal_ref == accepted.internal_ref
    assert calls(box)[TOKEN] == {"200": 2}
    assert calls(box)[STATUS] == {"401": 1, "200": 1}
    assert any(entry["event"] == "api.token_refused" for entry in logs)
    tokens = [r.headers["Authorization"] for r in sent.requests if "/api/v1/" in r.url.path]
    assert tokens[1] == tokens[0] != tokens[2]
    assert not any(token.removeprefix("Bearer ") in repr(logs) for token in tokens)


async def test_a_token_refused_again_is_for_the_sysadmin(make_sandbox, open_client):
    # Tokens that are dead on arrival: renewal cannot help, the call is not repeated twice.
    box = make_sandbox(oauth_clients={CLIENT_ID: CLIENT_SECRET}, token_lifetime_s=0.0)
    client = open_client(box.api_url, oauth=oauth(box))
    with pytest.raises(ApiAuthFailed) as caught:
        await client.submit(std())
    assert caught.value.detail.code == 900901
    assert calls(box)[TOKEN] == {"200": 2}
    assert calls(box)[SUBMISSION] == {"401": 2}


async def test_a_token_is_fetched_again_shortly_before_it_expires(make_sandbox, open_client):
    box = make_sandbox(oauth_clients={CLIENT_ID: CLIENT_SECRET}, token_lifetime_s=3600.0)
    client = open_client(box.api_url, oauth=oauth(box, refresh_margin_s=3600.0))
    await client.health()
    await client.health()
    assert calls(box)[TOKEN] == {"200": 2}
    assert "401" not in calls(box)["GET /api/v1/etatSante"]


async def test_a_wrong_client_secret_is_an_auth_failure(make_sandbox, open_client):
    box = make_sandbox(oauth_clients={CLIENT_ID: CLIENT_SECRET})
    client = open_client(box.api_url, oauth=oauth(box, secret="not-the-secret"))
    with capture_logs() as logs, pytest.raises(ApiAuthFailed) as caught:
        await client.health()
    assert caught.value.detail.http_status == 401
    assert "invalid_client" in caught.value.detail.message
    assert calls(box)[TOKEN] == {"401": 1}
    assert "GET /api/v1/etatSante" not in calls(box)
    assert "not-the-secret" not in repr(logs)
    assert "not-the-secret" not in str(caught.value)
