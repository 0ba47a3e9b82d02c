"""The `imprimfip` command: one sub-command per job, exit codes from ExitCode."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from imprimfip import __version__
from imprimfip.config import load_config
from imprimfip.errors import ConfigError
from imprimfip.sandbox import cli as sandbox_cli
from imprimfip.service import check_config, demo, hash_password, logs, resolve, status
from imprimfip.service.exitcodes import ExitCode
from imprimfip.service.runner import DEFAULT_CONFIG, report_config_error, run_daemon
from imprimfip.validation import command


class Subcommand(Protocol):
    """A module that adds its options to a parser and runs with them."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


SUBCOMMANDS: tuple[tuple[str, str, Subcommand], ...] = (
    ("sandbox", "run the local IMPRIM'FIP emulator", sandbox_cli),
    ("validate", "check PDF letters without sending them", command),
    ("demo", "see it work: emulator + daemon + sample letters in a demo folder", demo),
    (
        "resolve",
        "settle a letter whose deposit outcome is unknown (list them without a number)",
        resolve,
    ),
    ("status", "list the letters with their latest IMPRIM'FIP status", status),
    (
        "check-config",
        "check the config, folders, ledger and API access before starting",
        check_config,
    ),
    ("hash-password", "hash the status page's password (read from stdin)", hash_password),
)


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        logs.configure(config.logging.level, config.logging.format)
        asyncio.run(run_daemon(config))
    except ConfigError as error:
        return report_config_error(error)
    return ExitCode.OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imprimfip",
        description="Mail PDF letters saved in hot folders through DGFiP's IMPRIM'FIP API.",
    )
    parser.add_argument("--version", action="version", version=f"imprimfip {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the daemon (as systemd does)")
    run.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="TOML config file")
    run.set_defaults(handler=_cmd_run)

    for name, summary, module in SUBCOMMANDS:
        sub = commands.add_parser(name, help=summary)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
