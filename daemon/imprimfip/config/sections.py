"""The few settings `imprimfip status` needs, read without the config model: where the
ledger is, the flows' names and `[tracking]` (see README, "Performance and reliability").

There is one definition of each: `TrackingConfig` and `HorizonDays` are plain frozen
dataclasses that the model validates as its `[tracking]` table (their limits are checked in
`__post_init__`, whoever builds them), and the model takes the ledger's default path and the
rule for relative paths from here. `read_sections` takes these settings from the TOML file
strictly (a number is a number, a path a string) and answers None for anything it does not
take: the caller then validates the whole file with the model, which says what is wrong as
`imprimfip check-config` does. The other tables are not read, so a mistake in them does not
stop a command that needs only these.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

DEFAULT_LEDGER_PATH = "state/ledger.sqlite3"

_STRICT_KEYS = {"extra": "forbid"}
"""pydantic's config for each table: an unknown key is an error, not silently ignored."""


def relative_to_config(value: Path, base_dir: Path) -> Path:
    """Relative paths are relative to the config file's folder, not the working directory."""
    path = value.expanduser()
    return path if path.is_absolute() else (base_dir / path)


def _above_zero(table: object, *names: str) -> None:
    """Raise ValueError naming every one of `names` that is not a number above 0."""
    wrong = [name for name in names if not getattr(table, name) > 0]
    if wrong:
        raise ValueError(
            "; ".join(f"{name} must be more than 0, got {getattr(table, name)}" for name in wrong)
        )


@dataclass(frozen=True)
class HorizonDays:
    """Days after its deposit a letter is followed at most, per sending type."""

    __pydantic_config__ = _STRICT_KEYS

    STD: float = 10.0
    LRE: float = 30.0
    LRAR: float = 30.0

    def __post_init__(self) -> None:
        _above_zero(self, "STD", "LRE", "LRAR")


@dataclass(frozen=True)
class TrackingConfig:
    """Following deposited letters until their final status (see docs/letter-life.md).

    `time_scale` divides every delay of the poll schedule, as the emulator's `--speed`
    divides its simulated delays: 1 in production.
    """

    __pydantic_config__ = _STRICT_KEYS

    time_scale: float = 1.0
    horizon_days: HorizonDays = field(default_factory=HorizonDays)
    overdue_after_hours: float = 48.0
    max_concurrent_polls: int = 4

    def __post_init__(self) -> None:
        _above_zero(self, "time_scale", "overdue_after_hours")
        if not 1 <= self.max_concurrent_polls <= 32:
            raise ValueError(
                f"max_concurrent_polls must be from 1 to 32, got {self.max_concurrent_polls}"
            )


@dataclass(frozen=True)
class Sections:
    """What `imprimfip status` reads of a config file."""

    ledger_path: Path
    flows: tuple[str, ...]
    tracking: TrackingConfig


def _numbers(kind: type[Any], table: object) -> Any:
    """A dataclass of numbers (or of such dataclasses) from its TOML table: a key it does not
    have, or a value that is not a number of its field's kind, raises TypeError."""
    if not isinstance(table, dict) or table.keys() - {f.name for f in fields(kind)}:
        raise TypeError(kind.__name__)
    values: dict[str, Any] = {}
    default = kind()
    for name, value in table.items():
        wanted = getattr(default, name)
        if is_dataclass(wanted):
            values[name] = _numbers(type(wanted), value)
            continue
        kinds = (int,) if isinstance(wanted, int) else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise TypeError(name)
        values[name] = type(wanted)(value)
    return kind(**values)


def _sections(data: dict[str, Any], base_dir: Path) -> Sections:
    ledger = data.get("ledger", {})
    where = ledger.get("path", DEFAULT_LEDGER_PATH) if isinstance(ledger, dict) else None
    flows = data.get("flows")
    if not isinstance(where, str) or not isinstance(flows, list) or not flows:
        raise TypeError("ledger or flows")
    names = tuple(flow.get("name") if isinstance(flow, dict) else None for flow in flows)
    if not all(isinstance(name, str) for name in names):
        raise TypeError("flows")
    return Sections(
        ledger_path=relative_to_config(Path(where), base_dir),
        flows=names,  # type: ignore[arg-type]
        tracking=_numbers(TrackingConfig, data.get("tracking", {})),
    )


def read_sections(path: Path) -> Sections | None:
    """The settings `imprimfip status` needs, from the config file at `path`; None when the
    file cannot be read or one of them is not valid."""
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
        return _sections(data, path.resolve().parent)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError, ValueError):
        return None
