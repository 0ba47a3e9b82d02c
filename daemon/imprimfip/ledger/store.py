"""The ledger: one SQLite file, every transition committed (fsync'd) before its side effect."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

from imprimfip import crashpoints
from imprimfip.errors import (
    ForbiddenMove,
    LedgerFault,
    StorageKind,
    UnknownField,
    UnknownLetter,
)
from imprimfip.ledger.integrity import damaged, is_damage, probe
from imprimfip.ledger.schema import migrate
from imprimfip.ledger.states import LetterState, can_move
from imprimfip.storage.classify import ledger_faults


@dataclass(frozen=True)
class Letter:
    """A letter as the ledger knows it."""

    id: int
    flow: str
    name: str
    state: LetterState
    sha256: str | None
    size: int | None
    claim_name: str | None
    submit_name: str | None
    internal_ref: str | None
    final_path: str | None
    reason_code: str | None
    reason: str | None
    submitting_since: str | None
    filed_at: str | None
    sidecar: str | None
    created_at: str
    updated_at: str


_COLUMNS = tuple(f.name for f in fields(Letter))


# What keeps a ledger closed at the start, to be opened once the disk heals; anything else
# that stops SQLite opening the file (a missing folder, no permission) is the sysadmin's to fix.
_WAITED_AT_OPEN = frozenset(
    {StorageKind.FULL, StorageKind.READ_ONLY, StorageKind.IO, StorageKind.LOCKED}
)


def _letter(row: sqlite3.Row) -> Letter:
    values = dict(row)
    values["state"] = LetterState(values["state"])
    return Letter(**values)


def iso(when: datetime) -> str:
    """The ledger's timestamps: ISO 8601 UTC with microseconds, so they sort as text."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def now_iso() -> str:
    return iso(datetime.now(UTC))


def moment(text: str) -> datetime:
    """A timestamp the ledger stored, back as an aware datetime."""
    return datetime.fromisoformat(text)


class Ledger:
    """Durable record of every letter; all methods commit before they return."""

    def __init__(self, path: Path, *, wait_for_disk: bool = False) -> None:
        """Open (or create) the ledger; LedgerDamaged if SQLite finds the file damaged,
        LedgerFault if its disk cannot take it. With `wait_for_disk`, a disk that is full,
        read-only or failing leaves the ledger closed instead: every use raises that fault
        until `probe()` opens it (a file that cannot be opened at all still raises)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._closed_by: LedgerFault | None = None
        try:
            self._open()
        except LedgerFault as fault:
            if not wait_for_disk or fault.detail.kind not in _WAITED_AT_OPEN:
                raise
            self._closed_by = fault

    def _open(self) -> None:
        created = not self.path.exists()
        with self.faults():
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        try:
            with self.faults():
                db.execute("PRAGMA journal_mode = WAL")
                # FULL: a transition reported as written survives a power cut (see
                # docs/invariants.md, 'Nothing is lost').
                db.execute("PRAGMA synchronous = FULL")
                db.execute("PRAGMA foreign_keys = ON")
                db.execute("PRAGMA busy_timeout = 10000")
                probe(db)
                migrate(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            if is_damage(exc):
                raise damaged(self.path, exc) from None
            raise
        except LedgerFault:
            db.close()
            if created:
                # Not an empty ledger without tables for the readers to trip on: none yet.
                for suffix in ("", "-wal", "-shm"):
                    with suppress(OSError):
                        Path(f"{self.path}{suffix}").unlink()
            raise
        self._connection, self._closed_by = db, None

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            assert self._closed_by is not None
            raise LedgerFault(self._closed_by.detail)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The SQLite connection, for the ledger's companion modules (history.py)."""
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction, committed on exit (also for companion modules).

        A full, read-only or failing disk raises `LedgerFault` with nothing recorded: the
        caller's letter keeps its state and the write is tried again later.
        """
        with self.faults():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                crashpoints.fail("ledger.write")
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    with suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    def faults(self) -> AbstractContextManager[None]:
        """Raise the `LedgerFault` a SQLite error of the block stands for (from it); other
        errors (a bug of ours, a damaged ledger) go through unchanged."""
        return ledger_faults(self.path)

    def probe(self) -> None:
        """Write to the ledger's disk and take it back (opening the ledger first if its disk
        kept it closed): raises `LedgerFault` while the disk cannot take a write."""
        if self._connection is None:
            self._open()
        with self.transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            # Rewriting the header's version with its own value dirties a page to commit.
            db.execute(f"PRAGMA user_version = {int(version)}")

    def _row(self, letter_id: int) -> Letter:
        row = self._db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM letters WHERE id = ?", (letter_id,)
        ).fetchone()
        if row is None:
            raise UnknownLetter(f"no letter number {letter_id} in the ledger")
        return _letter(row)

    def letters(self, letter_ids: Sequence[int]) -> dict[int, Letter]:
        """The letters of these ids that exist, by id, in one query."""
        rows = self._db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM letters "
            f"WHERE id IN ({', '.join('?' * len(letter_ids))})",
            tuple(letter_ids),
        )
        return {row["id"]: _letter(row) for row in rows}

    def get(self, letter_id: int) -> Letter:
        return self._row(letter_id)

    def add(
        self,
        flow: str,
        name: str,
        state: LetterState,
        detail: Mapping[str, object] | None = None,
        **values: object,
    ) -> Letter:
        """Record a new letter in `state`, with its first transition."""
        if not can_move(None, state):
            raise ForbiddenMove(f"a letter cannot start in state {state}")
        now = now_iso()
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO letters (flow, name, state, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (flow, name, state, now, now),
            )
            letter_id = cursor.lastrowid
            assert letter_id is not None
            self._update(db, letter_id, values)
            self._log(db, letter_id, source=None, target=state, detail=detail, at=now)
        return self._row(letter_id)

    def update(self, letter_id: int, **values: object) -> Letter:
        """Record facts about a letter that do not change its state (a name, a hash)."""
        with self.transaction() as db:
            self._update(db, letter_id, {**values, "updated_at": now_iso()})
        return self._row(letter_id)

    def move(
        self,
        letter_id: int,
        target: LetterState,
        detail: Mapping[str, object] | None = None,
        **values: object,
    ) -> Letter:
        """Move a letter to `target`, with the facts that go with it, in one transaction."""
        now = now_iso()
        with self.transaction() as db:
            current = self._row(letter_id).state
            if not can_move(current, target):
                raise ForbiddenMove(f"letter {letter_id}: {current} cannot go to {target}")
            self._update(db, letter_id, {**values, "state": target, "updated_at": now})
            self._log(db, letter_id, source=current, target=target, detail=detail, at=now)
        return self._row(letter_id)

    @staticmethod
    def _update(db: sqlite3.Connection, letter_id: int, values: Mapping[str, object]) -> None:
        if not values:
            return
        unknown = set(values) - set(_COLUMNS)
        if unknown:
            raise UnknownField(f"letters have no field {', '.join(sorted(unknown))}")
        assignments = ", ".join(f"{key} = ?" for key in values)
        db.execute(f"UPDATE letters SET {assignments} WHERE id = ?", (*values.values(), letter_id))

    @staticmethod
    def _log(
        db: sqlite3.Connection,
        letter_id: int,
        *,
        source: LetterState | None,
        target: LetterState,
        detail: Mapping[str, object] | None,
        at: str,
    ) -> None:
        db.execute(
            "INSERT INTO transitions (letter_id, at, from_state, to_state, detail) "
            "VALUES (?, ?, ?, ?, ?)",
            (letter_id, at, source, target, json.dumps(detail or {}, ensure_ascii=False)),
        )

    def in_states(self, *states: LetterState, flow: str | None = None) -> list[Letter]:
        with self.faults():
            return self._in_states(states, flow)

    def _in_states(self, states: tuple[LetterState, ...], flow: str | None) -> list[Letter]:
        query = f"SELECT id FROM letters WHERE state IN ({', '.join('?' * len(states))})"
        params: list[object] = list(states)
        if flow is not None:
            query += " AND flow = ?"
            params.append(flow)
        return [self._row(row[0]) for row in self._db.execute(query + " ORDER BY id", params)]

    def counts(self) -> dict[tuple[str, str], int]:
        """Letters by (flow, state), for the metrics: kept as letters move (ledger.lines)."""
        rows = self._db.execute("SELECT flow, state, letters FROM state_counts WHERE letters > 0")
        return {(flow, state): count for flow, state, count in rows}

    def unfiled(self, flow: str) -> list[Letter]:
        """Letters decided (deposited, rejected, held) whose filing has not been completed."""
        with self.faults():
            return self._unfiled(flow)

    def _unfiled(self, flow: str) -> list[Letter]:
        rows = self._db.execute(
            "SELECT id FROM letters WHERE flow = ? AND final_path IS NOT NULL "
            "AND filed_at IS NULL ORDER BY id",
            (flow,),
        )
        return [self._row(row[0]) for row in rows]

    def earlier_deposit(self, flow: str, sha256: str, window: timedelta) -> Letter | None:
        """The latest letter of the same content deposited in `flow` within `window`."""
        since = iso(datetime.now(UTC) - window)
        sent = (LetterState.DEPOSITED, LetterState.SUBMITTING, LetterState.UNCERTAIN)
        row = self._db.execute(
            "SELECT id FROM letters WHERE flow = ? AND sha256 = ? AND state IN (?, ?, ?) "
            "AND updated_at >= ? ORDER BY id DESC LIMIT 1",
            (flow, sha256, *sent, since),
        ).fetchone()
        return None if row is None else self._row(row[0])

    def transitions(self, letter_id: int) -> list[dict[str, object]]:
        rows = self._db.execute(
            "SELECT at, from_state, to_state, detail FROM transitions "
            "WHERE letter_id = ? ORDER BY id",
            (letter_id,),
        )
        return [{**dict(row), "detail": json.loads(row["detail"])} for row in rows]

    def all_letters(self, flow: str | None = None) -> list[Letter]:
        query, params = "SELECT id FROM letters", ()
        if flow is not None:
            query, params = query + " WHERE flow = ?", (flow,)
        return [self._row(row[0]) for row in self._db.execute(query + " ORDER BY id", params)]
