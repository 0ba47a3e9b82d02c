"""Where the config file is by default, and how its errors are told: light, for every
sub-command that reads a config."""

from __future__ import annotations

import sys
from pathlib import Path

from imprimfip.errors import ConfigError
from imprimfip.exitcodes import ExitCode

DEFAULT_CONFIG = Path("/etc/imprimfip/imprimfip.toml")


def report_config_error(error: ConfigError) -> int:
    """Print every problem of a config, with its key and what to do; exit status 78.

    Off a terminal (journald) each line carries the syslog prefix <3>, so that
    `journalctl -p err` shows why the service would not start.
    """
    prefix = "" if sys.stderr.isatty() else "<3>"
    print(f"{prefix}imprimfip: the configuration {error.source} cannot be used:", file=sys.stderr)
    for problem in error.problems:
        print(f"{prefix}  - {problem.key}: {problem.message}", file=sys.stderr)
    return ExitCode.CONFIG
