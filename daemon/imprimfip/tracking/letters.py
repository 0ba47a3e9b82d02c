"""Each letter as people see it, for the CSV report, the status page and `imprimfip status`.

One `Line` per letter: a mono-document file is one letter; a multi-document file is one
letter per business reference. `lines_of` is a pure function of what the ledger knows;
`keeper` keeps its result in the ledger as letters change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from imprimfip.ledger import Letter, LetterState
from imprimfip.ledger.history import FILE, AlertRow, Status, Tracked, moment
from imprimfip.tracking import finality, messages_fr
from imprimfip.tracking.alerts import DELIVERY_PROBLEMS
from imprimfip.tracking.schedule import DAY, Timing

# Why a letter needs someone, most urgent first (the status page lists them in this order).
ATTENTION = ("uncertain", "rejected", "error", "overdue", "delivery", "not_followed")


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
    attention: str | None  # one of ATTENTION, or None
    followed: bool  # still asked about


def _date(text: str | None) -> datetime | None:
    return moment(text) if text else None


def lines_of(
    letter: Letter,
    tracked: Tracked | None,
    latest: Mapping[str, Status],
    alerts: Sequence[AlertRow],
    timing: Timing,
) -> list[Line]:
    """The lines of one deposited, uncertain or refused letter."""
    deposited = tracked.deposited_at if tracked else _date(letter.submitting_since)
    base = {
        "letter_id": letter.id,
        "flow": letter.flow,
        "file": letter.name,
        "internal_ref": letter.internal_ref,
        "sending_type": tracked.sending_type if tracked else None,
        "deposited_at": deposited,
        "followed": tracked is not None and tracked.next_poll_at is not None,
    }
    if letter.state is LetterState.REJECTED:
        # Never deposited: staff must fix it; the note in error/ says how.
        return [
            Line(
                **base,
                reference="",
                status=messages_fr.REFUSED_BEFORE,
                status_date=_date(letter.updated_at),
                message=(letter.reason or "").split("\n")[0],
                attention="rejected",
            )
        ]
    if letter.state is LetterState.UNCERTAIN:
        return [
            Line(
                **base,
                reference="",
                status=messages_fr.UNCERTAIN,
                status_date=deposited,
                message=messages_fr.UNCERTAIN_MESSAGE,
                attention="uncertain",
            )
        ]
    file = latest.get(FILE)
    documents = {ref: s for ref, s in latest.items() if ref != FILE}
    shown = list(documents.values()) or [file or Status(FILE, "", None, "")]
    overdue = any(alert.key == "overdue" for alert in alerts)
    lines = []
    for status in shown:
        label, date, message = _wording(status, deposited)
        attention = _attention(file, status, overdue=overdue)
        if attention is None and tracked is not None and tracked.ended == "horizon":
            attention = "not_followed"
            days = timing.horizon(tracked.sending_type) / DAY
            message = messages_fr.NOT_FOLLOWED.format(days=days)
        reference = "" if status.reference in (FILE, letter.internal_ref) else status.reference
        lines.append(
            Line(
                **base,
                reference=reference,
                status=label,
                status_date=date,
                message=message,
                attention=attention,
            )
        )
    return lines


def _wording(status: Status, deposited: datetime | None) -> tuple[str, datetime | None, str]:
    if not status.status:
        return messages_fr.RECEIVED, deposited, messages_fr.RECEIVED_MESSAGE
    return status.status, _date(status.date), status.message


def _attention(file: Status | None, status: Status, *, overdue: bool) -> str | None:
    file_status = file.status if file else None
    if finality.ERROR in (file_status, status.status) or (
        file_status == finality.SUBMITTED_WITH_ERRORS and status.reference == FILE
    ):
        return "error"
    if status.status in DELIVERY_PROBLEMS:
        return "delivery"
    shown = [] if status.reference == FILE else [status.status]
    if overdue and finality.awaiting_hand_over(file_status, shown):
        return "overdue"
    return None
