"""Configuration: the TOML file validated into one frozen `Config`.

The names below are loaded on first use: `imprimfip.config.rules` alone (what a validation
worker needs) then costs no import of the whole config model.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imprimfip.config.load import load_config
    from imprimfip.config.model import ApiConfig, Config, FlowConfig
    from imprimfip.config.secrets import Secret

__all__ = ["ApiConfig", "Config", "FlowConfig", "Secret", "load_config"]

_HOMES = {
    "load_config": "imprimfip.config.load",
    "ApiConfig": "imprimfip.config.model",
    "Config": "imprimfip.config.model",
    "FlowConfig": "imprimfip.config.model",
    "Secret": "imprimfip.config.secrets",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
