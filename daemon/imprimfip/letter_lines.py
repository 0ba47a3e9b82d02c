"""Each letter as people see it: one `Line` per letter, for the CSV report, the status page
and `imprimfip status`. `tracking.letters` builds the lines; the report, the page and the
command show them without knowing how they were built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Attention(StrEnum):
    """Why a letter needs someone, most urgent first (the status page lists them in this
    order; `reports_fr.ATTENTION_LABELS` words them for staff)."""

    UNCERTAIN = "uncertain"
    REJECTED = "rejected"
    ERROR = "error"
    OVERDUE = "overdue"
    DELIVERY = "delivery"
    NOT_FOLLOWED = "not_followed"


@dataclass(frozen=True)
class Line:
    """One letter: where it stands, and whether someone should look at it."""

    letter_id: int
    flow: str
    file: str
    internal_ref: str | None
    reference: str  # the business reference; '' for a mono-document file
    sending_type: str | None
    deposited_at: datetime | None
    status: str
    status_date: datetime | None
    message: str
    attention: Attention | None
    followed: bool  # still asked about
