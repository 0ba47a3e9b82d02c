"""Credentials: read from the environment, a file or a systemd credential, never from the TOML.

A `Secret` prints as ``********`` wherever it ends up (repr, logs, tracebacks); the only way
to read it is `reveal()`, called where request headers are built (see docs/invariants.md,
'Secrets stay secret').
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler, ValidationInfo
from pydantic_core import core_schema

MASK = "********"


class Secret:
    """A credential that never shows itself by accident."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.is_instance_schema(cls)


_SOURCES = ("env", "file", "credential")
_HOW = (
    'give its source, for example { env = "IMPRIMFIP_PASSWORD" }, '
    '{ file = "/etc/imprimfip/password" } or { credential = "imprimfip-password" } '
    "(a systemd LoadCredential= name)"
)


def _read_source(kind: str, name: str, base_dir: Path) -> str | None:
    if kind == "env":
        return os.environ.get(name)
    if kind == "file":
        path = Path(name)
        path = path if path.is_absolute() else base_dir / path
    else:
        folder = os.environ.get("CREDENTIALS_DIRECTORY")
        if not folder:
            return None
        path = Path(folder) / name
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _describe(kind: str, name: str) -> str:
    if kind == "env":
        return f"environment variable {name}"
    if kind == "file":
        return f"file {name}"
    return f"systemd credential {name} (in $CREDENTIALS_DIRECTORY)"


def resolve_secret(value: Any, info: ValidationInfo) -> Secret:
    """Turn a `{ env | file | credential = ..., optional = bool }` table into a Secret."""
    if isinstance(value, Secret):
        return value
    if isinstance(value, str):
        raise ValueError(f"a secret must not be written in clear in the config file: {_HOW}")
    if not isinstance(value, dict):
        raise ValueError(f"expected a table naming where the secret is: {_HOW}")
    unknown = set(value) - {*_SOURCES, "optional"}
    given = [k for k in _SOURCES if k in value]
    if unknown or len(given) != 1 or not isinstance(value[given[0]], str):
        raise ValueError(f"expected exactly one of env, file, credential: {_HOW}")
    kind = given[0]
    if (info.context or {}).get("secrets") is False:
        # A command that never calls the API (status, resolve) must run without them.
        return Secret("")
    base_dir = Path((info.context or {}).get("base_dir", "."))
    secret = _read_source(kind, value[kind], base_dir)
    if secret is None or secret == "":
        if value.get("optional") is True:
            return Secret("")
        raise ValueError(
            f"the secret is missing: {_describe(kind, value[kind])} is not set or is empty; "
            "set it (see the README, section 'Run it as a service')"
        )
    return Secret(secret)


SecretValue = Annotated[Secret, BeforeValidator(resolve_secret)]
