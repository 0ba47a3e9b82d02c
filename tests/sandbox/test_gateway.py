"""The gateway's checks: X-Correlation-ID, username/password, and the rate limit."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest

from imprimfip.sandbox.ratelimit import SlidingWindow, retry_after_header
from tests.fixtures.sandbox import Sandbox
from tests.sandbox.helpers import PASSWORD, USER, api_headers, submit

SandboxFactory = Callable[..., Sandbox]
ClientFactory = Callable[[Sandbox], httpx.Client]


def _code(response: httpx.Response) -> int:
    return response.json()["erreur"]["code"]


def test_missing_correlation_id_gets_the_gateway_error(api: httpx.Client) -> None:
    headers = api_headers()
    del headers["X-Correlation-ID"]
    response = api.get("/etatSante", headers=headers)
    assert response.status_code == 400
    assert _code(response) == 910000
    assert "X-Correlation-ID" in response.json()["erreur"]["message"]


def test_missing_request_id_is_refused(api: httpx.Client) -> None:
    headers = api_headers()
    del headers["X-Request-ID"]
    response = api.get("/etatSante", headers=headers)
    assert response.status_code == 400
    assert "X-Request-ID" in response.json()["erreur"]["message"]


@pytest.fixture
def guarded(make_sandbox: SandboxFactory, client_for: ClientFactory) -> httpx.Client:
    return client_for(make_sandbox(users={USER: PASSWORD}))


def test_right_credentials_are_accepted(guarded: httpx.Client) -> None:
    assert submit(guarded).status_code == 200


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [
        (USER, "wrong", 900901),
        ("someone.else", PASSWORD, 900901),
        (USER, "", 900902),
        ("", PASSWORD, 900902),
    ],
)
def test_wrong_or_missing_credentials_get_401(
    guarded: httpx.Client, username: str, password: str, code: int
) -> None:
    headers = api_headers(username, password)
    headers = {name: value for name, value in headers.items() if value}
    response = guarded.get("/file/x/status", headers=headers)
    assert response.status_code == 401
    assert _code(response) == code


def test_password_sent_in_clear_instead_of_base64_is_refused(guarded: httpx.Client) -> None:
    headers = {**api_headers(), "password": PASSWORD}
    response = guarded.get("/file/x/status", headers=headers)
    assert (response.status_code, _code(response)) == (401, 900901)


def test_health_needs_no_credentials(guarded: httpx.Client) -> None:
    headers = api_headers()
    del headers["username"], headers["password"]
    assert guarded.get("/etatSante", headers=headers).status_code == 200


def test_any_credentials_pass_when_no_user_is_configured(api: httpx.Client) -> None:
    assert submit(api).status_code == 200
    password = base64.b64encode(b"whatever").decode()
    headers = {**api_headers(), "username": "n.importe", "password": password}
    assert api.get("/etatSante", headers=headers).status_code == 200


def test_calls_beyond_the_limit_get_429_with_retry_after(
    make_sandbox: SandboxFactory, client_for: ClientFactory
) -> None:
    box = make_sandbox(limit_per_minute=3)
    api = client_for(box)
    answers = [api.get("/etatSante", headers=api_headers()) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    refused = answers[3]
    assert _code(refused) == 900804
    assert refused.json()["erreur"]["message"] == "Message throttled out"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert box.stats()["by_status"] == {"200": 3, "429": 2}


def test_the_window_slides_and_refused_calls_do_not_count() -> None:
    window = SlidingWindow(limit=2)
    assert window.admit(0.0) is None
    assert window.admit(10.0) is None
    assert window.admit(30.0) == pytest.approx(30.0)
    assert window.admit(59.0) == pytest.approx(1.0)
    assert window.admit(60.0) is None  # the call at 0 s has left the window
    assert window.admit(65.0) == pytest.approx(5.0)
    assert window.admit(70.0) is None


def test_the_largest_subscription_is_enforced_too() -> None:
    window = SlidingWindow(limit=1000)
    assert all(window.admit(n * 0.05) is None for n in range(1000))
    assert window.admit(50.0) == pytest.approx(10.0)  # the call at 0 s leaves at 60 s
    assert window.admit(60.0) is None


def test_limit_zero_admits_everything() -> None:
    window = SlidingWindow(limit=0)
    assert all(window.admit(0.0) is None for _ in range(10_000))


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    assert retry_after_header(0.2) == "1"
    assert retry_after_header(1.01) == "2"
    assert retry_after_header(59.0) == "59"
