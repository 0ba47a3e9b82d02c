"""The `imprimfip` command: one sub-command per job, exit codes from ExitCode."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from pathlib import Path

from imprimfip import __version__
from imprimfip.config import load_config
from imprimfip.errors import ConfigError
from imprimfip.sandbox import cli as sandbox_cli
from imprimfip.service import check_config, demo, logs, resolve, status
from imprimfip.service.exitcodes import ExitCode
from imprimfip.service.runner import DEFAULT_CONFIG, report_config_error, run_daemon
from imprimfip.validation import command


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

    sandbox = commands.add_parser("sandbox", help="run the local IMPRIM'FIP emulator")
    sandbox_cli.add_arguments(sandbox)
    sandbox.set_defaults(handler=sandbox_cli.run)

    validate = commands.add_parser("validate", help="check PDF letters without sending them")
    command.add_arguments(validate)
    validate.set_defaults(handler=command.run)

    demo_parser = commands.add_parser(
        "demo", help="see it work: emulator + daemon + sample letters in a demo folder"
    )
    demo.add_arguments(demo_parser)
    demo_parser.set_defaults(handler=demo.run)
    resolve_parser = commands.add_parser(
        "resolve",
        help="settle a letter whose deposit outcome is unknown (list them without a number)",
    )
    resolve.add_arguments(resolve_parser)
    resolve_parser.set_defaults(handler=resolve.run)
    status_parser = commands.add_parser(
        "status", help="list the letters with their latest IMPRIM'FIP status"
    )
    status.add_arguments(status_parser)
    status_parser.set_defaults(handler=status.run)
    check_parser = commands.add_parser(
        "check-config", help="check the config, folders, ledger and API access before starting"
    )
    check_config.add_arguments(check_parser)
    check_parser.set_defaults(handler=check_config.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
