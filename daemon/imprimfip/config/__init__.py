"""Configuration: the TOML file validated into one frozen `Config`."""

from imprimfip.config.load import load_config
from imprimfip.config.model import ApiConfig, Config, FlowConfig
from imprimfip.config.secrets import Secret

__all__ = ["ApiConfig", "Config", "FlowConfig", "Secret", "load_config"]
