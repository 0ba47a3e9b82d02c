"""What a status answer says, as the ledger records it, and what changed since last time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from imprimfip.ledger.history import WHOLE_FILE, Status

if TYPE_CHECKING:
    # Only the poller holds an answer: `imprimfip status` reads the lines without the API's
    # models.
    from imprimfip.api.models import FileStatusReport


def _date(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def statuses(report: FileStatusReport) -> list[Status]:
    """The file's status (reference WHOLE_FILE) then one per document, by business reference.

    For a mono-document file the document's reference is the file's internalRef (spec).
    """
    found = [Status(WHOLE_FILE, report.status, _date(report.analyze_time), report.message)]
    found += [Status(d.reference, d.status, _date(d.date), d.message) for d in report.docs]
    return found


def changes(latest: Mapping[str, Status], seen: list[Status]) -> list[Status]:
    """The statuses in `seen` that differ from the latest recorded for their reference:
    a new status, date or message is a change; the same again is not."""
    return [status for status in seen if latest.get(status.reference) != status]


def documents(latest: Mapping[str, Status]) -> list[str]:
    """The documents' latest statuses (without the file's own)."""
    return [s.status for ref, s in latest.items() if ref != WHOLE_FILE]


def file_status(latest: Mapping[str, Status]) -> str | None:
    status = latest.get(WHOLE_FILE)
    return status.status if status is not None else None
