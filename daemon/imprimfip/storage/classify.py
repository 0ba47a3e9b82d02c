"""Which `OSError` and SQLite errors are storage faults, and of what kind.

The one place where an error from a disk or a share becomes a `StorageFault` (or, for the
ledger, a `LedgerFault`); every other error is left alone, to be reported as a bug of ours.
Decided by the error's number, never by its text:

    errno                                        kind
    ENOSPC, EDQUOT                               full
    EROFS                                        read_only
    EACCES, EPERM                                denied
    EIO, EREMOTEIO, ETIMEDOUT                    io
    ESTALE, ENOTCONN, EHOSTDOWN, EHOSTUNREACH,   vanished   (a network share went away)
      ENETDOWN, ENETUNREACH, ENODEV
    ENOENT, ENOTDIR with a parent folder gone    vanished   (else the file itself is gone:
                                                             the caller's business)

    SQLite primary result code                   kind
    SQLITE_FULL                                  full
    SQLITE_READONLY                              read_only
    SQLITE_PERM                                  denied
    SQLITE_IOERR                                 io (full, on a disk that is)
    SQLITE_CANTOPEN                              vanished
    SQLITE_BUSY, SQLITE_LOCKED, SQLITE_PROTOCOL  locked     (the busy timeout ran out)

A damaged ledger (SQLITE_CORRUPT, SQLITE_NOTADB) is not a storage fault: retrying does not
mend it, a person restores a backup.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from imprimfip.errors import LedgerFault, StorageDetail, StorageFault, StorageKind

ERRNO_KINDS: dict[int, StorageKind] = {
    errno.ENOSPC: StorageKind.FULL,
    errno.EDQUOT: StorageKind.FULL,
    errno.EROFS: StorageKind.READ_ONLY,
    errno.EACCES: StorageKind.DENIED,
    errno.EPERM: StorageKind.DENIED,
    errno.EIO: StorageKind.IO,
    errno.EREMOTEIO: StorageKind.IO,
    errno.ETIMEDOUT: StorageKind.IO,
    errno.ESTALE: StorageKind.VANISHED,
    errno.ENOTCONN: StorageKind.VANISHED,
    errno.EHOSTDOWN: StorageKind.VANISHED,
    errno.EHOSTUNREACH: StorageKind.VANISHED,
    errno.ENETDOWN: StorageKind.VANISHED,
    errno.ENETUNREACH: StorageKind.VANISHED,
    errno.ENODEV: StorageKind.VANISHED,
}
# Missing entries: a storage fault only when the folder holding them is gone too.
MISSING = frozenset({errno.ENOENT, errno.ENOTDIR})

SQLITE_KINDS: dict[int, StorageKind] = {
    sqlite3.SQLITE_FULL: StorageKind.FULL,
    sqlite3.SQLITE_READONLY: StorageKind.READ_ONLY,
    sqlite3.SQLITE_PERM: StorageKind.DENIED,
    sqlite3.SQLITE_IOERR: StorageKind.IO,
    sqlite3.SQLITE_CANTOPEN: StorageKind.VANISHED,
    sqlite3.SQLITE_BUSY: StorageKind.LOCKED,
    sqlite3.SQLITE_LOCKED: StorageKind.LOCKED,
    sqlite3.SQLITE_PROTOCOL: StorageKind.LOCKED,
}
# Every other primary result code, named so that a test can check none is forgotten.
SQLITE_NOT_STORAGE = frozenset(
    {
        sqlite3.SQLITE_ERROR,
        sqlite3.SQLITE_INTERNAL,
        sqlite3.SQLITE_ABORT,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_INTERRUPT,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_NOTFOUND,
        sqlite3.SQLITE_EMPTY,
        sqlite3.SQLITE_SCHEMA,
        sqlite3.SQLITE_TOOBIG,
        sqlite3.SQLITE_CONSTRAINT,
        sqlite3.SQLITE_MISMATCH,
        sqlite3.SQLITE_MISUSE,
        sqlite3.SQLITE_NOLFS,
        sqlite3.SQLITE_AUTH,
        sqlite3.SQLITE_FORMAT,
        sqlite3.SQLITE_RANGE,
        sqlite3.SQLITE_NOTADB,
        sqlite3.SQLITE_NOTICE,
        sqlite3.SQLITE_WARNING,
    }
)
_PRIMARY = 0xFF
# Below this, a disk is full for SQLite: it grows its files by tens of kB at a time.
NEARLY_FULL_BYTES = 1 << 20


def errno_kind(number: int | None, *, parent_gone: bool) -> StorageKind | None:
    """The kind of storage fault an errno says, or None if it says none."""
    if number in MISSING:
        return StorageKind.VANISHED if parent_gone else None
    return ERRNO_KINDS.get(number) if number is not None else None


def sqlite_kind(code: int | None, *, disk_full: bool = False) -> StorageKind | None:
    """The kind of storage fault a SQLite result code (primary or extended) says.

    SQLite reports some writes that find no room as I/O errors (growing its shared-memory
    file, SQLITE_IOERR_SHMSIZE): on a disk known to be full, they are said to be "full".
    """
    kind = None if code is None else SQLITE_KINDS.get(code & _PRIMARY)
    if kind is StorageKind.IO and disk_full:
        return StorageKind.FULL
    return kind


def errno_name(number: int | None) -> str:
    return errno.errorcode.get(number, f"errno {number}") if number is not None else "unknown"


def _full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def _paths(error: OSError) -> list[str]:
    return [str(name) for name in (error.filename, error.filename2) if name is not None]


def storage_fault(error: OSError, path: Path | None = None) -> StorageFault | None:
    """The storage fault `error` stands for, or None if it is something else.

    `path` names where the step was working, for errors that name no file (a failed write
    or fsync). Looks at the disk only for a missing entry, to tell a vanished folder (a
    storage fault) from a vanished file; both paths of a failed rename are considered.
    """
    paths = _paths(error) or ([str(path)] if path is not None else [])
    gone = []
    if error.errno in MISSING:
        gone = [p for p in paths if not os.path.isdir(os.path.dirname(p))]
    kind = errno_kind(error.errno, parent_gone=bool(gone))
    if kind is None:
        return None
    named = gone or paths
    return StorageFault(StorageDetail(kind, named[-1] if named else None, errno_name(error.errno)))


def ledger_fault(error: sqlite3.Error, ledger: Path) -> LedgerFault | None:
    """The fault of the ledger's disk `error` stands for, or None if it is something else
    (a bug of ours, or a damaged ledger)."""
    code = getattr(error, "sqlite_errorcode", None)
    kind = sqlite_kind(code, disk_full=sqlite_kind(code) is StorageKind.IO and _full(ledger))
    if kind is None:
        return None
    name = getattr(error, "sqlite_errorname", None) or f"SQLite code {code}"
    return LedgerFault(StorageDetail(kind, str(ledger), name))


@contextmanager
def ledger_faults(ledger: Path) -> Iterator[None]:
    """Raise the `LedgerFault` a SQLite error of the block stands for (from it); other
    errors (a bug of ours, a damaged ledger) go through unchanged."""
    try:
        yield
    except sqlite3.Error as error:
        fault = ledger_fault(error, ledger)
        if fault is None:
            raise
        raise fault from error


@contextmanager
def storage_faults(path: Path | None = None) -> Iterator[None]:
    """Raise the storage fault an `OSError` of the block stands for (from it); any other
    error goes through unchanged."""
    try:
        yield
    except OSError as error:
        fault = storage_fault(error, path)
        if fault is None:
            raise
        raise fault from error
