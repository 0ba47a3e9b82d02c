"""`imprimfip status`: one row per letter with its latest status, for a terminal or a script.

Reads the letters' lines from the ledger (the daemon may be running: SQLite's WAL lets both
work), the latest first, a slice at a time, and prints each slice as it comes: a million
letters never sit in memory. Letters changed since the daemon last brought their lines up
to date are brought up to date first. Text output is a table for people (its columns sized
on the first slice); `--json` a list of objects for scripts. Statuses are IMPRIM'FIP's own
words (French), the rest is English.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time
from importlib import import_module
from pathlib import Path

from imprimfip.config.sections import Sections, TrackingConfig, read_sections
from imprimfip.errors import ConfigError
from imprimfip.exitcodes import ExitCode
from imprimfip.ledger import Ledger, reads
from imprimfip.ledger.store import iso
from imprimfip.letter_lines import Line
from imprimfip.service.config_file import DEFAULT_CONFIG, report_config_error
from imprimfip.tracking.refresh import bring_up_to_date
from imprimfip.tracking.schedule import Timing
from imprimfip.tracking.stored import line_of

COLUMNS = ("id", "flow", "type", "file", "status", "since", "attention", "internal_ref")


SLICE = 1000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="TOML config file")
    parser.add_argument("--flow", metavar="NAME", help="only this flow's letters")
    parser.add_argument("--status", metavar="STATUS", help='only this status, e.g. "Expédié"')
    parser.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        type=date.fromisoformat,
        help="only letters deposited (or refused) on or after this day",
    )
    parser.add_argument(
        "--needs-attention", action="store_true", help="only letters someone should look at"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="at most N rows")
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


def _cells(line: Line) -> tuple[str, ...]:
    return (
        str(line.letter_id),
        line.flow,
        line.sending_type or "",
        line.file + (f" [{line.reference}]" if line.reference else ""),
        line.status,
        _when(line.status_date),
        line.attention or "",
        line.internal_ref or "",
    )


def table(slices: Iterator[list[Line]]) -> Iterator[str]:
    """Aligned columns, one row per letter, sized on the first slice; a multi-document
    file's letters are named `file [reference]`."""
    widths: list[int] = []
    for lines in slices:
        rows = [_cells(line) for line in lines]
        if not widths:
            widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
            yield _aligned(COLUMNS, widths)
        yield from (_aligned(row, widths) for row in rows)


def _aligned(row: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()


def _slices(path: Path, wanted: reads.Slice, limit: int | None) -> Iterator[list[Line]]:
    """The lines asked for, a slice at a time, until `limit` rows."""
    db = reads.read_only(path)
    try:
        shown = 0
        while limit is None or shown < limit:
            size = SLICE if limit is None else min(SLICE, limit - shown)
            rows = reads.lines(db, replace(wanted, limit=size))
            if not rows:
                return
            shown += len(rows)
            yield [line_of(row) for row in rows]
            wanted = replace(wanted, after=reads.cursor(rows[-1], wanted))
    finally:
        db.close()


def _up_to_date(path: Path, tracking: TrackingConfig) -> None:
    """Bring the lines of letters changed since the daemon last did up to date."""
    ledger = Ledger(path)
    timing = Timing.from_config(tracking)
    try:
        bring_up_to_date(ledger, timing)
    finally:
        ledger.close()


def _json(slices: Iterator[list[Line]]) -> Iterator[str]:
    """A JSON list, written as the slices come."""
    yield "["
    first = True
    for lines in slices:
        for line in lines:
            text = json.dumps(as_json(line), ensure_ascii=False)
            yield ("  " if first else ", ") + text
            first = False
    yield "]"


def _sections(path: Path) -> Sections:
    """What status reads of the config file. When one of those settings is not valid (or
    is written in a form only the model takes), the whole file is validated, so that its
    problems are told as everywhere else; the model is imported only then."""
    sections = read_sections(path)
    if sections is not None:
        return sections
    config = import_module("imprimfip.config.load").load_config(path, secrets=False)
    return Sections(config.ledger.path, tuple(f.name for f in config.flows), config.tracking)


def run(args: argparse.Namespace) -> int:
    try:
        config = _sections(args.config)
    except ConfigError as error:
        return report_config_error(error)
    if args.flow is not None and args.flow not in config.flows:
        known = ", ".join(config.flows)
        print(f"imprimfip status: no flow named {args.flow!r} in {args.config} (flows: {known})")
        return ExitCode.USAGE
    if not config.ledger_path.exists():
        print(f"No letter yet: the ledger {config.ledger_path} does not exist.")
        return ExitCode.OK
    _up_to_date(config.ledger_path, config.tracking)
    since = None
    if args.since is not None:
        since = iso(datetime.combine(args.since, time()).astimezone())
    wanted = reads.Slice(
        flow=args.flow,
        status=args.status,
        since=since,
        to_do=args.needs_attention,
    )
    slices = _slices(config.ledger_path, wanted, args.limit)
    empty = True
    for text in (_json if args.json else table)(slices):
        print(text)
        empty = False
    if empty:
        print("No letter matches." if args.flow or since or args.status else "No letter yet.")
    return ExitCode.OK
