"""The `imprimfip` command: one sub-command per job, exit codes from ExitCode.

Each sub-command's module is imported only when that sub-command runs: `imprimfip validate`
and `imprimfip status` are called by scripts and applications, and must not pay for the
daemon's, the emulator's or the API client's imports (see README, "Performance").
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import Protocol

from imprimfip import __version__
from imprimfip.errors import LedgerDamaged


class Subcommand(Protocol):
    """A module that adds its options to a parser and runs with them."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


SUBCOMMANDS: tuple[tuple[str, str, str], ...] = (
    ("run", "run the daemon (as systemd does)", "imprimfip.service.runner"),
    ("sandbox", "run the local IMPRIM'FIP emulator", "imprimfip.sandbox.cli"),
    ("validate", "check PDF letters without sending them", "imprimfip.service.validate"),
    (
        "demo",
        "see it work: emulator + daemon + sample letters in a demo folder",
        "imprimfip.service.demo",
    ),
    (
        "resolve",
        "settle a letter whose deposit outcome is unknown (list them without a number)",
        "imprimfip.service.resolve",
    ),
    (
        "status",
        "list the letters with their latest IMPRIM'FIP status",
        "imprimfip.service.status",
    ),
    (
        "check-config",
        "check the config, folders, ledger and API access before starting",
        "imprimfip.service.check_config",
    ),
    (
        "backup",
        "copy the live ledger, consistently, to a file or folder",
        "imprimfip.service.backup",
    ),
    (
        "hash-password",
        "hash the status page's password (read from stdin)",
        "imprimfip.service.hash_password",
    ),
)
"""Name, one-line summary, and the module (a Subcommand) that runs it."""


def _chosen(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line: the first word that is one."""
    names = {name for name, _, _ in SUBCOMMANDS}
    return next((word for word in argv if word in names), None)


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser for `argv`: every sub-command is listed, only the chosen one's module is
    imported to add its options."""
    parser = argparse.ArgumentParser(
        prog="imprimfip",
        description="Mail PDF letters saved in hot folders through DGFiP's IMPRIM'FIP API.",
    )
    parser.add_argument("--version", action="version", version=f"imprimfip {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = _chosen(argv)
    for name, summary, module_name in SUBCOMMANDS:
        sub = commands.add_parser(name, help=summary)
        if name == chosen:
            module: Subcommand = import_module(module_name)  # type: ignore[assignment]
            module.add_arguments(sub)
            sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(argv) if argv is not None else sys.argv[1:]
    args = build_parser(words).parse_args(words)
    try:
        return int(args.handler(args))
    except LedgerDamaged as error:
        # The restore advice is loaded only when a ledger is found damaged.
        return int(import_module("imprimfip.service.backup").report_damaged_ledger(error, None))
