"""What an emulator run is configured with: plain frozen data, shared by the CLI and tests."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Faults:
    """Injected faults: a probability 0..1 per fault, and seconds of latency added to answers.

    The names are those of `POST /_sandbox/faults` and of `--fault NAME=P`.
    """

    unavailable_503: float = 0.0
    throttle_429: float = 0.0
    reject_400: float = 0.0
    error_500_after_accept: float = 0.0
    drop_after_accept: float = 0.0
    latency_s: float = 0.0

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> Faults:
        """Build from a JSON object or CLI pairs; raise ValueError naming what is wrong."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown fault(s) {unknown}; known: {sorted(known)}")
        checked: dict[str, float] = {}
        for name, raw in values.items():
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise ValueError(f"fault {name} must be a number, got {raw!r}")
            value = float(raw)
            upper = math.inf if name == "latency_s" else 1.0
            if not 0.0 <= value <= upper:
                raise ValueError(f"fault {name} must be within 0..{upper}, got {value}")
            checked[name] = value
        return cls(**checked)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _frozen_mapping(values: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True)
class SandboxSettings:
    """One emulator's settings.

    `users` maps usernames to passwords (empty: any credentials, even none, are accepted);
    `oauth_clients` maps client ids to secrets (empty: no bearer token is needed);
    `speed` divides every simulated delay; `limit_per_minute` 0 disables the rate limit;
    `seed` makes lives and faults reproducible; `port` 0 picks a free port.
    `timezone` is the zone of the emulated service's clock: IMPRIM'FIP runs in France, so
    by default internalRefs and every date are in Europe/Paris time, whatever the zone of
    the machine running the emulator (a client probing internalRefs must use that zone).

    The rates (probabilities 0..1) say how often the simulated life goes wrong:
    `file_error_rate` the whole file fails analysis ("Erreur"); `file_warning_rate` it is
    accepted "avec des avertissements"; `doc_error_rate` one document is refused at analysis;
    `refused_rate`, `neglected_rate`, `failed_delivery_rate` how a registered letter ends
    instead of "Distribué" (`failed_delivery_rate` applies to LRAR only).
    """

    host: str = "127.0.0.1"
    port: int = 7009
    speed: float = 1.0
    limit_per_minute: int = 500
    users: Mapping[str, str] = field(default_factory=_frozen_mapping)
    oauth_clients: Mapping[str, str] = field(default_factory=_frozen_mapping)
    token_lifetime_s: float = 3600.0
    faults: Faults = field(default_factory=Faults)
    state_file: Path | None = None
    seed: int = 0
    timezone: str = "Europe/Paris"
    file_error_rate: float = 0.01
    file_warning_rate: float = 0.01
    doc_error_rate: float = 0.01
    refused_rate: float = 0.02
    neglected_rate: float = 0.03
    failed_delivery_rate: float = 0.01

    def __post_init__(self) -> None:
        # Callers pass plain dicts; keep the settings immutable all the way down.
        object.__setattr__(self, "users", _frozen_mapping(self.users))
        object.__setattr__(self, "oauth_clients", _frozen_mapping(self.oauth_clients))
        if self.speed <= 0:
            raise ValueError(f"speed must be positive, got {self.speed}")
        if self.limit_per_minute < 0:
            raise ValueError(f"limit_per_minute must be >= 0, got {self.limit_per_minute}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}: use an IANA name") from None
        for name in rate_fields():
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {getattr(self, name)}")


def rate_fields() -> tuple[str, ...]:
    """The failure rates of the simulated life (fields ending in `_rate`)."""
    return tuple(f.name for f in fields(SandboxSettings) if f.name.endswith("_rate"))
