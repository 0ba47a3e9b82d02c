"""A package's exported names, each imported from its home module on first use.

`imprimfip validate` and `imprimfip status` are called by scripts for every letter: a
package's `__init__` that imported all it exports would make them pay for the HTTP client or
the whole config model (see README, "Performance and reliability").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def loader(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module-level `__getattr__` for `package`: `homes` maps each name to its module."""

    def load(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(homes[name]), name)

    return load
