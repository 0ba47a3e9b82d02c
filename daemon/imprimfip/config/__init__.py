"""Configuration: the TOML file validated into one frozen `Config`.

The names below are loaded on first use: `imprimfip.config.rules` alone (what a validation
worker needs) then costs no import of the whole config model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imprimfip.lazy_exports import loader

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

__getattr__ = loader(__name__, _HOMES)
