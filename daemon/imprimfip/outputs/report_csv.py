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
from collections.abc import Iterable
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
# What makes a spreadsheet read a cell as a formula (or hide the character that does).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell: str) -> str:
    """The cell as a spreadsheet shows it without running it: a leading quote when it
    starts like a formula, which Excel and LibreOffice take as "this is text"."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def report_path(flow: FlowConfig) -> Path:
    """The flow's current report, the one staff open."""
    return flow.root / FILE_NAME


def render(lines: Iterable[Line]) -> bytes:
    """The whole report as bytes: BOM, `;`, CRLF line ends, as spreadsheets expect."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for line in lines:
        cells = (
            dates_fr.in_table(line.deposited_at) if line.deposited_at else "",
            line.file,
            line.internal_ref or "",
            SENDING_TYPES.get(line.sending_type or "", line.sending_type or ""),
            line.status,
            dates_fr.in_table(line.status_date) if line.status_date else "",
            line.message,
            line.reference,
        )
        writer.writerow(as_text(cell) for cell in cells)
    return out.getvalue().encode("utf-8-sig")


def write_report(path: Path, lines: Iterable[Line]) -> None:
    """Replace the report file at `path` with these lines (OSError if it cannot be). The
    flow's folder is not made for it: while it is missing, its share is not there."""
    crashpoints.fail("report.write", path)
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "the flow's folder is missing", str(path.parent))
    write_atomic(path, render(lines))


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
