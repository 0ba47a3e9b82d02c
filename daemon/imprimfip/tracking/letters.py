"""Each letter as people see it, for the CSV report, the status page and `imprimfip status`.

One `Line` per letter: a mono-document file is one letter; a multi-document file is one
letter per business reference. `lines_of` is a pure function of what the ledger knows;
`keeper` keeps its result in the ledger as letters change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from imprimfip import reports_fr
from imprimfip.ledger import Letter, LetterState
from imprimfip.ledger.history import WHOLE_FILE, AlertRow, Ended, Status, Tracked
from imprimfip.ledger.store import moment
from imprimfip.letter_lines import Attention, Line
from imprimfip.tracking import finality
from imprimfip.tracking.alerts import DELIVERY_PROBLEMS
from imprimfip.tracking.schedule import DAY, Timing


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
                status=reports_fr.REFUSED_BEFORE,
                status_date=_date(letter.updated_at),
                message=(letter.reason or "").split("\n")[0],
                attention=Attention.REJECTED,
            )
        ]
    if letter.state is LetterState.UNCERTAIN:
        return [
            Line(
                **base,
                reference="",
                status=reports_fr.UNCERTAIN,
                status_date=deposited,
                message=reports_fr.UNCERTAIN_MESSAGE,
                attention=Attention.UNCERTAIN,
            )
        ]
    file = latest.get(WHOLE_FILE)
    documents = {ref: s for ref, s in latest.items() if ref != WHOLE_FILE}
    shown = list(documents.values()) or [file or Status(WHOLE_FILE, "", None, "")]
    overdue = any(alert.key == "overdue" for alert in alerts)
    lines = []
    for status in shown:
        label, date, message = _wording(status, deposited)
        attention = _attention(file, status, overdue=overdue)
        if attention is None and tracked is not None and tracked.ended is Ended.HORIZON:
            attention = Attention.NOT_FOLLOWED
            days = timing.horizon(tracked.sending_type) / DAY
            message = reports_fr.NOT_FOLLOWED.format(days=days)
        # The file's own status, or its only document's (named by the file's internalRef).
        whole = status.reference in (WHOLE_FILE, letter.internal_ref)
        reference = "" if whole else status.reference
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
        return reports_fr.RECEIVED, deposited, reports_fr.RECEIVED_MESSAGE
    return status.status, _date(status.date), status.message


def _attention(file: Status | None, status: Status, *, overdue: bool) -> Attention | None:
    file_status = file.status if file else None
    if finality.ERROR in (file_status, status.status) or (
        file_status == finality.SUBMITTED_WITH_ERRORS and status.reference == WHOLE_FILE
    ):
        return Attention.ERROR
    if status.status in DELIVERY_PROBLEMS:
        return Attention.DELIVERY
    shown = [] if status.reference == WHOLE_FILE else [status.status]
    if overdue and finality.awaiting_hand_over(file_status, shown):
        return Attention.OVERDUE
    return None
