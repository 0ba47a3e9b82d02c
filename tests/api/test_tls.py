"""TLS is always verified; a CA bundle and a client certificate come from the config."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from imprimfip.api.auth import tls_context
from imprimfip.config.model import TlsConfig
from imprimfip.errors import ApiUnavailable, ConfigError


class Authority:
    """A throw-away certificate authority writing PEM files into a folder.

    It issues what a real CA does, extensions included, so a strict verifier (Python 3.13's
    default, or an administration's own) accepts them.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
        self.cert = (
            self._builder(name, name, self.key)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self.bundle = self._write("ca.pem", self.cert)

    def _builder(
        self, subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey
    ) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
        )

    def issue(self, name: str, usage: x509.ObjectIdentifier) -> tuple[Path, Path]:
        """A leaf certificate for 127.0.0.1 with its key, for `usage` (server or client)."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        ca_key_id = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        cert = (
            self._builder(subject, self.cert.subject, key)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id.value),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        key_path = self.folder / f"{name}.key"
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return self._write(f"{name}.pem", cert), key_path

    def _write(self, filename: str, cert: x509.Certificate) -> Path:
        path = self.folder / filename
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return path


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    """A CA signs certificates and revocation lists; a leaf signs its handshakes."""
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not cert_sign,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return Authority(tmp_path)


@pytest.fixture
async def https_server(authority: Authority) -> AsyncIterator[Callable[..., str]]:
    """`await https_server(require_client_cert=False)`: a health endpoint over TLS."""
    runners: list[web.AppRunner] = []

    async def start(require_client_cert: bool = False) -> str:
        cert, key = authority.issue("server", ExtendedKeyUsageOID.SERVER_AUTH)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        # Python 3.13 verifies peers this strictly by default; older ones do it here too.
        context.verify_flags |= ssl.VERIFY_X509_STRICT
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
