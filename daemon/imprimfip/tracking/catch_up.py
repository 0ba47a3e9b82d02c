"""The lines of many letters at once, in SQL: how the keeper catches up after an upgrade.

After the upgrade that keeps each letter's lines (README, "Upgrade"), every letter of the
ledger waits for its lines. Computing them one letter at a time in Python (`letters.lines_of`)
costs minutes at a million letters; `fill` computes those of a whole range of letter ids in
a few statements, inside SQLite, and stores them. It gives the same rows as `lines_of` and
`stored.row_of` (a test compares both on letters in every state) and takes only what it can
give exactly: a letter whose lines it cannot compute exactly (a date it cannot turn into
the ledger's own form, a sending type without a horizon, lines already stored) keeps its
mark for `refresh.refresh`.

Dates: the ledger keeps statuses' dates as the service gave them (`2026-11-03T10:15:00+01:00`)
and lines in UTC with microseconds (`store.iso`). SQLite turns a date with an offset and at
most milliseconds into UTC exactly; any other form is left to Python.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from imprimfip import reports_fr
from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger import lines as stored_lines
from imprimfip.ledger.history import Ended
from imprimfip.letter_lines import Attention
from imprimfip.tracking import finality
from imprimfip.tracking.alerts import DELIVERY_PROBLEMS
from imprimfip.tracking.schedule import DAY, Timing
from imprimfip.tracking.stored import urgency

_D = "[0-9]"
_DAY_TIME = f"{_D * 4}-{_D * 2}-{_D * 2}T{_D * 2}:{_D * 2}:{_D * 2}"
_OFFSET = f"[+-]{_D * 2}:{_D * 2}"
# The ledger's own form; then forms SQLite converts to it exactly (seconds, milliseconds).
_ISO = f"{_DAY_TIME}.{_D * 6}+00:00"
_CONVERTIBLE = (f"{_DAY_TIME}{_OFFSET}", f"{_DAY_TIME}.{_D * 3}000{_OFFSET}")


def _iso(column: str) -> str:
    """SQL for `store.iso(moment(column))`, NULL for NULL or ''."""
    converted = " OR ".join(f"{column} GLOB '{form}'" for form in _CONVERTIBLE)
    return (
        f"(CASE WHEN {column} GLOB '{_ISO}' THEN {column} WHEN {converted} "
        f"THEN strftime('%Y-%m-%dT%H:%M:%f', {column}) || '000+00:00' END)"
    )


def _exact(raw: str, converted: str) -> str:
    """SQL: whether `converted` (`_iso(raw)`) is what Python makes of `raw`."""
    return f"({raw} IS NULL OR {raw} = '' OR {converted} IS NOT NULL)"


def _text(value: str) -> str:
    """A string as an SQL literal (the wording of `reports_fr` and of the service's statuses
    is written into the statement, once)."""
    return "'" + value.replace("'", "''") + "'"


def _among(values: Iterable[str]) -> str:
    return "(" + ", ".join(_text(value) for value in sorted(values)) + ")"


@dataclass(frozen=True)
class Filled:
    """What one `fill` did: letters taken (their marks cleared), lines stored."""

    letters: int
    lines: int


# Letters whose lines one catch-up step fills: its write transaction stays well under the
# event loop's stall threshold (README, "Performance and reliability").
CATCH_UP_LETTERS = 1_500
# Lines of the letters in these states are shown; a letter leaving them (void) loses them.
SHOWN = frozenset({LetterState.DEPOSITED, LetterState.UNCERTAIN, LetterState.REJECTED})

_TEMP = (
    "CREATE TEMP TABLE IF NOT EXISTS catch_up_letters (id INTEGER PRIMARY KEY, mark INTEGER)",
    f"CREATE TEMP TABLE IF NOT EXISTS catch_up_lines ({', '.join(stored_lines.COLUMNS)}, exact)",
)

# Each letter's latest status for its file (reference '') and for each document, the
# documents in the order they were first seen, as `History.facts` and `lines_of` take them.
# The statuses are read in the order of their index (letters `:low` to `:high`): grouped as
# they come, without a sort.
_SHOWN = f"""
latest AS MATERIALIZED (
    SELECT g.letter_id, g.reference, g.first_id, h.status, h.status_date, h.message
    FROM (
        SELECT s.letter_id, s.reference, max(s.id) AS last_id, min(s.id) AS first_id
        FROM status_history s WHERE s.letter_id BETWEEN :low AND :high
            AND s.letter_id IN (SELECT id FROM catch_up_letters)
        GROUP BY s.letter_id, s.reference
    ) g JOIN status_history h ON h.id = g.last_id
),
documents AS MATERIALIZED (
    SELECT letter_id, reference, status, status_date, message,
        row_number() OVER (PARTITION BY letter_id ORDER BY first_id) - 1 AS place
    FROM latest WHERE reference != ''
),
letter AS MATERIALIZED (
    SELECT l.id, l.flow, l.name, l.internal_ref, l.state, l.reason, l.updated_at,
        l.created_at, t.letter_id IS NOT NULL AS tracked, t.sending_type, t.ended,
        t.next_poll_at,
        CASE WHEN t.letter_id IS NOT NULL THEN t.deposited_at ELSE l.submitting_since END
            AS deposited_raw,
        f.status AS file_status, f.status_date AS file_date, f.message AS file_message,
        EXISTS (SELECT 1 FROM alerts a WHERE a.letter_id = l.id AND a.key = 'overdue')
            AS overdue
    FROM catch_up_letters c CROSS JOIN letters l ON l.id = c.id
    LEFT JOIN tracking t ON t.letter_id = l.id
    LEFT JOIN latest f ON f.letter_id = l.id AND f.reference = ''
    WHERE l.state IN {_among(SHOWN)}
),
-- One line for each document of a deposited letter, else one for the letter itself.
shown AS (
    SELECT l.*, coalesce(d.place, 0) AS place, coalesce(d.reference, '') AS reference,
        CASE WHEN d.letter_id IS NOT NULL THEN d.status
            WHEN l.state = '{LetterState.DEPOSITED}' THEN coalesce(l.file_status, '')
            ELSE '' END AS status,
        CASE WHEN d.letter_id IS NOT NULL THEN d.status_date
            WHEN l.state = '{LetterState.DEPOSITED}' THEN l.file_date END AS status_date,
        CASE WHEN d.letter_id IS NOT NULL THEN d.message
            WHEN l.state = '{LetterState.DEPOSITED}' THEN coalesce(l.file_message, '')
            ELSE '' END AS message
    FROM letter l
    LEFT JOIN documents d ON d.letter_id = l.id AND l.state = '{LetterState.DEPOSITED}'
)
"""


def _statement(timing: Timing) -> str:
    """The INSERT of every line of the letters in `catch_up_letters` into `catch_up_lines`
    (`letters.lines_of`, then `stored.row_of`, as SQL)."""
    error, with_errors = _text(finality.ERROR), _text(finality.SUBMITTED_WITH_ERRORS)
    not_awaited = _among(finality.HANDED_OVER | finality.NOT_TO_BE_SHIPPED)
    horizons = " ".join(
        f"WHEN {_text(kind)} THEN {_text(reports_fr.NOT_FOLLOWED.format(days=seconds / DAY))}"
        for kind, seconds in sorted(timing.horizon_s.items())
    )
    rejected, uncertain = _text(LetterState.REJECTED), _text(LetterState.UNCERTAIN)
    received = "s.status = ''"
    attention = f"""CASE
        WHEN s.state = {rejected} THEN {_text(Attention.REJECTED)}
        WHEN s.state = {uncertain} THEN {_text(Attention.UNCERTAIN)}
        WHEN s.file_status = {error} OR s.status = {error}
            OR (s.file_status = {with_errors} AND s.reference = '') THEN {_text(Attention.ERROR)}
        WHEN s.status IN {_among(DELIVERY_PROBLEMS)} THEN {_text(Attention.DELIVERY)}
        WHEN s.overdue AND (s.reference = '' OR s.file_status IS NULL
            OR s.file_status = {_text(finality.SUBMITTING)} OR s.status NOT IN {not_awaited})
            THEN {_text(Attention.OVERDUE)}
        WHEN s.tracked AND s.ended = {_text(Ended.HORIZON)} THEN {_text(Attention.NOT_FOLLOWED)}
    END"""
    date = f"""CASE
        WHEN s.state = {rejected} THEN s.updated_at
        WHEN s.state = {uncertain} OR {received} THEN s.deposited_raw
        ELSE s.status_date END"""
    status = f"""CASE
        WHEN s.state = {rejected} THEN {_text(reports_fr.REFUSED_BEFORE)}
        WHEN s.state = {uncertain} THEN {_text(reports_fr.UNCERTAIN)}
        WHEN {received} THEN {_text(reports_fr.RECEIVED)} ELSE s.status END"""
    reason = "coalesce(s.reason, '')"
    message = f"""CASE
        WHEN s.state = {rejected} THEN CASE WHEN instr({reason}, char(10))
            THEN substr({reason}, 1, instr({reason}, char(10)) - 1) ELSE {reason} END
        WHEN s.state = {uncertain} THEN {_text(reports_fr.UNCERTAIN_MESSAGE)}
        WHEN s.attention = {_text(Attention.NOT_FOLLOWED)} THEN CASE s.sending_type {horizons} END
        WHEN {received} THEN {_text(reports_fr.RECEIVED_MESSAGE)} ELSE s.message END"""
    urgencies = " ".join(f"WHEN {_text(kind)} THEN {urgency(kind)}" for kind in Attention)
    # Materialized steps: each expression is evaluated once per line, not once per use.
    return f"""
    INSERT INTO catch_up_lines
    WITH {_SHOWN},
    attended AS MATERIALIZED (
        SELECT s.*, {attention} AS attention, {date} AS date_raw FROM shown s
    ),
    worded AS MATERIALIZED (
        SELECT s.*, {status} AS shown_status, {message} AS shown_message,
            {_iso("s.deposited_raw")} AS deposited, {_iso("s.date_raw")} AS date,
            {_iso("s.created_at")} AS created
        FROM attended s
    )
    SELECT (id << {stored_lines.LINE_BITS}) | ({stored_lines.LAST_PLACE} - place), id, flow,
        name, internal_ref,
        CASE WHEN reference = '' OR reference = internal_ref THEN '' ELSE reference END,
        sending_type, coalesce(deposited, date, created), deposited, shown_status, date,
        shown_message, attention, CASE attention {urgencies} END,
        tracked AND next_poll_at IS NOT NULL,
        {_exact("deposited_raw", "deposited")} AND {_exact("date_raw", "date")}
            AND created IS NOT NULL AND shown_message IS NOT NULL
    FROM worded
    """


def _no_lines(letter_id: str) -> str:
    """SQL: whether the letter of id `letter_id` has no lines stored."""
    first, bits = f"{letter_id} << {stored_lines.LINE_BITS}", stored_lines.LAST_PLACE
    return (
        f"NOT EXISTS (SELECT 1 FROM letter_lines x WHERE x.id BETWEEN {first} AND "
        f"({first}) | {bits})"
    )


class Filler:
    """Fills the lines of letters waiting for theirs, a range of ids at a time."""

    def __init__(self, timing: Timing) -> None:
        self._insert = _statement(timing)

    def fill_below(self, ledger: Ledger, high: int, letters: int) -> tuple[Filled, int | None]:
        """`fill` the next `letters` waiting letters of ids up to `high`, the latest first;
        with the id to go on below (None when none is left)."""
        row = ledger.connection.execute(
            "SELECT min(letter_id) FROM (SELECT letter_id FROM changed_letters "
            "WHERE letter_id <= ? ORDER BY letter_id DESC LIMIT ?)",
            (high, letters),
        ).fetchone()
        if row[0] is None:
            return Filled(0, 0), None
        return self.fill(ledger, row[0], high), row[0] - 1

    def fill(self, ledger: Ledger, low: int, high: int) -> Filled:
        """Store the lines of the waiting letters of ids `low`..`high` that have none yet,
        and clear their marks.

        The lines are computed first, in temporary tables, under a read transaction that
        holds no writer back; the write transaction then only stores them, for the letters
        whose marks have not moved meanwhile, so a deposit never waits long for the ledger.
        """
        db = ledger.connection
        with ledger.faults():
            db.execute("BEGIN")
            try:
                self._compute(db, low, high)
            finally:
                db.execute("COMMIT")
        with ledger.transaction() as write:
            return _store(write)

    def _compute(self, db: sqlite3.Connection, low: int, high: int) -> None:
        for table in _TEMP:
            db.execute(table)
        db.execute("DELETE FROM catch_up_letters")
        db.execute("DELETE FROM catch_up_lines")
        db.execute(
            "INSERT INTO catch_up_letters SELECT c.letter_id, c.mark FROM changed_letters c "
            f"WHERE c.letter_id BETWEEN ? AND ? AND {_no_lines('c.letter_id')}",
            (low, high),
        )
        db.execute(self._insert, {"low": low, "high": high})
        db.execute(
            "DELETE FROM catch_up_letters WHERE id IN "
            "(SELECT letter_id FROM catch_up_lines WHERE NOT exact)"
        )


def _store(db: sqlite3.Connection) -> Filled:
    """Store the lines computed, of the letters still as they were read."""
    db.execute(
        "DELETE FROM catch_up_letters AS t WHERE NOT EXISTS (SELECT 1 FROM changed_letters c "
        f"WHERE c.letter_id = t.id AND c.mark = t.mark) OR NOT {_no_lines('t.id')}"
    )
    columns = ", ".join(stored_lines.COLUMNS)
    stored = db.execute(
        f"INSERT INTO letter_lines SELECT {columns} FROM catch_up_lines "
        "WHERE letter_id IN (SELECT id FROM catch_up_letters) ORDER BY id"
    ).rowcount
    db.execute(
        "INSERT INTO report_months SELECT DISTINCT flow, strftime('%Y-%m', at, 'localtime'), "
        "1 FROM catch_up_lines WHERE letter_id IN (SELECT id FROM catch_up_letters) "
        "ON CONFLICT DO UPDATE SET mark = mark + 1"
    )
    taken = db.execute(
        "DELETE FROM changed_letters WHERE letter_id IN (SELECT id FROM catch_up_letters)"
    ).rowcount
    return Filled(taken, stored)
