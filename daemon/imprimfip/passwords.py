"""Password hashes for the status page's login: `scrypt$<n>$<r>$<p>$<salt>$<key>` (base64).

Made by `imprimfip hash-password`, checked when the config loads (`is_hash`) and at each
login (`verify`, in constant time). scrypt is in the standard library (hashlib).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
N, R, P = 2**15, 8, 1
MAX_MEMORY = 64 * 1024 * 1024
KEY_BYTES = 32


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(
        password.encode(), salt=salt, n=N, r=R, p=P, maxmem=MAX_MEMORY, dklen=KEY_BYTES
    )
    encoded = (base64.b64encode(part).decode() for part in (salt, key))
    return "$".join((SCHEME, str(N), str(R), str(P), *encoded))


def _parts(text: str) -> tuple[int, int, int, bytes, bytes] | None:
    pieces = text.split("$")
    if len(pieces) != 6 or pieces[0] != SCHEME or not all(p.isdigit() for p in pieces[1:4]):
        return None
    try:
        salt, key = (base64.b64decode(p, validate=True) for p in pieces[4:])
    except (binascii.Error, ValueError):
        return None
    return int(pieces[1]), int(pieces[2]), int(pieces[3]), salt, key


def is_hash(text: str) -> bool:
    """Whether `text` has the form `hash_password` gives."""
    return _parts(text) is not None


def verify(password: str, encoded: str) -> bool:
    parts = _parts(encoded)
    if parts is None:
        return False
    n, r, p, salt, key = parts
    try:
        given = hashlib.scrypt(
            password.encode(), salt=salt, n=n, r=r, p=p, maxmem=MAX_MEMORY, dklen=len(key)
        )
    except ValueError:  # parameters scrypt refuses (a hash edited by hand)
        return False
    return hmac.compare_digest(given, key)
