"""Who may look at the status page: optional TLS, and an optional login (HTTP basic)
against a password hash (`imprimfip.passwords`) given to the daemon as a secret, never in
clear in the config. Checking a password
costs scrypt's work (tens of milliseconds): it runs in a worker thread, and a login once
accepted is remembered for `REMEMBER_S` under a keyed digest (not the password itself).
Refused logins are logged, and a client refused `MAX_REFUSED` times within `WINDOW_S` is
turned away for the rest of the window without its password being checked.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import os
import secrets
import ssl
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from imprimfip.passwords import verify

MAX_REFUSED = 5
WINDOW_S = 300.0
REMEMBER_S = 600.0
REMEMBERED = 64


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """The login and password of an `Authorization: Basic ...` header, if well formed."""
    if not header or not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    login, colon, password = decoded.partition(":")
    return (login, password) if colon else None


@dataclass
class Refusals:
    """Refused logins by client, over a sliding window; a pure function of `now`."""

    seen: dict[str, deque[float]] = field(default_factory=dict)

    def refused(self, client: str, now: float) -> None:
        self.seen.setdefault(client, deque()).append(now)

    def turned_away(self, client: str, now: float) -> bool:
        times = self.seen.get(client)
        if not times:
            return False
        while times and times[0] <= now - WINDOW_S:
            times.popleft()
        if not times:
            del self.seen[client]
        return len(times) >= MAX_REFUSED


class Login:
    """The one login the page accepts, and what it remembers of recent checks."""

    def __init__(self, login: str, password_hash: str) -> None:
        self._login = login
        self._hash = password_hash
        self._key = secrets.token_bytes(32)
        self._accepted: dict[bytes, float] = {}
        self.refusals = Refusals()

    async def accepts(self, given: tuple[str, str] | None) -> bool:
        if given is None:
            return False
        login, password = given
        digest = hmac.new(self._key, f"{login}\0{password}".encode(), "sha256").digest()
        now = time.monotonic()
        if self._accepted.get(digest, 0.0) > now:
            return True
        right = hmac.compare_digest(login.encode(), self._login.encode())
        if not (await asyncio.to_thread(verify, password, self._hash) and right):
            return False
        if len(self._accepted) >= REMEMBERED:
            self._accepted.clear()
        self._accepted[digest] = now + REMEMBER_S
        return True


def tls_context(certificate: str, key: str) -> ssl.SSLContext:
    """A server context from PEM texts (as secrets give them). The standard library loads
    a chain from files only: they are written to a private temporary folder, loaded, and
    removed at once."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory(prefix="imprimfip-tls-") as folder:
        os.chmod(folder, 0o700)
        paths = []
        for name, text in (("certificate.pem", certificate), ("key.pem", key)):
            path = Path(folder) / name
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            paths.append(path)
        context.load_cert_chain(paths[0], paths[1])
    return context
