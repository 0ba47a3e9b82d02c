"""What retention reads and forgets in the ledger (`service.retention` decides).

Letters are looked at in the order they came (their ids), a batch after a cursor kept in
`cursors`, so a run costs what it retires, never the whole history. Forgetting a letter's
history keeps what duplicate detection (the letter's row), `imprimfip status`, the page
and the monthly reports (its lines, its tracking row and the latest status of its file and
of each document) need; it drops its moves, its older statuses, its alerts already
notified and the per-letter data its application gave (the sidecar).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Aged:
    """A letter as retention sees it."""

    letter_id: int
    flow: str
    name: str
    state: str
    final_path: str | None
    filed_at: str | None
    created_at: str
    ended: str | None  # why its tracking ended; None while it is followed or never was


def after(db: sqlite3.Connection, letter_id: int, limit: int) -> list[Aged]:
    """The `limit` letters after `letter_id`, oldest first."""
    rows = db.execute(
        "SELECT l.id, l.flow, l.name, l.state, l.final_path, l.filed_at, l.created_at, t.ended "
        "FROM letters l LEFT JOIN tracking t ON t.letter_id = l.id WHERE l.id > ? "
        "ORDER BY l.id LIMIT ?",
        (letter_id, limit),
    )
    return [Aged(*row) for row in rows]


def forget_history(db: sqlite3.Connection, letter_ids: Sequence[int]) -> int:
    """Drop what a retired letter no longer needs; returns the rows removed."""
    if not letter_ids:
        return 0
    ids = tuple(letter_ids)
    marks = ", ".join("?" * len(ids))
    removed = db.execute(f"DELETE FROM transitions WHERE letter_id IN ({marks})", ids).rowcount
    removed += db.execute(
        f"DELETE FROM status_history WHERE letter_id IN ({marks}) AND id NOT IN "
        f"(SELECT max(id) FROM status_history WHERE letter_id IN ({marks}) "
        "GROUP BY letter_id, reference)",
        ids + ids,
    ).rowcount
    removed += db.execute(
        f"DELETE FROM alerts WHERE letter_id IN ({marks}) AND pending = ''", ids
    ).rowcount
    db.execute(
        f"UPDATE letters SET sidecar = NULL WHERE id IN ({marks}) AND sidecar IS NOT NULL", ids
    )
    return removed
