"""Is the ledger file sound? SQLite's own word, turned into `LedgerDamaged` at this boundary.

A damaged ledger is not a fault that waiting or restarting heals: the daemon refuses to
start and says how to restore the latest backup (README, "Back up and restore the
ledger"). Damage is recognised by SQLite's error codes, never by message text:
SQLITE_NOTADB (the file is not a database: overwritten, truncated, another file) and
SQLITE_CORRUPT (a page or the schema is malformed).
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from imprimfip.errors import LedgerDamaged

SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26
_DAMAGE = frozenset({SQLITE_CORRUPT, SQLITE_NOTADB})


def is_damage(exc: BaseException) -> bool:
    """Whether `exc` is SQLite saying that the file itself is damaged."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.DatabaseError) and code is not None and code & 0xFF in _DAMAGE


def damaged(path: Path, exc: BaseException) -> LedgerDamaged:
    """The error to raise for `exc` met while reading the ledger at `path`."""
    return LedgerDamaged(path, str(exc))


def probe(db: sqlite3.Connection) -> None:
    """Read the header, the schema, and the root and first leaf of each table: what every
    start touches first, at a cost that does not grow with the ledger."""
    tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    for (table,) in tables:
        db.execute(f'SELECT * FROM "{table}" LIMIT 1').fetchone()
    db.execute("PRAGMA user_version").fetchone()


def read_only(path: Path) -> sqlite3.Connection:
    """A connection that can change nothing, not even create the file."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Translate SQLite's errors while reading the ledger at `path` for a copy or a check:
    LedgerDamaged for damage, OSError (EIO) for the rest (a file that cannot be opened)."""
    try:
        yield
    except sqlite3.Error as exc:
        if is_damage(exc):
            raise damaged(path, exc) from None
        raise OSError(errno.EIO, f"SQLite: {exc}", str(path)) from None


def quick_check(path: Path) -> list[str]:
    """SQLite's `PRAGMA quick_check` of the whole file: [] when sound, else what it found
    (or the damage that stopped it). OSError when the file cannot be read.

    It reads every page (seconds for a large ledger): for `check-config` and backups, not
    for every start.
    """
    try:
        with reading(path):
            db = read_only(path)
            try:
                rows = db.execute("PRAGMA quick_check").fetchall()
            finally:
                db.close()
    except LedgerDamaged as error:
        return [error.detail]
    findings = [str(row[0]) for row in rows]
    return [] if findings == ["ok"] else findings
