"""The emulator's mutable state, shared by its handlers through the aiohttp application."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from aiohttp import web

from imprimfip.sandbox.ratelimit import SlidingWindow
from imprimfip.sandbox.registry import Registry
from imprimfip.sandbox.settings import Faults, SandboxSettings
from imprimfip.sandbox.stats import Stats
from imprimfip.sandbox.tokens import TokenStore


@dataclass
class Sandbox:
    """Everything one emulator remembers; `reset` forgets all but the issued tokens."""

    settings: SandboxSettings
    registry: Registry
    faults: Faults
    window: SlidingWindow
    tokens: TokenStore
    zone: ZoneInfo
    stats: Stats = field(default_factory=Stats)
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def start(cls, settings: SandboxSettings) -> Sandbox:
        return cls(
            settings=settings,
            registry=Registry(settings.state_file),
            faults=settings.faults,
            window=SlidingWindow(settings.limit_per_minute),
            tokens=TokenStore(settings.token_lifetime_s),
            zone=ZoneInfo(settings.timezone),
            rng=random.Random(f"faults:{settings.seed}"),
        )

    def reset(self) -> None:
        """Forget submissions, counters, the rate window and injected faults.

        Issued OAuth tokens are credentials, not recorded traffic: they stay valid, so a
        client holding one is not surprised by a 401 (`expire_tokens` is the way to test that).
        """
        self.registry.clear()
        self.stats.clear()
        self.window.clear()
        self.faults = self.settings.faults

    def roll(self, probability: float) -> bool:
        """True with `probability`; the draws follow the settings seed."""
        return probability > 0 and self.rng.random() < probability


SANDBOX = web.AppKey("sandbox", Sandbox)
