"""The CSV report of a flow, for staff: opened in a spreadsheet by a double click.

UTF-8 with a byte order mark (so Excel reads the accents right), `;` between fields (the
separator of French spreadsheets), French headers and dates, one row per letter, the latest
deposit first. Which files a flow has and when they are rewritten: `report_periods`; each
file is replaced atomically (written beside it, then renamed), so a reader never sees half
of it.

File names and messages come from anyone who can write to the share: a cell a spreadsheet
would read as a formula is written as text (OWASP's advice against CSV injection), in every
report file, the current one and the months'.
"""

from __future__ import annotations

import csv
import errno
import io
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from imprimfip import crashpoints, dates_fr
from imprimfip.config.model import FlowConfig
from imprimfip.letter_lines import Line
from imprimfip.moves import write_atomic
from imprimfip.reports_fr import SENDING_TYPES
from imprimfip.storage.classify import errno_name, storage_fault
from imprimfip.storage.episodes import retry_delay_s

log = structlog.get_logger(__name__)

FILE_NAME = "suivi-des-envois.csv"
HEADERS = (
    "date de dépôt",
    "fichier",
    "référence IMPRIM'FIP",
    "type d'envoi",
    "statut",
    "date du statut",
    "message",
    "référence du pli",
)
# The stored columns of a line that `render_stored` takes, in that order.
STORED_COLUMNS = (
    "deposited_at",
    "file",
    "internal_ref",
    "sending_type",
    "status",
    "status_date",
    "message",
    "reference",
)
# What makes a spreadsheet read a cell as a formula (or hide the character that does).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The ledger's timestamps in UTC: 2026-11-03T09:00:00.000000+00:00.
_UTC_ISO_LENGTH = 32


def report_path(flow: FlowConfig) -> Path:
    """The flow's current report, the one staff open."""
    return flow.root / FILE_NAME


def render(lines: Iterable[Line]) -> bytes:
    """The whole report as bytes: BOM, `;`, CRLF line ends, as spreadsheets expect."""
    return _table(
        (
            dates_fr.in_table(line.deposited_at) if line.deposited_at else "",
            line.file,
            line.internal_ref or "",
            _sending_type(line.sending_type),
            line.status,
            dates_fr.in_table(line.status_date) if line.status_date else "",
            line.message,
            line.reference,
        )
        for line in lines
    )


def render_stored(rows: Iterable[Sequence[str | None]]) -> bytes:
    """`render` of lines as the ledger stores them, `STORED_COLUMNS` in that order, each
    cell made straight from its text: a report of thousands of lines costs no object per
    line and converts each minute's date once."""
    shown = _dates()
    return _table(
        (
            shown(deposited),
            file or "",
            internal_ref or "",
            _sending_type(kind),
            status or "",
            shown(dated),
            message or "",
            reference or "",
        )
        for deposited, file, internal_ref, kind, status, dated, message, reference in rows
    )


def _sending_type(code: str | None) -> str:
    return SENDING_TYPES.get(code or "", code or "")


def _dates() -> Callable[[str | None], str]:
    """The table's date of a stored timestamp. The machine's zone is asked once per UTC hour
    of one report (it may change between two reports) when it is a whole number of hours
    off UTC throughout that hour, as it is in France: the minutes are then UTC's."""
    hours: dict[str, str] = {}

    def shown(stored: str | None) -> str:
        if not stored:
            return ""
        if len(stored) != _UTC_ISO_LENGTH or not stored.endswith("+00:00"):
            return dates_fr.in_table(datetime.fromisoformat(stored))
        hour = hours.get(stored[:13])
        if hour is None:
            hour = hours[stored[:13]] = _local_hour(stored[:13])
        return hour + stored[14:16] if hour else dates_fr.in_table(datetime.fromisoformat(stored))

    return shown


def _local_hour(utc_hour: str) -> str:
    """'dd/mm/YYYY HH:' of the UTC hour `utc_hour` (YYYY-MM-DDTHH) in the machine's zone,
    or '' if the zone is not a whole number of hours off UTC throughout it."""
    start = datetime.fromisoformat(f"{utc_hour}:00:00+00:00")
    first = dates_fr.in_table(start)
    last = dates_fr.in_table(start + timedelta(minutes=59))
    return first[:-2] if first.endswith(":00") and last == first[:-2] + "59" else ""


def _table(rows: Iterable[Iterable[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    # A cell that starts like a formula gets a leading quote, which Excel and LibreOffice
    # take as "this is text": shown, never run.
    starts = FORMULA_STARTS
    writer.writerows([f"'{c}" if c.startswith(starts) else c for c in cells] for cells in rows)
    return out.getvalue().encode("utf-8-sig")


def write_report(path: Path, lines: Iterable[Line]) -> None:
    """Replace the report file at `path` with these lines (OSError if it cannot be). The
    flow's folder is not made for it: while it is missing, its share is not there."""
    write_rendered(path, render(lines))


def write_rendered(path: Path, data: bytes) -> None:
    """Replace the report file at `path` with `data`, rendered by `render` or
    `render_stored` (OSError if it cannot be)."""
    crashpoints.fail("report.write", path)
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "the flow's folder is missing", str(path.parent))
    write_atomic(path, data)


class WriteFaults:
    """The failed writes of each report file in a row, and when to try it again.

    A report that cannot be written (a spreadsheet holds it open on a Windows share, the
    share is full) is said once when it starts failing and once when it works again, and
    tried again after a backoff (a second, growing to a minute). Reports have their own
    episodes: they never pause claiming, since a spreadsheet holding a file open looks like
    a refused access.
    """

    def __init__(self) -> None:
        self._failures: dict[Path, int] = {}
        self._not_before: dict[Path, float] = {}

    def due(self, path: Path) -> bool:
        return self._not_before.get(path, 0.0) <= time.monotonic()

    def failed(self, flow: str, path: Path, exc: OSError) -> None:
        failures = self._failures.get(path, 0) + 1
        self._failures[path] = failures
        self._not_before[path] = time.monotonic() + retry_delay_s(failures)
        if failures == 1:
            fault = storage_fault(exc, path)
            log.warning(
                "report_not_written",
                flow=flow,
                path=str(path),
                error=errno_name(exc.errno),
                kind=None if fault is None else str(fault.detail.kind),
                detail=str(exc),
            )

    def succeeded(self, flow: str, path: Path) -> None:
        self._not_before.pop(path, None)
        if self._failures.pop(path, 0):
            log.info("report_written_again", flow=flow, path=str(path))
