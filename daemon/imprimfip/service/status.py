"""`imprimfip status`: one row per letter with its latest status, for a terminal or a script.

Reads the ledger (the daemon may be running: SQLite's WAL lets both work). Text output is a
table for people; `--json` a list of objects for scripts. Statuses are IMPRIM'FIP's own
words (French), the rest is English.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from imprimfip.config import load_config
from imprimfip.errors import ConfigError
from imprimfip.exitcodes import ExitCode
from imprimfip.ledger import Ledger
from imprimfip.ledger.history import History
from imprimfip.letter_lines import Line
from imprimfip.service.config_file import DEFAULT_CONFIG, report_config_error
from imprimfip.tracking.letters import overview
from imprimfip.tracking.schedule import Timing

COLUMNS = ("id", "flow", "type", "file", "status", "since", "attention", "internal_ref")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="TOML config file")
    parser.add_argument("--flow", metavar="NAME", help="only this flow's letters")
    parser.add_argument("--json", action="store_true", help="a JSON list, for scripts")


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


def as_json(line: Line) -> dict[str, object]:
    return {
        "letter_id": line.letter_id,
        "flow": line.flow,
        "file": line.file,
        "reference": line.reference,
        "internal_ref": line.internal_ref,
        "sending_type": line.sending_type,
        "deposited_at": line.deposited_at.isoformat() if line.deposited_at else None,
        "status": line.status,
        "status_date": line.status_date.isoformat() if line.status_date else None,
        "message": line.message,
        "attention": line.attention,
        "followed": line.followed,
    }


def table(lines: list[Line]) -> str:
    """Aligned columns, one row per letter; a multi-document file's letters are named
    `file [reference]`."""
    rows = [COLUMNS] + [
        (
            str(line.letter_id),
            line.flow,
            line.sending_type or "",
            line.file + (f" [{line.reference}]" if line.reference else ""),
            line.status,
            _when(line.status_date),
            line.attention or "",
            line.internal_ref or "",
        )
        for line in lines
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config, secrets=False)
    except ConfigError as error:
        return report_config_error(error)
    if args.flow is not None and args.flow not in {f.name for f in config.flows}:
        known = ", ".join(f.name for f in config.flows)
        print(f"imprimfip status: no flow named {args.flow!r} in {args.config} (flows: {known})")
        return ExitCode.USAGE
    if not config.ledger.path.exists():
        print(f"No letter yet: the ledger {config.ledger.path} does not exist.")
        return ExitCode.OK
    ledger = Ledger(config.ledger.path)
    try:
        lines = overview(History(ledger), Timing.from_config(config.tracking), args.flow)
    finally:
        ledger.close()
    if args.json:
        print(json.dumps([as_json(line) for line in lines], ensure_ascii=False, indent=2))
    elif lines:
        print(table(lines))
    else:
        print("No letter deposited yet.")
    return ExitCode.OK
