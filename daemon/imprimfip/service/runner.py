"""Running the daemon in the foreground, shared by `imprimfip run` and `imprimfip demo`."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from imprimfip.config import Config
from imprimfip.delivery.flow import prepare_flow
from imprimfip.errors import ConfigError
from imprimfip.exitcodes import ExitCode
from imprimfip.service.daemon import Daemon, check_ledger_location

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


def install_signals(stop: asyncio.Event, reload: asyncio.Event) -> None:
    """SIGTERM (systemd) and SIGINT (Ctrl-C) ask for a clean stop; SIGHUP for a reload."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload.set)


async def run_daemon(config: Config, on_started: Callable[[], None] | None = None) -> None:
    """Run the daemon for `config` until SIGTERM or SIGINT."""
    check_ledger_location(config)
    flows = [prepare_flow(config, flow_config) for flow_config in config.flows]
    stop, reload = asyncio.Event(), asyncio.Event()
    install_signals(stop, reload)
    daemon = Daemon(config, flows)
    if on_started is not None:
        asyncio.get_running_loop().call_soon(on_started)
    await daemon.run(stop, reload)
