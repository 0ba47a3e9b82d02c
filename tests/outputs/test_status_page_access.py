"""Who may look at the status page: TLS from secrets, a login against a password hash,
refused logins logged and turned away (the real page server, over real TLS)."""

from __future__ import annotations

import secrets
import shutil
import ssl
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

from imprimfip.config.model import StatusPageConfig
from imprimfip.config.secrets import Secret
from imprimfip.ledger import Ledger
from imprimfip.ledger.workers import Reader
from imprimfip.outputs.statuspage.access import MAX_REFUSED
from imprimfip.outputs.statuspage.page_server import StatusPage
from imprimfip.outputs.statuspage.render import FlowSummary
from imprimfip.passwords import hash_password, verify
from imprimfip.service.lookups import PageLookups

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 10, tzinfo=UTC)


@pytest.fixture
def password() -> str:
    return "canari-" + secrets.token_hex(8)


needs_openssl = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="openssl is not installed (.ci/run installs it)"
)


@pytest.fixture
def certificate(tmp_path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl, as an office would make one)."""
    cert, key = tmp_path / "page.crt", tmp_path / "page.key"
    request = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    names = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        [*request, "-keyout", str(key), "-out", str(cert), *names],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


async def serve(tmp_path: Path, config: StatusPageConfig) -> tuple[StatusPage, Reader]:
    Ledger(tmp_path / "ledger.sqlite3").close()
    reader = Reader(tmp_path / "ledger.sqlite3")
    page = StatusPage(
        config, [FlowSummary("courrier", "STD")], PageLookups(reader, {}), lambda: NOW
    )
    await page.start()
    return page, reader


@needs_openssl
async def test_the_page_asks_for_its_login_and_turns_away_a_client_refused_too_often(
    tmp_path, password, certificate
):
    cert, key = certificate
    config = StatusPageConfig(
        listen="127.0.0.1:0",
        tls_certificate=Secret(cert.read_text()),
        tls_key=Secret(key.read_text()),
        login="bureau",
        password_hash=Secret(hash_password(password)),
    )
    page, reader = await serve(tmp_path, config)
    assert page.url and page.url.startswith("https://127.0.0.1:")
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        async with httpx.AsyncClient(verify=trusted, timeout=30) as http:
            challenge = await http.get(page.url)
            assert challenge.status_code == 401
            assert challenge.headers["www-authenticate"].startswith("Basic realm=")
            assert (await http.get(page.url, auth=("bureau", password))).status_code == 200
            picture = f"{page.url}courrier/1/image"
            assert (await http.get(picture)).status_code == 401, "a picture is behind the login"
            missing = await http.get(picture, auth=("bureau", password))
            assert missing.status_code == 404 and "Image introuvable" in missing.text
            with capture_logs() as logs:
                for _ in range(MAX_REFUSED):
                    wrong = await http.get(page.url, auth=("bureau", "devine"))
                    assert wrong.status_code == 401
                turned = await http.get(page.url, auth=("bureau", password))
        assert turned.status_code == 429, "even the right password waits for the window"
        refused = [e for e in logs if e["event"] == "status_page_login_refused"]
        assert len(refused) == MAX_REFUSED
        assert refused[0]["client"] == "127.0.0.1" and refused[0]["login"] == "bureau"
        assert password not in repr(logs) and "devine" not in repr(logs)
    finally:
        await page.stop()
        await reader.close()


async def test_without_tls_the_page_is_plain_http_and_open_on_loopback(tmp_path):
    page, reader = await serve(tmp_path, StatusPageConfig(listen="127.0.0.1:0"))
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            assert (await http.get(page.url or "")).status_code == 200
    finally:
        await page.stop()
        await reader.close()


def test_a_password_in_clear_or_a_hash_of_the_wrong_form_is_refused():
    with pytest.raises(ValidationError, match="must not be written in clear"):
        StatusPageConfig.model_validate({"login": "bureau", "password_hash": "motdepasse"})
    with pytest.raises(ValidationError, match="hash-password"):
        StatusPageConfig(login="bureau", password_hash=Secret("motdepasse"))
    with pytest.raises(ValidationError, match="both login and password_hash"):
        StatusPageConfig(login="bureau")
    with pytest.raises(ValidationError, match="both tls_certificate and tls_key"):
        StatusPageConfig(tls_certificate=Secret("x"))


def test_hash_password_reads_stdin_and_prints_a_hash_that_verifies(password):
    done = subprocess.run(
        [sys.executable, "-m", "imprimfip", "hash-password"],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
    )
    printed = done.stdout.strip()
    assert printed.startswith("scrypt$") and password not in printed
    assert verify(password, printed)
    assert not verify(password + "x", printed)
