"""OAuth 2.0 client credentials: the `/token` endpoint and bearer tokens on API calls."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.fixtures.sandbox import Sandbox
from tests.fixtures.waiting import wait_until
from tests.sandbox.helpers import api_headers, submit

CLIENT_ID = "imprimfip-daemon"
CLIENT_SECRET = "client-secret-for-tests"


@pytest.fixture
def guarded(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox(oauth_clients={CLIENT_ID: CLIENT_SECRET}, token_lifetime_s=600)


def _token(box: Sandbox, **form: str) -> httpx.Response:
    auth = form.pop("auth", None)
    return httpx.post(
        f"{box.base_url}/token",
        data={"grant_type": "client_credentials", **form},
        auth=tuple(auth.split(":")) if auth else None,
    )


def _bearer(token: str) -> dict[str, str]:
    return {**api_headers(), "Authorization": f"Bearer {token}"}


def test_token_by_form_credentials(guarded: Sandbox) -> None:
    response = _token(guarded, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, scope="api")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["access_token"]
    assert body["scope"] == "api"


def test_token_by_http_basic(guarded: Sandbox) -> None:
    response = _token(guarded, auth=f"{CLIENT_ID}:{CLIENT_SECRET}")
    assert response.status_code == 200
    assert response.json()["access_token"]


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_id": CLIENT_ID, "client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "stranger", "client_secret": CLIENT_SECRET}, 401, "invalid_client"),
        ({"auth": f"{CLIENT_ID}:wrong"}, 401, "invalid_client"),
        ({"grant_type": "password", "client_id": CLIENT_ID}, 400, "unsupported_grant_type"),
    ],
)
def test_token_refusals_follow_rfc_6749(
    guarded: Sandbox, form: dict[str, str], status: int, error: str
) -> None:
    response = _token(guarded, **form)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert CLIENT_SECRET not in response.text


def _code(response: httpx.Response) -> int:
    return response.json()["erreur"]["code"]


def test_api_calls_need_a_valid_bearer(
    guarded: Sandbox, client_for: Callable[[Sandbox], httpx.Client]
) -> None:
    api = client_for(guarded)
    missing = api.get("/etatSante", headers=api_headers())
    assert (missing.status_code, _code(missing)) == (401, 900902)
    forged = api.get("/etatSante", headers=_bearer("forged"))
    assert (forged.status_code, _code(forged)) == (401, 900901)
    assert forged.json()["erreur"]["message"] == "Invalid Credentials"
    token = _token(guarded, auth=f"{CLIENT_ID}:{CLIENT_SECRET}").json()["access_token"]
    assert api.get("/etatSante", headers=_bearer(token)).status_code == 200
    assert submit(api, headers=_bearer(token)).status_code == 200


def test_expire_tokens_makes_the_client_renew(
    guarded: Sandbox, client_for: Callable[[Sandbox], httpx.Client]
) -> None:
    api = client_for(guarded)
    old = _token(guarded, auth=f"{CLIENT_ID}:{CLIENT_SECRET}").json()["access_token"]
    guarded.expire_tokens()
    refused = api.get("/etatSante", headers=_bearer(old))
    assert (refused.status_code, _code(refused)) == (401, 900901)
    new = _token(guarded, auth=f"{CLIENT_ID}:{CLIENT_SECRET}").json()["access_token"]
    assert api.get("/etatSante", headers=_bearer(new)).status_code == 200
    assert guarded.stats()["by_endpoint_status"]["POST /token"] == {"200": 2}


def test_tokens_expire_after_their_lifetime(
    make_sandbox: Callable[..., Sandbox], client_for: Callable[[Sandbox], httpx.Client]
) -> None:
    box = make_sandbox(oauth_clients={CLIENT_ID: CLIENT_SECRET}, token_lifetime_s=0.3)
    api = client_for(box)
    token = _token(box, auth=f"{CLIENT_ID}:{CLIENT_SECRET}").json()["access_token"]
    wait_until(lambda: api.get("/etatSante", headers=_bearer(token)).status_code == 401)
