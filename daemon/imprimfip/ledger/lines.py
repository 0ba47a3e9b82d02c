"""Each letter as people see it, kept in the ledger as it changes (migration 5).

The status page, the CSV reports and `imprimfip status` read `letter_lines` (one row per
letter as staff count them: a multi-document file is one line per business reference),
through indexes, a bounded slice at a time; they never rebuild it from the whole history.

How it stays up to date: triggers note every letter whose facts change (its state, its
tracking, a status, an alert) in `changed_letters`, in the writer's own transaction, so no
writer has to know about lines and a change made by another process (`imprimfip resolve`)
is noted too. A keeper (`tracking.keeper`) takes those letters in batches, computes their
lines and stores the ones that differ, with the report months they touch. A mark is a
counter: a letter changed again while its lines were computed keeps its mark and is taken
again. Counts by status (`line_counts`), the word index (`line_words`, FTS5) and the
letters' counts by state (`state_counts`) follow through triggers in the same transaction.

The same migration bounds what the daemon reads at start: the letters still to file have an
index of their own (`letters_unfiled`), and the poller keeps how far it has enrolled the
deposits (`cursors`) instead of looking for unfollowed letters among all of them.

A line's id is its letter's id shifted left by `LINE_BITS`, plus the document's place
counted from the end: ordering by id is ordering by letter, latest first when descending,
documents of a file in their own order; a page's cursor is one id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LINE_BITS = 20
LAST_PLACE = (1 << LINE_BITS) - 1

# The columns of a stored line, as the readers get them.
COLUMNS = (
    "id",
    "letter_id",
    "flow",
    "file",
    "internal_ref",
    "reference",
    "sending_type",
    "at",
    "deposited_at",
    "status",
    "status_date",
    "message",
    "attention",
    "urgency",
    "followed",
)

_MARK = (
    "INSERT INTO changed_letters (letter_id, mark) VALUES ({id}, 1) "
    "ON CONFLICT (letter_id) DO UPDATE SET mark = mark + 1;"
)

# Literal states, not LetterState: a migration states what the ledger holds when it runs
# (`deposited` since migration 3).
MIGRATION = f"""
CREATE TABLE letter_lines (
    id INTEGER PRIMARY KEY,
    letter_id INTEGER NOT NULL REFERENCES letters (id),
    flow TEXT NOT NULL,
    file TEXT NOT NULL,
    internal_ref TEXT,
    reference TEXT NOT NULL,
    sending_type TEXT,
    at TEXT NOT NULL,
    deposited_at TEXT,
    status TEXT NOT NULL,
    status_date TEXT,
    message TEXT NOT NULL,
    attention TEXT,
    urgency INTEGER,
    followed INTEGER NOT NULL
);
CREATE INDEX lines_by_flow ON letter_lines (flow);
CREATE INDEX lines_by_flow_status ON letter_lines (flow, status);
CREATE INDEX lines_by_flow_time ON letter_lines (flow, at);
CREATE INDEX lines_to_do ON letter_lines (urgency) WHERE urgency IS NOT NULL;
CREATE INDEX lines_to_do_by_flow ON letter_lines (flow, urgency) WHERE urgency IS NOT NULL;
CREATE VIRTUAL TABLE line_words USING fts5 (
    file, internal_ref, reference,
    content = 'letter_lines', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE line_counts (
    flow TEXT NOT NULL,
    status TEXT NOT NULL,
    attention TEXT NOT NULL,
    lines INTEGER NOT NULL,
    PRIMARY KEY (flow, status, attention)
) WITHOUT ROWID;
CREATE TRIGGER line_added AFTER INSERT ON letter_lines BEGIN
    INSERT INTO line_counts VALUES (new.flow, new.status, coalesce(new.attention, ''), 1)
        ON CONFLICT DO UPDATE SET lines = lines + 1;
    INSERT INTO line_words (rowid, file, internal_ref, reference)
        VALUES (new.id, new.file, new.internal_ref, new.reference);
END;
CREATE TRIGGER line_removed AFTER DELETE ON letter_lines BEGIN
    UPDATE line_counts SET lines = lines - 1 WHERE flow = old.flow AND status = old.status
        AND attention = coalesce(old.attention, '');
    INSERT INTO line_words (line_words, rowid, file, internal_ref, reference)
        VALUES ('delete', old.id, old.file, old.internal_ref, old.reference);
END;

CREATE TABLE changed_letters (
    letter_id INTEGER PRIMARY KEY,
    mark INTEGER NOT NULL
);
CREATE TRIGGER letter_added AFTER INSERT ON letters BEGIN {_MARK.format(id="new.id")} END;
CREATE TRIGGER letter_changed AFTER UPDATE OF state, name, internal_ref, reason,
    submitting_since ON letters BEGIN {_MARK.format(id="new.id")} END;
CREATE TRIGGER letter_followed AFTER INSERT ON tracking BEGIN
    {_MARK.format(id="new.letter_id")} END;
CREATE TRIGGER letter_ended AFTER UPDATE OF ended ON tracking
    WHEN old.ended IS NOT new.ended BEGIN {_MARK.format(id="new.letter_id")} END;
CREATE TRIGGER letter_status AFTER INSERT ON status_history BEGIN
    {_MARK.format(id="new.letter_id")} END;
CREATE TRIGGER letter_alert AFTER INSERT ON alerts BEGIN {_MARK.format(id="new.letter_id")} END;
INSERT INTO changed_letters (letter_id, mark) SELECT id, 1 FROM letters;

CREATE TABLE report_months (
    flow TEXT NOT NULL,
    month TEXT NOT NULL,
    mark INTEGER NOT NULL,
    PRIMARY KEY (flow, month)
) WITHOUT ROWID;

CREATE TABLE state_counts (
    flow TEXT NOT NULL,
    state TEXT NOT NULL,
    letters INTEGER NOT NULL,
    PRIMARY KEY (flow, state)
) WITHOUT ROWID;
-- One pass over the table: through an index, each letter's flow is a lookup of its own.
INSERT INTO state_counts SELECT flow, state, count(*) FROM letters NOT INDEXED
    GROUP BY flow, state;

CREATE INDEX letters_unfiled ON letters (flow) WHERE final_path IS NOT NULL AND filed_at IS NULL;
CREATE TABLE cursors (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO cursors SELECT 'enrolled', coalesce(
    (SELECT min(t.id) - 1 FROM transitions t JOIN letters l ON l.id = t.letter_id
        LEFT JOIN tracking k ON k.letter_id = l.id
        WHERE t.to_state = 'deposited' AND l.internal_ref IS NOT NULL
        AND k.letter_id IS NULL),
    (SELECT max(id) FROM transitions),
    0);
CREATE TRIGGER state_counted AFTER INSERT ON letters BEGIN
    INSERT INTO state_counts VALUES (new.flow, new.state, 1)
        ON CONFLICT DO UPDATE SET letters = letters + 1;
END;
CREATE TRIGGER state_moved AFTER UPDATE OF state ON letters
    WHEN old.state IS NOT new.state BEGIN
    UPDATE state_counts SET letters = letters - 1 WHERE flow = old.flow AND state = old.state;
    INSERT INTO state_counts VALUES (new.flow, new.state, 1)
        ON CONFLICT DO UPDATE SET letters = letters + 1;
END;
"""


def line_id(letter_id: int, place: int) -> int:
    """The id of the `place`-th line (from 0) of a letter."""
    return (letter_id << LINE_BITS) | (LAST_PLACE - place)


def letter_of(line: int) -> int:
    return line >> LINE_BITS


@dataclass(frozen=True)
class Changed:
    """A letter whose lines may have changed, and its mark when it was read."""

    letter_id: int
    mark: int


@dataclass(frozen=True)
class Update:
    """The lines a letter has now (values in `COLUMNS` order) and the months they touch."""

    changed: Changed
    lines: tuple[tuple[object, ...], ...]
    months: frozenset[tuple[str, str]]


def changed(db: sqlite3.Connection, limit: int) -> list[Changed]:
    """Letters waiting for their lines, the latest first (what people look at first)."""
    rows = db.execute(
        "SELECT letter_id, mark FROM changed_letters ORDER BY letter_id DESC LIMIT ?", (limit,)
    )
    return [Changed(letter_id, mark) for letter_id, mark in rows]


def waiting(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT count(*) FROM changed_letters").fetchone()[0])


def stored(
    db: sqlite3.Connection, letter_ids: Sequence[int]
) -> dict[int, list[tuple[object, ...]]]:
    """The lines stored now for each letter, in `COLUMNS` order, by letter id."""
    found: dict[int, list[tuple[object, ...]]] = {letter_id: [] for letter_id in letter_ids}
    for low, high in _ranges(letter_ids):
        rows = db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM letter_lines WHERE id BETWEEN ? AND ? "
            "ORDER BY id DESC",
            (low, high),
        )
        for row in rows:
            found[letter_of(row[0])].append(tuple(row))
    return found


def _ranges(letter_ids: Iterable[int]) -> list[tuple[int, int]]:
    return [(line_id(i, LAST_PLACE), line_id(i, 0)) for i in letter_ids]


def store(db: sqlite3.Connection, updates: Sequence[Update], settled: Sequence[Changed]) -> None:
    """Replace the lines of the updated letters, note the report months they touch, and
    clear the marks of every letter done (unless it changed again since it was read)."""
    placeholders = ", ".join("?" * len(COLUMNS))
    ordered = sorted(updates, key=lambda update: update.changed.letter_id)
    db.executemany(
        "DELETE FROM letter_lines WHERE id BETWEEN ? AND ?",
        _ranges(update.changed.letter_id for update in ordered),
    )
    # In ascending ids: FTS5 writes its pending terms out whenever a rowid goes backwards.
    db.executemany(
        f"INSERT INTO letter_lines VALUES ({placeholders})",
        sorted((row for update in ordered for row in update.lines), key=lambda row: row[0]),
    )
    months = {month for update in updates for month in update.months}
    db.executemany(
        "INSERT INTO report_months VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET mark = mark + 1",
        sorted(months),
    )
    db.executemany(
        "DELETE FROM changed_letters WHERE letter_id = ? AND mark = ?",
        [(done.letter_id, done.mark) for done in settled],
    )


def report_months(db: sqlite3.Connection) -> dict[tuple[str, str], int]:
    """The report months of each flow whose lines changed, with their marks."""
    rows = db.execute("SELECT flow, month, mark FROM report_months")
    return {(flow, month): mark for flow, month, mark in rows}


def months_written(db: sqlite3.Connection, written: dict[tuple[str, str], int]) -> None:
    """Forget the months written, unless they changed again meanwhile."""
    db.executemany(
        "DELETE FROM report_months WHERE flow = ? AND month = ? AND mark = ?",
        [(flow, month, mark) for (flow, month), mark in written.items()],
    )


def read_cursor(db: sqlite3.Connection, name: str) -> int:
    """A position kept across starts (the last move enrolled, the last letter retired...)."""
    row = db.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
    return int(row[0]) if row else 0


def write_cursor(db: sqlite3.Connection, name: str, value: int) -> None:
    db.execute(
        "INSERT INTO cursors VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (name, value),
    )
