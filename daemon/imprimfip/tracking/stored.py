"""A `Line` as the ledger keeps it (`ledger.lines`), and back.

Times are stored as ISO 8601 UTC strings, so they sort and compare as text; `at` is the
moment a line belongs to (its deposit, or its refusal for a letter never deposited): the
day and the month it is listed under on the status page and in the monthly reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from imprimfip.ledger.lines import line_id
from imprimfip.ledger.store import Letter, iso, moment
from imprimfip.letter_lines import Attention, Line

Row = tuple[object, ...]


def urgency(attention: str | None) -> int | None:
    """How urgent a reason to look is: the most urgent `Attention` is the highest."""
    order = list(Attention)
    return None if attention is None else len(order) - order.index(Attention(attention))


def row_of(letter: Letter, line: Line, place: int) -> Row:
    """The stored row of the `place`-th line of `letter`, in `ledger.lines.COLUMNS` order."""
    at = line.deposited_at or line.status_date or moment(letter.created_at)
    return (
        line_id(letter.id, place),
        letter.id,
        line.flow,
        line.file,
        line.internal_ref,
        line.reference,
        line.sending_type,
        iso(at),
        _text(line.deposited_at),
        line.status,
        _text(line.status_date),
        line.message,
        line.attention,
        urgency(line.attention),
        int(line.followed),
    )


def _text(value: datetime | None) -> str | None:
    return iso(value) if value is not None else None


def _time(value: object) -> datetime | None:
    return moment(str(value)) if value else None


def line_of(row: Mapping[str, object]) -> Line:
    """The `Line` of a stored row (an `sqlite3.Row` or a mapping of `COLUMNS`)."""
    return Line(
        letter_id=int(str(row["letter_id"])),
        flow=str(row["flow"]),
        file=str(row["file"]),
        internal_ref=str(row["internal_ref"]) if row["internal_ref"] is not None else None,
        reference=str(row["reference"]),
        sending_type=str(row["sending_type"]) if row["sending_type"] is not None else None,
        deposited_at=_time(row["deposited_at"]),
        status=str(row["status"]),
        status_date=_time(row["status_date"]),
        message=str(row["message"]),
        attention=Attention(str(row["attention"])) if row["attention"] is not None else None,
        followed=bool(row["followed"]),
    )


def month_of(at: str) -> str:
    """The month (YYYY-MM, in this machine's time zone) a stored `at` belongs to."""
    return moment(at).astimezone().strftime("%Y-%m")
