"""The ledger's tracking tables (migration 2): poll schedule, status history, alerts.

Companion of `Ledger`: same connection, same rule that a method commits before it returns,
same timestamps (`store.iso`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from imprimfip.errors import UnknownLetter
from imprimfip.ledger.lines import read_cursor, write_cursor
from imprimfip.ledger.states import LetterState
from imprimfip.ledger.store import Ledger, Letter, iso, moment

WHOLE_FILE = ""  # the reference of a status that is the whole file's, not one document's
ENROLLED = "enrolled"


@dataclass(frozen=True)
class Status:
    """A status as IMPRIM'FIP gave it: of the file (reference WHOLE_FILE) or of one document."""

    reference: str
    status: str
    date: str | None
    message: str


@dataclass(frozen=True)
class Seen(Status):
    """A status change as recorded, with the moment the daemon saw it."""

    seen_at: str


class Ended(StrEnum):
    """Why a letter is no longer followed (the `ended` column of `tracking`)."""

    FINAL = "final"  # its statuses are final: nothing more can happen to it
    HORIZON = "horizon"  # past its sending type's horizon without a final status


@dataclass(frozen=True)
class Tracked:
    """A letter being followed: its schedule and who it is."""

    letter_id: int
    flow: str
    name: str
    internal_ref: str
    sending_type: str
    deposited_at: datetime
    polls: int
    next_poll_at: datetime | None
    ended: Ended | None


@dataclass(frozen=True)
class AlertRow:
    """An alert as stored: `body` is the JSON object sent to notifiers."""

    id: int
    letter_id: int
    key: str
    kind: str
    body: dict[str, Any]
    pending: tuple[str, ...]
    attempts: int


@dataclass(frozen=True)
class Facts:
    """What tracking knows of one letter: its schedule (None if it is not followed), the
    latest status of its file and of each document, its alerts."""

    tracked: Tracked | None
    latest: dict[str, Status]
    alerts: list[AlertRow]


@dataclass(frozen=True)
class Outcome:
    """What one answered status call changes: recorded in one transaction."""

    changes: tuple[Status, ...]
    next_poll_at: datetime | None
    ended: Ended | None
    alerts: tuple[tuple[str, str, dict[str, Any], tuple[str, ...]], ...] = ()


class History:
    """Reads and writes the tracking tables of one `Ledger`."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @property
    def _db(self) -> sqlite3.Connection:
        # Asked each time: the ledger may open only once its disk heals.
        return self.ledger.connection

    def enrolled(self) -> int:
        """The transition up to which every deposit is enrolled (kept across starts)."""
        return read_cursor(self._db, ENROLLED)

    def enrolled_up_to(self, transition_id: int) -> None:
        with self.ledger.transaction() as db:
            write_cursor(db, ENROLLED, transition_id)

    def deposits_since(self, transition_id: int, limit: int) -> tuple[list[Letter], int]:
        """Letters that became `deposited` after `transition_id` (at most `limit` moves
        looked at), and the new cursor."""
        rows = self._db.execute(
            "SELECT id, letter_id, to_state FROM transitions WHERE id > ? ORDER BY id LIMIT ?",
            (transition_id, limit),
        ).fetchall()
        cursor = rows[-1]["id"] if rows else transition_id
        deposited = [row["letter_id"] for row in rows if row["to_state"] == LetterState.DEPOSITED]
        return [self.ledger.get(letter_id) for letter_id in deposited], cursor

    def enroll(
        self, letter_id: int, sending_type: str, deposited_at: datetime, next_poll_at: datetime
    ) -> bool:
        """Start following a letter; False if it already was (enrolling is idempotent)."""
        with self.ledger.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO tracking (letter_id, sending_type, deposited_at, "
                "next_poll_at) VALUES (?, ?, ?, ?)",
                (letter_id, sending_type, iso(deposited_at), iso(next_poll_at)),
            )
        return cursor.rowcount == 1

    def due(self, now: datetime, limit: int) -> list[Tracked]:
        """Followed letters whose next poll is at or before `now`, the most overdue first."""
        return self._tracked(
            "t.next_poll_at IS NOT NULL AND t.next_poll_at <= ? ORDER BY t.next_poll_at LIMIT ?",
            (iso(now), limit),
        )

    def tracked(self, letter_id: int) -> Tracked:
        found = self._tracked("t.letter_id = ?", (letter_id,))
        if not found:
            raise UnknownLetter(f"letter {letter_id} is not followed")
        return found[0]

    def _tracked(self, where: str, params: tuple[object, ...]) -> list[Tracked]:
        rows = self._db.execute(
            "SELECT t.*, l.flow, l.name, l.internal_ref FROM tracking t "
            f"JOIN letters l ON l.id = t.letter_id WHERE {where}",
            params,
        )
        return [
            Tracked(
                letter_id=row["letter_id"],
                flow=row["flow"],
                name=row["name"],
                internal_ref=row["internal_ref"],
                sending_type=row["sending_type"],
                deposited_at=moment(row["deposited_at"]),
                polls=row["polls"],
                next_poll_at=moment(row["next_poll_at"]) if row["next_poll_at"] else None,
                ended=Ended(row["ended"]) if row["ended"] else None,
            )
            for row in rows.fetchall()
        ]

    def next_due(self) -> datetime | None:
        row = self._db.execute("SELECT MIN(next_poll_at) FROM tracking").fetchone()
        return moment(row[0]) if row[0] else None

    def latest(self, letter_id: int) -> dict[str, Status]:
        """The latest status of a letter's file and of each of its documents, by reference
        (read through the letter's own rows: a poll never costs the whole history)."""
        return self.facts([letter_id])[letter_id].latest

    def facts(self, letter_ids: Sequence[int]) -> dict[int, Facts]:
        """What tracking knows of each letter (followed or not), in three queries."""
        marks = ", ".join("?" * len(letter_ids))
        found = {letter_id: Facts(None, {}, []) for letter_id in letter_ids}
        for tracked in self._tracked(f"t.letter_id IN ({marks})", tuple(letter_ids)):
            found[tracked.letter_id] = Facts(tracked, {}, [])
        rows = self._db.execute(
            f"SELECT * FROM status_history WHERE letter_id IN ({marks}) ORDER BY id",
            tuple(letter_ids),
        )
        for row in rows:
            found[row["letter_id"]].latest[row["reference"]] = Status(
                row["reference"], row["status"], row["status_date"], row["message"]
            )
        rows = self._db.execute(
            f"SELECT * FROM alerts WHERE letter_id IN ({marks}) ORDER BY id", tuple(letter_ids)
        )
        for row in rows:
            found[row["letter_id"]].alerts.append(_alert(row))
        return found

    def history(self, letter_id: int) -> list[Seen]:
        """Every status change recorded for a letter, in the order seen."""
        rows = self._db.execute(
            "SELECT * FROM status_history WHERE letter_id = ? ORDER BY id", (letter_id,)
        )
        return [
            Seen(r["reference"], r["status"], r["status_date"], r["message"], r["seen_at"])
            for r in rows.fetchall()
        ]

    def record(self, letter_id: int, now: datetime, outcome: Outcome) -> list[AlertRow]:
        """Record an answered poll: its changes, the next poll, new alerts (each once).

        Returns the alerts raised now; an alert whose key was raised before is ignored.
        """
        seen_at = iso(now)
        raised = []
        with self.ledger.transaction() as db:
            db.executemany(
                "INSERT INTO status_history (letter_id, reference, status, status_date, "
                "message, seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (letter_id, c.reference, c.status, c.date, c.message, seen_at)
                    for c in outcome.changes
                ],
            )
            db.execute(
                "UPDATE tracking SET polls = polls + 1, last_poll_at = ?, next_poll_at = ?, "
                "ended = ? WHERE letter_id = ?",
                (
                    seen_at,
                    iso(outcome.next_poll_at) if outcome.next_poll_at else None,
                    outcome.ended,
                    letter_id,
                ),
            )
            for key, kind, body, channels in outcome.alerts:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO alerts (letter_id, key, kind, raised_at, body, "
                    "pending, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        letter_id,
                        key,
                        kind,
                        seen_at,
                        json.dumps(body, ensure_ascii=False),
                        ",".join(channels),
                        seen_at if channels else None,
                    ),
                )
                if cursor.rowcount == 1:
                    raised.append(
                        AlertRow(cursor.lastrowid or 0, letter_id, key, kind, body, channels, 0)
                    )
        return raised

    def reschedule(self, letter_id: int, next_poll_at: datetime) -> None:
        """Move a letter's next poll without recording an answer."""
        with self.ledger.transaction() as db:
            db.execute(
                "UPDATE tracking SET next_poll_at = ? WHERE letter_id = ?",
                (iso(next_poll_at), letter_id),
            )

    def alerts_to_notify(self, now: datetime) -> list[AlertRow]:
        rows = self._db.execute(
            "SELECT * FROM alerts WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ? "
            "ORDER BY next_attempt_at, id",
            (iso(now),),
        )
        return [_alert(row) for row in rows.fetchall()]

    def notification_done(
        self, alert_id: int, pending: tuple[str, ...], next_attempt_at: datetime | None
    ) -> None:
        """Record a notification attempt: the channels still pending and when to retry."""
        with self.ledger.transaction() as db:
            db.execute(
                "UPDATE alerts SET pending = ?, attempts = attempts + 1, next_attempt_at = ? "
                "WHERE id = ?",
                (",".join(pending), iso(next_attempt_at) if next_attempt_at else None, alert_id),
            )


def _alert(row: Any) -> AlertRow:
    pending = tuple(p for p in (row["pending"] or "").split(",") if p)
    return AlertRow(
        row["id"],
        row["letter_id"],
        row["key"],
        row["kind"],
        json.loads(row["body"]),
        pending,
        row["attempts"],
    )
