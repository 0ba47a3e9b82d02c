"""Every disk error is sorted: storage fault (and which kind) or not, by number, not text."""

from __future__ import annotations

import errno
import os
import sqlite3

import pytest

from imprimfip.errors import ImprimfipError, LedgerFault, StorageFault, StorageKind
from imprimfip.storage.classify import (
    ERRNO_KINDS,
    SQLITE_KINDS,
    SQLITE_NOT_STORAGE,
    errno_kind,
    ledger_fault,
    sqlite_kind,
    storage_fault,
)

# SQLite's primary result codes that are errors (1..28); 0, 100 and 101 are not errors.
PRIMARY_ERRORS = range(1, 29)


def test_every_sqlite_primary_code_is_sorted_once():
    for code in PRIMARY_ERRORS:
        assert (code in SQLITE_KINDS) != (code in SQLITE_NOT_STORAGE), code
    assert set(SQLITE_KINDS) | SQLITE_NOT_STORAGE == set(PRIMARY_ERRORS)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (sqlite3.SQLITE_FULL, StorageKind.FULL),
        (sqlite3.SQLITE_IOERR_WRITE, StorageKind.IO),
        (sqlite3.SQLITE_IOERR_FSYNC, StorageKind.IO),
        (sqlite3.SQLITE_BUSY_TIMEOUT, StorageKind.LOCKED),
        (sqlite3.SQLITE_READONLY, StorageKind.READ_ONLY),
        (sqlite3.SQLITE_CANTOPEN_ISDIR, StorageKind.VANISHED),
        (sqlite3.SQLITE_CORRUPT, None),
        (sqlite3.SQLITE_NOTADB, None),
        (sqlite3.SQLITE_CONSTRAINT_UNIQUE, None),
        (None, None),
    ],
)
def test_extended_sqlite_codes_sort_by_their_primary_code(code, kind):
    assert sqlite_kind(code) is kind


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        (errno.ENOSPC, StorageKind.FULL),
        (errno.EDQUOT, StorageKind.FULL),
        (errno.EROFS, StorageKind.READ_ONLY),
        (errno.EACCES, StorageKind.DENIED),
        (errno.EPERM, StorageKind.DENIED),
        (errno.EIO, StorageKind.IO),
        (errno.ESTALE, StorageKind.VANISHED),
        (errno.ENOTCONN, StorageKind.VANISHED),
    ],
)
def test_errnos_of_an_unwell_disk_are_storage_faults(number, kind):
    assert errno_kind(number, parent_gone=False) is kind
    assert ERRNO_KINDS[number] is kind


@pytest.mark.parametrize(
    "number",
    [errno.EEXIST, errno.EXDEV, errno.EINVAL, errno.EISDIR, errno.EMFILE, errno.ENAMETOOLONG],
)
def test_other_errnos_are_not_storage_faults(number):
    assert errno_kind(number, parent_gone=True) is None


def test_a_missing_entry_is_a_fault_only_when_its_folder_is_gone():
    assert errno_kind(errno.ENOENT, parent_gone=False) is None
    assert errno_kind(errno.ENOENT, parent_gone=True) is StorageKind.VANISHED
    assert errno_kind(None, parent_gone=True) is None


def test_storage_faults_are_neither_letter_nor_api_faults():
    assert issubclass(StorageFault, ImprimfipError)
    assert issubclass(LedgerFault, StorageFault)


def test_a_file_gone_from_its_folder_is_not_a_storage_fault(tmp_path):
    with pytest.raises(OSError) as raised:
        os.rename(tmp_path / "parti.pdf", tmp_path / "ailleurs.pdf")
    assert storage_fault(raised.value) is None


def test_a_vanished_folder_is_named_as_the_fault(tmp_path):
    (tmp_path / "lettre.pdf").write_bytes(b"%PDF")
    target = tmp_path / "processing" / "lettre.pdf"
    with pytest.raises(OSError) as raised:
        os.rename(tmp_path / "lettre.pdf", target)
    fault = storage_fault(raised.value)
    assert fault is not None
    assert (fault.detail.kind, fault.detail.code) == (StorageKind.VANISHED, "ENOENT")
    assert fault.detail.path == str(target)


def test_an_error_without_a_file_name_takes_the_step_s_path(tmp_path):
    fault = storage_fault(OSError(errno.EIO, "Input/output error"), tmp_path / "recu.json")
    assert fault is not None
    assert fault.detail.path == str(tmp_path / "recu.json")
    assert str(fault) == f"EIO (io) at {tmp_path / 'recu.json'}"


def _ledger(path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE IF NOT EXISTS t (x BLOB)")
    return db


def test_a_full_ledger_is_a_ledger_fault(tmp_path):
    db = _ledger(tmp_path / "ledger.sqlite3")
    db.execute("PRAGMA max_page_count = 4")
    with pytest.raises(sqlite3.Error) as raised:
        db.execute("INSERT INTO t VALUES (?)", (bytes(64 * 1024),))
    fault = ledger_fault(raised.value, tmp_path / "ledger.sqlite3")
    assert isinstance(fault, LedgerFault)
    assert (fault.detail.kind, fault.detail.code) == (StorageKind.FULL, "SQLITE_FULL")


def test_a_lock_held_too_long_is_a_ledger_fault(tmp_path):
    holder = _ledger(tmp_path / "ledger.sqlite3")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(tmp_path / "ledger.sqlite3", timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.Error) as raised:
        waiter.execute("BEGIN IMMEDIATE")
    fault = ledger_fault(raised.value, tmp_path / "ledger.sqlite3")
    assert fault is not None
    assert fault.detail.kind is StorageKind.LOCKED


def test_a_damaged_ledger_is_not_a_storage_fault(tmp_path):
    (tmp_path / "ledger.sqlite3").write_bytes(b"ceci n'est pas une base SQLite" * 100)
    with pytest.raises(sqlite3.Error) as raised:
        _ledger(tmp_path / "ledger.sqlite3")
    assert ledger_fault(raised.value, tmp_path / "ledger.sqlite3") is None


def test_a_bug_in_a_query_is_not_a_storage_fault(tmp_path):
    with pytest.raises(sqlite3.Error) as raised:
        _ledger(tmp_path / "ledger.sqlite3").execute("SELECT nothing FROM nowhere")
    assert ledger_fault(raised.value, tmp_path / "ledger.sqlite3") is None


def test_a_real_full_and_read_only_share(tmp_path, small_disk):
    disk = small_disk(tmp_path / "partage")
    disk.fill()
    with pytest.raises(OSError) as full:
        (disk.path / "recu.json").write_bytes(bytes(8192))
    assert storage_fault(full.value).detail.kind is StorageKind.FULL
    disk.free()
    disk.read_only()
    with pytest.raises(OSError) as read_only:
        (disk.path / "recu.json").write_bytes(b"{}")
    fault = storage_fault(read_only.value)
    assert (fault.detail.kind, fault.detail.code) == (StorageKind.READ_ONLY, "EROFS")


def test_an_i_o_error_on_a_full_disk_says_full():
    assert sqlite_kind(sqlite3.SQLITE_IOERR_SHMSIZE, disk_full=True) is StorageKind.FULL
    assert sqlite_kind(sqlite3.SQLITE_IOERR_SHMSIZE, disk_full=False) is StorageKind.IO
    assert sqlite_kind(sqlite3.SQLITE_BUSY, disk_full=True) is StorageKind.LOCKED


@pytest.mark.parametrize(("written_before", "code"), [(True, "SQLITE_FULL"), (False, None)])
def test_a_real_full_ledger_disk(tmp_path, small_disk, written_before, code):
    """A ledger written to before the disk filled says SQLITE_FULL; a fresh one fails to
    grow its shared memory (an I/O error), which is said to be "full" all the same."""
    disk = small_disk(tmp_path / "state")
    db = _ledger(disk.path / "ledger.sqlite3")
    db.execute("PRAGMA journal_mode = WAL")
    if written_before:
        db.execute("INSERT INTO t VALUES (1)")
    disk.fill()
    with pytest.raises(sqlite3.Error) as raised:
        db.execute("INSERT INTO t VALUES (?)", (bytes(64 * 1024),))
    fault = ledger_fault(raised.value, disk.path / "ledger.sqlite3")
    assert fault.detail.kind is StorageKind.FULL
    assert fault.detail.code == (code or raised.value.sqlite_errorname)
    disk.free()
    db.execute("INSERT INTO t VALUES (?)", (bytes(64 * 1024),))
    db.close()
