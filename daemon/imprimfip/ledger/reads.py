"""Bounded reads of the letters' lines (`ledger.lines`), on read-only connections.

Every list is one slice through an index: at most `limit` lines, after a cursor (a line id;
for the letters to look at, their urgency and id), so a page costs the same on the first
day and the thousandth. Counts come from `line_counts`, kept as lines change. A search
matches words of the file name, the IMPRIM'FIP reference or the business reference by
their beginning, without case or accents (SQLite FTS5, `match_expression`).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imprimfip.ledger.lines import COLUMNS, LAST_PLACE, line_id

if TYPE_CHECKING:
    from imprimfip.ledger.workers import Deadline

# The progress handler is called every this many SQLite steps (about a millisecond).
_STEPS = 10_000
_WORD = re.compile(r"[^\W_]+")  # as FTS5's unicode61 splits words
_SELECT = f"SELECT {', '.join('l.' + c for c in COLUMNS)} FROM letter_lines l"


def read_only(path: Path, deadline: Deadline | None = None) -> sqlite3.Connection:
    """A connection that cannot write; with a deadline, a query past it is interrupted."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA busy_timeout = 10000")
    if deadline is not None:
        db.set_progress_handler(lambda: int(deadline.passed()), _STEPS)
    return db


@dataclass(frozen=True)
class Slice:
    """Which lines a list shows: all of these conditions, the latest first.

    `since`/`until` bound `at` (ISO UTC); `to_do` keeps the lines needing someone, the
    most urgent first; `words` searches; `after` is the cursor of the previous slice.
    """

    flow: str | None = None
    status: str | None = None
    since: str | None = None
    until: str | None = None
    to_do: bool = False
    words: str = ""
    after: tuple[int, ...] | None = None
    limit: int = 50


def match_expression(words: str) -> str:
    """An FTS5 query: every group typed (between spaces) must be found, in any order; the
    words of a group follow each other ("FAC-2026-2" is "fac", "2026", then a word that
    begins with "2"), the last one by its beginning."""
    groups = [_WORD.findall(group) for group in words.split()]
    return " ".join(f'"{" ".join(found)}"*' for found in groups if found)


def lines(db: sqlite3.Connection, wanted: Slice) -> list[sqlite3.Row]:
    """One slice of lines; the cursor of the next is `cursor(last row, wanted)`.

    A status or a day of every flow is the latest lines of each flow's index, merged.
    """
    by_flow = wanted.status is not None or wanted.since is not None
    if wanted.flow is None and by_flow and not (wanted.words or wanted.to_do):
        flows = [row[0] for row in db.execute("SELECT DISTINCT flow FROM line_counts")]
        parts = [_query(replace(wanted, flow=flow)) for flow in flows]
        if not parts:
            return []
        merged = " UNION ALL ".join(f"SELECT * FROM ({sql})" for sql, _ in parts)
        params = [value for _, values in parts for value in values]
        query = f"SELECT * FROM ({merged}) ORDER BY id DESC LIMIT ?"
        return db.execute(query, (*params, wanted.limit)).fetchall()
    sql, params = _query(wanted)
    return db.execute(sql, params).fetchall()


def _query(wanted: Slice) -> tuple[str, list[object]]:
    where: list[str] = []
    params: list[object] = []
    source = _SELECT
    if wanted.words:
        source += " JOIN line_words w ON w.rowid = l.id"
        where.append("line_words MATCH ?")
        params.append(match_expression(wanted.words))
    # A search walks the word index, latest first: no other index may drive it.
    column_of = "+l.{}" if wanted.words else "l.{}"
    for column, value in (("flow", wanted.flow), ("status", wanted.status)):
        if value is not None:
            where.append(f"{column_of.format(column)} = ?")
            params.append(value)
    if wanted.since is not None:
        # Without an end, walk the lines latest first rather than every line since then.
        where.append("l.at >= ?" if wanted.until is not None else "+l.at >= ?")
        params.append(wanted.since)
    if wanted.until is not None:
        where.append("l.at < ?")
        params.append(wanted.until)
    key = "w.rowid" if wanted.words else "l.id"
    order = f"{key} DESC"
    if wanted.to_do:
        where.append("l.urgency IS NOT NULL")
        key, order = "(l.urgency, l.id)", "l.urgency DESC, l.id DESC"
    if wanted.after is not None:
        where.append(f"{key} < ({', '.join('?' * len(wanted.after))})")
        params.extend(wanted.after)
    query = source + (" WHERE " + " AND ".join(where) if where else "")
    return f"{query} ORDER BY {order} LIMIT ?", [*params, wanted.limit]


def cursor(row: sqlite3.Row, wanted: Slice) -> tuple[int, ...]:
    """Where the slice after the one ending with `row` starts."""
    return (row["urgency"], row["id"]) if wanted.to_do else (row["id"],)


def counts(db: sqlite3.Connection) -> list[tuple[str, str, str, int]]:
    """(flow, status, attention or '', lines) for every status shown at least once."""
    rows = db.execute(
        "SELECT flow, status, attention, lines FROM line_counts WHERE lines > 0 "
        "ORDER BY flow, lines DESC, status"
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def waiting(db: sqlite3.Connection, at_most: int) -> int:
    """Letters whose lines are not up to date yet (counted up to `at_most`)."""
    row = db.execute(
        "SELECT count(*) FROM (SELECT 1 FROM changed_letters LIMIT ?)", (at_most,)
    ).fetchone()
    return int(row[0])


def period(
    db: sqlite3.Connection, flow: str, since: str, until: str, columns: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """These `columns` of a flow's lines whose `at` is in [since, until), the latest first,
    as plain tuples, as they are read."""
    rows = db.cursor()
    rows.row_factory = None
    yield from rows.execute(
        f"SELECT {', '.join('l.' + c for c in columns)} FROM letter_lines l "
        "WHERE l.flow = ? AND l.at >= ? AND l.at < ? ORDER BY l.at DESC, l.id DESC",
        (flow, since, until),
    )


def refused_paths(db: sqlite3.Connection, letter_ids: Sequence[int]) -> list[sqlite3.Row]:
    """`id`, `flow` and `final_path` of those of `letter_ids` that were refused and filed
    (where error/ holds them, and the picture of their page if one was drawn)."""
    marks = ", ".join("?" * len(letter_ids))
    return db.execute(
        f"SELECT id, flow, final_path FROM letters WHERE id IN ({marks}) "
        "AND state = 'rejected' AND final_path IS NOT NULL",
        tuple(letter_ids),
    ).fetchall()


@dataclass(frozen=True)
class LetterPage:
    """One letter with everything the ledger knows of it."""

    letter: sqlite3.Row
    lines: list[sqlite3.Row]
    moves: list[sqlite3.Row]
    statuses: list[sqlite3.Row]
    alerts: list[sqlite3.Row]


def letter(db: sqlite3.Connection, letter_id: int) -> LetterPage | None:
    found = db.execute("SELECT * FROM letters WHERE id = ?", (letter_id,)).fetchone()
    if found is None:
        return None
    by_letter = (letter_id,)
    own = (line_id(letter_id, LAST_PLACE), line_id(letter_id, 0))
    return LetterPage(
        found,
        db.execute(f"{_SELECT} WHERE l.id BETWEEN ? AND ? ORDER BY l.id DESC", own).fetchall(),
        db.execute(
            "SELECT at, from_state, to_state FROM transitions WHERE letter_id = ? ORDER BY id",
            by_letter,
        ).fetchall(),
        db.execute(
            "SELECT reference, status, status_date, message, seen_at FROM status_history "
            "WHERE letter_id = ? ORDER BY id",
            by_letter,
        ).fetchall(),
        db.execute(
            "SELECT kind, raised_at FROM alerts WHERE letter_id = ? ORDER BY id", by_letter
        ).fetchall(),
    )
