"""The ledger's schema, versioned with PRAGMA user_version; each migration runs once."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from itertools import groupby

from imprimfip.errors import LedgerTooNew
from imprimfip.ledger import lines

log = logging.getLogger(__name__)
"""stdlib logging with fields in `extra`, as the daemon renders them (service/logs.py):
`imprimfip status` and `resolve` open the ledger without importing structlog."""


class EveryRow(str):
    """A migration that rewrites rows of large tables, each statement `(table, sql)` with
    `{ids}` where it bounds the ids of the rows it rewrites.

    As a script (its text) it runs each statement over the whole table; `migrate` runs
    them a range of ids at a time instead, in the same one transaction, and says how far
    it is: a rename of every letter's state takes a while at a million letters.
    """

    statements: tuple[tuple[str, str], ...]

    def __new__(cls, *statements: tuple[str, str]) -> EveryRow:
        made = super().__new__(cls, "".join(f"{sql.format(ids='1')};\n" for _, sql in statements))
        made.statements = statements
        return made


MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE letters (
        id INTEGER PRIMARY KEY,
        flow TEXT NOT NULL,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        sha256 TEXT,
        size INTEGER,
        claim_name TEXT,
        submit_name TEXT,
        internal_ref TEXT,
        final_path TEXT,
        reason_code TEXT,
        reason TEXT,
        submitting_since TEXT,
        filed_at TEXT,
        sidecar TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX letters_by_state ON letters (state);
    CREATE INDEX letters_by_content ON letters (flow, sha256);
    CREATE TABLE transitions (
        id INTEGER PRIMARY KEY,
        letter_id INTEGER NOT NULL REFERENCES letters (id),
        at TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX transitions_by_letter ON transitions (letter_id);
    """,
    # 2: status tracking (docs/letter-life.md, 'After the deposit: tracking').
    # `tracking` holds each deposited letter's poll schedule
    # (next_poll_at NULL once it is no longer followed: `ended` says why); `status_history`
    # every status change seen, reference '' for the file itself; `alerts` each alert once
    # per (letter, key), with the channels still to notify and when to try them again.
    """
    CREATE TABLE tracking (
        letter_id INTEGER PRIMARY KEY REFERENCES letters (id),
        sending_type TEXT NOT NULL,
        deposited_at TEXT NOT NULL,
        next_poll_at TEXT,
        polls INTEGER NOT NULL DEFAULT 0,
        last_poll_at TEXT,
        ended TEXT
    );
    CREATE INDEX tracking_due ON tracking (next_poll_at);
    CREATE TABLE status_history (
        id INTEGER PRIMARY KEY,
        letter_id INTEGER NOT NULL REFERENCES letters (id),
        reference TEXT NOT NULL,
        status TEXT NOT NULL,
        status_date TEXT,
        message TEXT NOT NULL DEFAULT '',
        seen_at TEXT NOT NULL
    );
    CREATE INDEX status_history_by_letter ON status_history (letter_id, reference, id);
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        letter_id INTEGER NOT NULL REFERENCES letters (id),
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        raised_at TEXT NOT NULL,
        body TEXT NOT NULL,
        pending TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        UNIQUE (letter_id, key)
    );
    CREATE INDEX alerts_to_notify ON alerts (next_attempt_at);
    """,
    # 3: the state of a letter IMPRIM'FIP accepted was called `done`, a word that also names
    # the folder it is filed in; it is `deposited` now, in letters and in their transitions.
    # Literal values, not LetterState: a migration states what the ledger held at the time.
    EveryRow(
        ("letters", "UPDATE letters SET state = 'deposited' WHERE state = 'done' AND {ids}"),
        (
            "transitions",
            "UPDATE transitions SET from_state = 'deposited' WHERE from_state = 'done' AND {ids}",
        ),
        (
            "transitions",
            "UPDATE transitions SET to_state = 'deposited' WHERE to_state = 'done' AND {ids}",
        ),
    ),
    # 4: the internalRefs an uncertain deposit was found not to have, so that a search cut
    # short (a stop, an outage) goes on where it stopped instead of asking again.
    """
    CREATE TABLE absent_refs (
        letter_id INTEGER NOT NULL REFERENCES letters (id),
        ref TEXT NOT NULL,
        PRIMARY KEY (letter_id, ref)
    ) WITHOUT ROWID;
    """,
    # 5: each letter's lines as people see them, kept as letters change (ledger.lines).
    lines.MIGRATION,
)


# How often a long migration says it is still at work.
PROGRESS_EVERY_S = 5.0
# SQLite virtual machine steps between two looks at the clock.
_STEPS = 1_000_000
# Rows an `EveryRow` statement rewrites at a time (a fraction of a second each).
RANGE_IDS = 50_000


def _still_migrating(number: int, started: float) -> Callable[[], int]:
    """A progress handler that logs, every `PROGRESS_EVERY_S`, that migration `number` is
    still at work and for how long (it cannot know how much is left)."""
    said = [started]

    def tick() -> int:
        now = time.monotonic()
        if now - said[0] >= PROGRESS_EVERY_S:
            said[0] = now
            log.info(
                "ledger_migrating",
                extra={"to_version": number, "seconds": round(now - started, 1)},
            )
        return 0

    return tick


def migrate(db: sqlite3.Connection) -> int:
    """Bring `db` to the latest schema; return the version it is at."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise LedgerTooNew(
            f"the ledger has schema version {version}, newer than this program knows "
            f"({len(MIGRATIONS)}): upgrade imprimfip or restore the ledger's backup"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        started = time.monotonic()
        if version:
            # An upgrade may touch every row of a large ledger: say so before, while it
            # lasts, and after.
            log.info("ledger_migrating", extra={"to_version": number})
        if version and isinstance(script, EveryRow):
            _rewrite(db, number, script, started)
        else:
            if version:
                db.set_progress_handler(_still_migrating(number, started), _STEPS)
            try:
                db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
            finally:
                db.set_progress_handler(None, 0)
        if version:
            seconds = round(time.monotonic() - started, 2)
            log.info("ledger_migrated", extra={"version": number, "seconds": seconds})
    return len(MIGRATIONS)


def _rewrite(db: sqlite3.Connection, number: int, migration: EveryRow, started: float) -> None:
    """Run `migration` a range of ids at a time, each table's statements together on the
    same rows, in one transaction; log the rows done every `PROGRESS_EVERY_S`."""
    db.execute("BEGIN")
    try:
        spans = []
        for table, statements in groupby(migration.statements, key=lambda each: each[0]):
            low, high = db.execute(f"SELECT min(id), max(id) FROM {table}").fetchone()
            if low is not None:
                spans.append((low, high, [sql for _, sql in statements]))
        total = sum((high - low + 1) * len(statements) for low, high, statements in spans)
        done, said = 0, started
        for low, high, statements in spans:
            for first in range(low, high + 1, RANGE_IDS):
                last = min(first + RANGE_IDS - 1, high)
                for sql in statements:
                    db.execute(sql.format(ids="id BETWEEN ? AND ?"), (first, last))
                done += (last - first + 1) * len(statements)
                if time.monotonic() - said >= PROGRESS_EVERY_S:
                    said = time.monotonic()
                    log.info(
                        "ledger_migrating",
                        extra={
                            "to_version": number,
                            "done": done,
                            "total": total,
                            "percent": round(100 * done / total, 1),
                            "seconds": round(said - started, 1),
                        },
                    )
        db.execute(f"PRAGMA user_version = {number}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
