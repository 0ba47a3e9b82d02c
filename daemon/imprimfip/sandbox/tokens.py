"""OAuth 2.0 bearer tokens issued by the emulator's `/token` endpoint."""

from __future__ import annotations

import secrets
import time


class TokenStore:
    """Tokens and their expiry (monotonic seconds); a token is valid until it expires."""

    def __init__(self, lifetime_s: float) -> None:
        self.lifetime_s = lifetime_s
        self._expiry: dict[str, float] = {}

    def issue(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        token = secrets.token_urlsafe(32)
        self._expiry[token] = now + self.lifetime_s
        return token

    def valid(self, token: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return self._expiry.get(token, 0.0) > now

    def expire_all(self) -> None:
        self._expiry.clear()
