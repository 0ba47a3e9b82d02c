"""The CSV report of a flow, for staff: opened in a spreadsheet by a double click.

UTF-8 with a byte order mark (so Excel reads the accents right), `;` between fields (the
separator of French spreadsheets), French headers and dates, one row per letter, the latest
deposit first. The file sits in the flow's root folder and is replaced atomically (written
beside it, then renamed), so a reader never sees half of it. `Reports` rewrites a flow's
report when something of it changed, at most once a second.

File names and messages come from anyone who can write to the share: a cell a spreadsheet
would read as a formula is written as text (OWASP's advice against CSV injection).
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import Callable, Iterable
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
MIN_INTERVAL_S = 1.0
REST_FACTOR = 10.0
# What makes a spreadsheet read a cell as a formula (or hide the character that does).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell: str) -> str:
    """The cell as a spreadsheet shows it without running it: a leading quote when it
    starts like a formula, which Excel and LibreOffice take as "this is text"."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def report_path(flow: FlowConfig) -> Path:
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


class Reports:
    """Keeps every flow's report up to date; `mark(flow)` when something of it changed."""

    def __init__(self, flows: Iterable[FlowConfig], lines: Callable[[str], list[Line]]) -> None:
        self._flows = {flow.name: flow for flow in flows}
        self._lines = lines
        self._dirty = set(self._flows)
        self._changed = asyncio.Event()
        self._changed.set()
        # Failed writes in a row, and when to try again, by flow.
        self._failures: dict[str, int] = {}
        self._not_before: dict[str, float] = {}

    def mark(self, flow: str) -> None:
        if flow in self._flows:
            self._dirty.add(flow)
            self._changed.set()

    def write(self, flow: str) -> bool:
        """Rewrite one flow's report now; False if the file cannot be written, for instance
        while a spreadsheet holds it open on a Windows share, or while the share is full.

        Said once when it starts failing and once when it works again; tried again after a
        backoff (a second, growing to a minute). The report has its own episode: it never
        pauses claiming, since a spreadsheet holding it open looks like a refused access.
        """
        path = report_path(self._flows[flow])
        try:
            crashpoints.fail("report.write", path)
            write_atomic(path, render(self._lines(flow)))
        except OSError as exc:
            failures = self._failures.get(flow, 0) + 1
            self._failures[flow] = failures
            self._not_before[flow] = time.monotonic() + retry_delay_s(failures)
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
            return False
        if self._failures.pop(flow, 0):
            log.info("report_written_again", flow=flow, path=str(path))
        return True

    async def run(self) -> None:
        """Rewrite what changed, then rest at least MIN_INTERVAL_S and ten times as long as
        the rewrite took, so a large report never takes more than a tenth of the daemon's
        time from deposits; run until cancelled."""
        while True:
            await self._changed.wait()
            self._changed.clear()
            started = time.monotonic()
            for flow in sorted(self._dirty):
                if self._not_before.get(flow, 0.0) > started:
                    self._changed.set()
                    continue
                self._dirty.discard(flow)
                if not self.write(flow):
                    self._dirty.add(flow)
                    self._changed.set()
            await asyncio.sleep(max(MIN_INTERVAL_S, REST_FACTOR * (time.monotonic() - started)))
