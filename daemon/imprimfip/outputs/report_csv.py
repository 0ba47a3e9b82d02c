"""The CSV report of a flow, for staff: opened in a spreadsheet by a double click (issue 6).

UTF-8 with a byte order mark (so Excel reads the accents right), `;` between fields (the
separator of French spreadsheets), French headers and dates, one row per letter, the latest
deposit first. Which files a flow has and when they are rewritten: `report_periods`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from imprimfip.tracking.letters import Line
from imprimfip.tracking.messages_fr import SENDING_TYPES, french_date

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


def render(lines: Iterable[Line]) -> bytes:
    """The whole report as bytes: BOM, `;`, CRLF line ends, as spreadsheets expect."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for line in lines:
        writer.writerow(
            (
                french_date(line.deposited_at) if line.deposited_at else "",
                line.file,
                line.internal_ref or "",
                SENDING_TYPES.get(line.sending_type or "", line.sending_type or ""),
                line.status,
                french_date(line.status_date) if line.status_date else "",
                line.message,
                line.reference,
            )
        )
    return out.getvalue().encode("utf-8-sig")
