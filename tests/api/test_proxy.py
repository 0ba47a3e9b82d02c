"""Through a forward proxy: which one, and real calls through tinyproxy to the emulator
over TLS, with and without the proxy's authentication."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from structlog.testing import capture_logs

from imprimfip.api.proxy import CONFIG_SOURCE, bypassed, describe_route, proxy_for
from imprimfip.config import load_config
from imprimfip.config.model import ApiConfig, OAuthConfig, TlsConfig
from imprimfip.config.secrets import Secret
from imprimfip.errors import ApiUnavailable, ConfigError
from tests.api.conftest import CLIENT_SECRET, api_config
from tests.api.letters import std
from tests.fixtures.daemon import write_config
from tests.fixtures.proxy import free_port

API = "https://impfip.dgfip.example/api/v1"
PROXY_PASSWORD = "canary-proxy-4e71c0"
CLIENT_ID = "appli-courrier"


def route(url: str = API, environ: dict[str, str] | None = None, **settings: object) -> str:
    return describe_route(proxy_for(url, api_config(API, **settings), environ or {}))


# --- which proxy: a pure decision -------------------------------------------------------


def test_no_proxy_anywhere_means_direct():
    assert route() == "direct, no proxy"


def test_the_configured_proxy_wins_over_the_environment_and_no_proxy():
    environ = {"HTTPS_PROXY": "http://other:8080", "NO_PROXY": "*"}
    assert route(environ=environ, proxy="http://proxy.mairie.example:3128") == (
        f"through the proxy http://proxy.mairie.example:3128 (from {CONFIG_SOURCE})"
    )


def test_the_proxy_password_is_a_secret_never_shown():
    settings = {"proxy": "http://imprimfip@proxy:3128", "proxy_password": Secret("pw")}
    found = proxy_for(API, api_config(API, **settings), {})
    assert found is not None
    assert found.describe() == f"http://imprimfip:********@proxy:3128 (from {CONFIG_SOURCE})"
    assert found.httpx_proxy().raw_auth is not None
    environ = {"HTTPS_PROXY": "http://agent:s3cret@proxy:3128"}
    assert "s3cret" not in route(environ=environ)
    assert route(environ=environ) == (
        "through the proxy http://agent:********@proxy:3128 (from HTTPS_PROXY)"
    )


def test_lower_case_variables_come_first_and_the_scheme_chooses():
    environ = {
        "https_proxy": "http://lower:1",
        "HTTPS_PROXY": "http://upper:2",
        "HTTP_PROXY": "plain:3",
    }
    assert route(environ=environ) == "through the proxy http://lower:1 (from https_proxy)"
    assert route("http://127.0.0.1:7009/api/v1", environ) == (
        "through the proxy http://plain:3 (from HTTP_PROXY)"
    )


@pytest.mark.parametrize(
    ("no_proxy", "skipped"),
    [
        ("*", True),
        ("dgfip.example", True),
        (".dgfip.example", True),
        ("localhost, impfip.dgfip.example", True),
        ("impfip.dgfip.example:443", True),
        ("impfip.dgfip.example:8443", False),
        ("fip.dgfip.example", False),
        ("example.fr", False),
        ("", False),
    ],
)
def test_no_proxy_names_hosts_and_their_subdomains(no_proxy, skipped):
    assert bypassed(API, no_proxy) is skipped
    environ = {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": no_proxy}
    assert (route(environ=environ) == "direct, no proxy") is skipped


@pytest.mark.parametrize(
    ("no_proxy", "skipped"),
    [("127.0.0.1", True), ("127.0.0.0/8", True), ("10.0.0.0/8", False), ("::1", False)],
)
def test_no_proxy_takes_addresses_and_blocks(no_proxy, skipped):
    assert bypassed("https://127.0.0.1:7009/api/v1", no_proxy) is skipped


def config_problems(tmp_path: Path, settings: str) -> str:
    path = write_config(tmp_path, API, api=settings)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


@pytest.mark.parametrize(
    ("proxy", "expected"),
    [
        ("http://agent:secret@proxy:3128", "must not be written in clear"),
        ("proxy:3128", "expected the proxy as http://HOST:PORT"),
        ("socks5://proxy:1080", "expected the proxy as http://HOST:PORT"),
        ("http://proxy", "expected the proxy as http://HOST:PORT"),
    ],
)
def test_a_proxy_setting_is_checked(tmp_path, monkeypatch, proxy, expected):
    monkeypatch.setenv("IMPRIMFIP_PASSWORD", "x")
    problems = config_problems(tmp_path, f'proxy = "{proxy}"')
    assert "api.proxy" in problems
    assert expected in problems
    assert "secret" not in problems


def test_a_proxy_password_needs_a_user_in_the_url(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPRIMFIP_PASSWORD", "x")
    monkeypatch.setenv("PROXY_PASSWORD", "y")
    problems = config_problems(
        tmp_path, 'proxy = "http://proxy:3128"\nproxy_password = { env = "PROXY_PASSWORD" }'
    )
    assert "http://USER@HOST:PORT" in problems


# --- through a real proxy ----------------------------------------------------------------


def tls(authority) -> TlsConfig:
    return TlsConfig(ca_bundle=authority.bundle)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}"


async def test_calls_go_through_the_proxy_with_tls_verified_end_to_end(
    make_sandbox, make_proxy, open_client, authority
):
    box = make_sandbox(tls=authority)
    proxy = make_proxy()
    client = open_client(box.api_url, proxy=proxy.url, tls=tls(authority))
    assert await client.health()
    accepted = await client.submit(std())
    assert (await client.status(accepted.internal_ref)).internal_ref == accepted.internal_ref
    assert set(proxy.tunnels()) == {origin(box.api_url)}
    # The tunnel carries TLS to the API itself: a certificate the client does not trust
    # is refused through it as it is without it.
    untrusting = open_client(box.api_url, contract=False, proxy=proxy.url, max_attempts=1)
    with pytest.raises(ApiUnavailable) as caught:
        await untrusting.health()
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.detail.message


async def test_a_proxy_that_wants_a_password_gets_it_from_its_secret(
    make_sandbox, make_proxy, open_client, authority
):
    box = make_sandbox(tls=authority)
    proxy = make_proxy(user="imprimfip", password=PROXY_PASSWORD)
    refused = open_client(box.api_url, contract=False, proxy=proxy.url, tls=tls(authority))
    with pytest.raises(ApiUnavailable) as caught:
        await refused.submit(std())
    assert "407" in caught.value.detail.message
    with capture_logs() as logs:
        client = open_client(
            box.api_url,
            proxy=proxy.url.replace("://", "://imprimfip@"),
            proxy_password=Secret(PROXY_PASSWORD),
            tls=tls(authority),
        )
        await client.submit(std())
    assert [e["route"] for e in logs if e["event"] == "api.route"] == [
        f"through the proxy {proxy.url.replace('://', '://imprimfip:********@')} "
        f"(from {CONFIG_SOURCE})"
    ]
    assert PROXY_PASSWORD not in repr(logs)
    assert PROXY_PASSWORD not in repr(client.routes)
    assert len(box.submissions()) == 1


async def test_https_proxy_and_no_proxy_from_the_environment(
    make_sandbox, make_proxy, open_client, authority, monkeypatch
):
    box = make_sandbox(tls=authority)
    proxy = make_proxy()
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost")
    assert await open_client(box.api_url, tls=tls(authority)).health()
    assert proxy.tunnels() == [origin(box.api_url)]
    monkeypatch.setenv("NO_PROXY", "example.fr,127.0.0.1")
    assert await open_client(box.api_url, tls=tls(authority)).health()
    assert proxy.tunnels() == [origin(box.api_url)]


async def test_the_token_call_takes_its_own_route(
    make_sandbox, make_proxy, open_client, authority, monkeypatch
):
    """The gateway's token URL is another host than the API: NO_PROXY lists the API only,
    so the token goes through the proxy and the API calls do not."""
    box = make_sandbox(tls=authority, oauth_clients={CLIENT_ID: CLIENT_SECRET})
    token_url = box.base_url.replace("127.0.0.1", "localhost") + "/token"
    oauth = OAuthConfig(
        token_url=token_url, client_id=CLIENT_ID, client_secret=Secret(CLIENT_SECRET)
    )
    proxy = make_proxy()
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    client = open_client(box.api_url, oauth=oauth, tls=tls(authority))
    await client.submit(std())
    assert proxy.tunnels() == [origin(token_url)]
    assert describe_route(client.routes[box.api_url]) == "direct, no proxy"
    proxy.stop()
    box.expire_tokens()
    with pytest.raises(ApiUnavailable):
        # The expired token is refused; its renewal cannot reach the gateway any more.
        await client.submit(std("deux.pdf"))


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A proxy that takes connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.parametrize("proxy_kind", ["refusing", "silent"])
async def test_a_proxy_that_refuses_or_times_out_is_a_system_fault(
    proxy_kind, black_hole, make_sandbox, open_client, authority
):
    """Nothing of the letter left: it waits (never 'outcome unknown', never an error)."""
    box = make_sandbox(tls=authority)
    url = black_hole if proxy_kind == "silent" else f"http://127.0.0.1:{free_port()}"
    client = open_client(
        box.api_url,
        contract=False,
        proxy=url,
        tls=tls(authority),
        max_attempts=1,
        connect_timeout_s=0.5,
        request_timeout_s=0.5,
    )
    with pytest.raises(ApiUnavailable):
        await client.submit(std())
    with pytest.raises(ApiUnavailable):
        await client.status("x_01012025000000@agent.public.pdf")
    assert box.submissions() == []


def test_the_api_config_keeps_no_password_in_the_proxy_url():
    config = ApiConfig(
        username="u",
        password=Secret("p"),
        proxy="http://imprimfip@proxy:3128",
        proxy_password=Secret(PROXY_PASSWORD),
    )
    assert PROXY_PASSWORD not in repr(config)
