"""Running the daemon in the foreground, shared by `imprimfip run` and `imprimfip demo`."""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

from imprimfip.config import Config, load_config
from imprimfip.delivery.flow import prepare_flow
from imprimfip.errors import ConfigError, LedgerDamaged
from imprimfip.exitcodes import ExitCode
from imprimfip.service import backup, logs
from imprimfip.service.config_file import DEFAULT_CONFIG, report_config_error
from imprimfip.service.daemon import Daemon
from imprimfip.service.ledger_place import check_ledger_location


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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="TOML config file")


def run(args: argparse.Namespace) -> int:
    """`imprimfip run`: the daemon, until SIGTERM."""
    try:
        config = load_config(args.config)
        logs.configure(config.logging.level, config.logging.format)
        asyncio.run(run_daemon(config))
    except ConfigError as error:
        return report_config_error(error)
    except LedgerDamaged as error:
        return backup.report_damaged_ledger(error, config.ledger.backup_dir)
    return ExitCode.OK
