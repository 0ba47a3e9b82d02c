"""TLS is always verified; a CA bundle and a client certificate come from the config."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from aiohttp import web
from cryptography.x509.oid import ExtendedKeyUsageOID

from imprimfip.api.auth import tls_context
from imprimfip.config.model import TlsConfig
from imprimfip.errors import ApiUnavailable, ConfigError
from tests.fixtures.tls import Authority


@pytest.fixture
async def https_server(authority: Authority) -> AsyncIterator[Callable[..., str]]:
    """`await https_server(require_client_cert=False)`: a health endpoint over TLS."""
    runners: list[web.AppRunner] = []

    async def start(require_client_cert: bool = False) -> str:
        context = authority.server_context()
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(authority.bundle)

        async def health(_: web.Request) -> web.Response:
            return web.json_response({"message": "ok"})

        app = web.Application()
        app.router.add_get("/api/v1/etatSante", health)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port = runner.addresses[0][1]
        return f"https://127.0.0.1:{port}/api/v1"

    yield start
    for runner in runners:
        await runner.cleanup()


async def test_an_unknown_certificate_authority_is_refused(https_server, open_client):
    client = open_client(await https_server(), contract=False, max_attempts=1)
    with pytest.raises(ApiUnavailable) as caught:
        await client.health()
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.detail.message


async def test_the_configured_ca_bundle_is_trusted(https_server, open_client, authority):
    tls = TlsConfig(ca_bundle=authority.bundle)
    client = open_client(await https_server(), contract=False, tls=tls)
    assert await client.health() == "ok"


async def test_a_client_certificate_is_presented(https_server, open_client, authority):
    url = await https_server(require_client_cert=True)
    cert, key = authority.issue("daemon", ExtendedKeyUsageOID.CLIENT_AUTH)
    without = open_client(
        url, contract=False, max_attempts=1, tls=TlsConfig(ca_bundle=authority.bundle)
    )
    with pytest.raises(ApiUnavailable):
        await without.health()
    tls = TlsConfig(ca_bundle=authority.bundle, client_cert=cert, client_key=key)
    client = open_client(url, contract=False, tls=tls)
    assert await client.health() == "ok"


async def test_the_certificates_pass_strict_x509_verification(https_server, authority):
    """Python 3.13's default contexts, and some real authorities' verifiers, refuse
    certificates a lax CA issues (no Authority Key Identifier, for instance): both ends
    verify strictly here whatever Python runs the test."""
    url = await https_server(require_client_cert=True)
    cert, key = authority.issue("daemon", ExtendedKeyUsageOID.CLIENT_AUTH)
    context = tls_context(TlsConfig(ca_bundle=authority.bundle, client_cert=cert, client_key=key))
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    async with httpx.AsyncClient(verify=context, timeout=5) as client:
        answer = await client.get(f"{url}/etatSante")
    assert answer.json() == {"message": "ok"}


def test_unreadable_tls_files_are_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        tls_context(TlsConfig(ca_bundle=tmp_path / "missing.pem"))
    assert "api.tls" in str(caught.value)
