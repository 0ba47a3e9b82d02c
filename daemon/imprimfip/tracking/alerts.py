"""Which alerts a letter's statuses call for, and their words.

`alerts_for` is a pure function of what is known now; it lists every alert the situation
justifies, and the ledger keeps each (letter, key) once, so an alert is raised the first
time it is justified and never again. Keys:

- `error:<reference>`: the file is in "Erreur" (reference ''), or a document is, or the
  file was "Soumis avec des erreurs" (one alert per document in error);
- `overdue`: not handed over to the post `overdue_after` (2 days) after the deposit;
- `delivery:<reference>`: a registered letter refused, not collected, or not delivered.

`RAISED` counts the alerts raised since start by (flow, kind), for the metrics endpoint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from imprimfip import reports_fr
from imprimfip.ledger.history import WHOLE_FILE, Status, Tracked
from imprimfip.ledger.store import iso
from imprimfip.tracking import finality
from imprimfip.tracking.observe import documents, file_status
from imprimfip.tracking.schedule import Timing

RAISED: Counter[tuple[str, str]] = Counter()


class AlertKind(StrEnum):
    """What an alert is about: its `kind` for scripts and metrics; `reports_fr` words it."""

    FILE_ERROR = "file_error"
    SUBMITTED_WITH_ERRORS = "submitted_with_errors"
    DOCUMENT_ERROR = "document_error"
    OVERDUE = "overdue"
    REFUSED = "refused"
    NEGLECTED = "neglected"
    DELIVERY_FAILED = "delivery_failed"


DELIVERY_PROBLEMS = {
    finality.REFUSED: AlertKind.REFUSED,
    finality.NEGLECTED: AlertKind.NEGLECTED,
    finality.DELIVERY_FAILED: AlertKind.DELIVERY_FAILED,
}


@dataclass(frozen=True)
class Alert:
    key: str
    kind: AlertKind
    reference: str
    status: str
    message: str


def alerts_for(
    tracked: Tracked, latest: Mapping[str, Status], now: datetime, timing: Timing
) -> list[Alert]:
    """Every alert the latest statuses of a letter justify at `now`."""
    found = _errors(latest)
    for ref, status in latest.items():
        kind = DELIVERY_PROBLEMS.get(status.status)
        if ref != WHOLE_FILE and kind is not None:
            found.append(Alert(f"delivery:{ref}", kind, ref, status.status, status.message))
    late = timing.age(tracked.deposited_at, now) >= timing.overdue_after_s
    if late and finality.awaiting_hand_over(file_status(latest), documents(latest)):
        found.append(Alert("overdue", AlertKind.OVERDUE, WHOLE_FILE, _waiting_status(latest), ""))
    return found


def _waiting_status(latest: Mapping[str, Status]) -> str:
    """The status to show for a late letter: of a document still waiting, else the file's."""
    for ref, status in latest.items():
        if ref != WHOLE_FILE and finality.awaiting_hand_over(finality.SUBMITTED, [status.status]):
            return status.status
    current = latest.get(WHOLE_FILE)
    return current.status if current else ""


def _errors(latest: Mapping[str, Status]) -> list[Alert]:
    file = latest.get(WHOLE_FILE)
    if file is not None and file.status == finality.ERROR:
        return [Alert("error:", AlertKind.FILE_ERROR, WHOLE_FILE, file.status, file.message)]
    with_errors = file is not None and file.status == finality.SUBMITTED_WITH_ERRORS
    kind = AlertKind.SUBMITTED_WITH_ERRORS if with_errors else AlertKind.DOCUMENT_ERROR
    found = [
        Alert(f"error:{ref}", kind, ref, s.status, s.message)
        for ref, s in latest.items()
        if ref != WHOLE_FILE and s.status == finality.ERROR
    ]
    if with_errors and not found:
        assert file is not None
        found.append(Alert("error:", kind, WHOLE_FILE, file.status, file.message))
    return found


def body(alert: Alert, tracked: Tracked, now: datetime) -> dict[str, Any]:
    """The alert as notifiers get it: facts for scripts (English keys), text for people."""
    # A mono-document file's document is referenced by the file's internalRef (spec).
    reference = "" if alert.reference == tracked.internal_ref else alert.reference
    return {
        "kind": alert.kind,
        "flow": tracked.flow,
        "file": tracked.name,
        "internal_ref": tracked.internal_ref,
        "reference": reference,
        "sending_type": tracked.sending_type,
        "status": alert.status,
        "message": alert.message,
        "deposited_at": iso(tracked.deposited_at),
        "raised_at": iso(now),
        "subject": reports_fr.alert_subject(alert.kind, tracked.name),
        "text": reports_fr.alert_text(
            alert.kind,
            what=reports_fr.letter_name(tracked.name, reference),
            status=alert.status,
            message=alert.message,
            deposited=tracked.deposited_at,
        ),
    }
