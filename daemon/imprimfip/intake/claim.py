"""Claiming an inbox entry: record it, rename it into processing/, then read it safely.

The rename comes first and the reading second, so that what is read sits in a folder only
the daemon writes to; the entry is opened without following links and checked on the
opened descriptor: a link to /etc/shadow is moved aside, never read (see
docs/invariants.md, 'The daemon never trusts the inbox').
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from imprimfip import crashpoints
from imprimfip.folders import FlowFolders
from imprimfip.intake.names import safe_name
from imprimfip.intake.sidecar import MAX_SIDECAR_BYTES, sidecar_name
from imprimfip.ledger import Ledger, Letter, LetterState
from imprimfip.storage.classify import storage_fault, storage_faults

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Snapshot:
    """Size and modification time of a file, seen on its descriptor after reading it."""

    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Claimed:
    """A regular file, now in processing/, with the bytes that will be validated and sent.

    `changed` says the file on disk is no longer the one first claimed (a writer that was
    still at work): it must not be sent as is.
    """

    letter: Letter
    data: bytes
    snapshot: Snapshot
    changed: bool = False

    @property
    def sidecar(self) -> bytes | None:
        """The application's JSON data for this letter, if it left any."""
        return None if self.letter.sidecar is None else self.letter.sidecar.encode("utf-8")


class EntryKind(StrEnum):
    """What an inbox entry is when it is not a plain file of its own (`notes_fr` names it
    for staff)."""

    SYMLINK = "symlink"
    DIRECTORY = "directory"
    FIFO = "fifo"
    DEVICE = "device"
    SPECIAL = "special"
    HARD_LINK = "hard_link"
    REPLACED = "replaced"


@dataclass(frozen=True)
class NotRegular:
    """Something that is not a plain file (link, folder, FIFO...), moved into processing/."""

    letter: Letter
    kind: EntryKind


_KINDS = (
    (stat.S_ISLNK, EntryKind.SYMLINK),
    (stat.S_ISDIR, EntryKind.DIRECTORY),
    (stat.S_ISFIFO, EntryKind.FIFO),
    (stat.S_ISCHR, EntryKind.DEVICE),
    (stat.S_ISBLK, EntryKind.DEVICE),
)


def _kind(mode: int, links: int) -> EntryKind | None:
    """What an entry is, or None for a regular file with a single link."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    if not stat.S_ISREG(mode):
        return EntryKind.SPECIAL
    if links > 1:
        return EntryKind.HARD_LINK
    return None


def read_regular(path: Path, limit: int) -> tuple[bytes, Snapshot] | EntryKind:
    """The bytes of `path` (at most `limit` + 1) and what it looked like once read, or what
    the entry is when it is not a regular file."""
    before = os.lstat(path)
    kind = _kind(before.st_mode, before.st_nlink)
    if kind is not None:
        return kind
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            return EntryKind.REPLACED
        kind = _kind(opened.st_mode, opened.st_nlink)
        if kind is not None:
            return kind
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        after = os.fstat(fd)
        return b"".join(chunks), Snapshot(after.st_size, after.st_mtime_ns)
    finally:
        os.close(fd)


def claim(
    ledger: Ledger, flow: str, folders: FlowFolders, raw_name: str, limit: int
) -> Claimed | NotRegular | None:
    """Claim `raw_name` from the inbox; None if it vanished before the rename.

    A storage fault raises `StorageFault`: at the rename, the letter stays in the inbox and
    its row is voided; once in processing/, its row stays `claimed` and reading it is
    tried again (`reread`). A `LedgerFault` leaves it where it was.

    The ledger row comes before the rename (a stop in between leaves a `claimed` row whose
    file is still in the inbox: the restart marks it void and the scan claims it again).
    """
    name = safe_name(raw_name)
    claim_name = f"{secrets.token_hex(4)}-{name}"
    letter = ledger.add(flow, name, LetterState.CLAIMED, claim_name=claim_name)
    crashpoints.reached("claim.row_written")
    target = folders.processing / claim_name
    try:
        crashpoints.fail("claim.rename", target)
        os.rename(folders.inbox / raw_name, target)
    except OSError as error:
        fault = storage_fault(error, target)
        if fault is None and not isinstance(error, FileNotFoundError):
            raise
        why = "vanished before the claim" if fault is None else f"storage fault: {error}"
        ledger.move(letter.id, LetterState.VOID, {"why": why})
        if fault is not None:
            raise fault from error
        return None
    crashpoints.reached("claim.renamed")
    content = _read_claimed(target, limit)
    if isinstance(content, EntryKind):
        return NotRegular(letter, content)
    data, snapshot = content
    with storage_faults(target):
        letter = ledger.update(
            letter.id,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            sidecar=_claim_sidecar(folders, raw_name, claim_name),
        )
    return Claimed(letter, data, snapshot)


def _read_claimed(path: Path, limit: int) -> tuple[bytes, Snapshot] | EntryKind:
    """Read a letter in processing/; a failing share raises its storage fault."""
    with storage_faults(path):
        crashpoints.fail("claim.read", path)
        return read_regular(path, limit)


def _claim_sidecar(folders: FlowFolders, raw_name: str, claim_name: str) -> str | None:
    """Take the letter's JSON sidecar along into processing/, and return its text.

    A sidecar that is not a regular file is left out: the letter then goes on as if it had
    none, and its checks say what is missing.
    """
    source = folders.inbox / sidecar_name(raw_name)
    target = folders.processing / sidecar_name(claim_name)
    try:
        os.rename(source, target)
    except FileNotFoundError:
        return None
    content = read_regular(target, MAX_SIDECAR_BYTES)
    if isinstance(content, EntryKind):
        return None
    return content[0].decode("utf-8", errors="replace")


def reread(
    ledger: Ledger, folders: FlowFolders, letter: Letter, limit: int
) -> Claimed | NotRegular:
    """After a restart, read a claimed letter from processing/ again."""
    assert letter.claim_name is not None
    path = folders.processing / letter.claim_name
    content = _read_claimed(path, limit)
    if isinstance(content, EntryKind):
        return NotRegular(letter, content)
    data, snapshot = content
    sha256 = hashlib.sha256(data).hexdigest()
    if letter.sha256 is None:
        letter = ledger.update(letter.id, sha256=sha256, size=len(data))
    return Claimed(letter, data, snapshot, changed=sha256 != letter.sha256)


def changed_since_claim(folders: FlowFolders, claimed: Claimed) -> bool:
    """Whether the claimed file was written to after it was read. StorageFault when its
    share cannot tell now (processing/ itself is gone: the share is not mounted): that is
    not the letter's fault."""
    assert claimed.letter.claim_name is not None
    if claimed.changed:
        return True
    path = folders.processing / claimed.letter.claim_name
    try:
        now = os.lstat(path)
    except OSError as error:
        fault = storage_fault(error, path)
        if fault is not None:
            raise fault from error
        if isinstance(error, FileNotFoundError):
            return True
        raise
    return Snapshot(now.st_size, now.st_mtime_ns) != claimed.snapshot
