"""Read the TOML file and validate all of it, reporting every problem with its key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from imprimfip.config.model import Config
from imprimfip.errors import ConfigError, ConfigProblem

_PLAIN_MESSAGES = {
    "missing": "missing: this key is required",
    "extra_forbidden": "unknown key: check its spelling against config.example.toml",
    # The same for a table that is a dataclass (config/rules.py) rather than a model.
    "unexpected_keyword_argument": "unknown key: check its spelling against config.example.toml",
}


def _key_path(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """Render pydantic's location as the sysadmin wrote it: flows[1] ("lrar").sending_type."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            entry = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                label += f' ("{entry["name"]}")'
            parts.append(label)
            node = entry
        else:
            parts.append(f".{item}" if parts else item)
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _problems(error: ValidationError, data: dict[str, Any]) -> list[ConfigProblem]:
    items = [
        (tuple(p for p in item["loc"] if not str(p).startswith("function-")), item)
        for item in error.errors(include_url=False)
    ]
    locs = [loc for loc, _ in items]
    problems = []
    for loc, item in items:
        # A container whose members failed also reports itself; the members say more.
        if any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs):
            continue
        message = _PLAIN_MESSAGES.get(item["type"], item["msg"]).removeprefix("Value error, ")
        problems.append(ConfigProblem(key=_key_path(loc, data), message=message))
    return problems


def load_config(path: Path, *, secrets: bool = True) -> Config:
    """Load and validate `path`; raise ConfigError listing every problem found.

    With `secrets=False` the secrets' sources are checked for form but not read (they are
    then empty): for commands that never call the API, run by a sysadmin from a shell where
    systemd's credentials are not available.
    """
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem = ConfigProblem("(file)", f"cannot read the file: {exc.strerror}")
        raise ConfigError(source, [problem]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [ConfigProblem("(syntax)", f"not valid TOML: {exc}")]) from None
    base_dir = path.resolve().parent
    try:
        return Config.model_validate(
            {**data, "source": path.resolve()},
            context={"base_dir": base_dir, "secrets": secrets},
        )
    except ValidationError as exc:
        raise ConfigError(source, _problems(exc, data)) from None
