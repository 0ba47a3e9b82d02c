"""Whether a share has room to file one more letter; if not, the letter waits in inbox/.

A letter claimed on a share that cannot take its receipt or its note would be deposited,
or refused, and then stuck half-filed; one that waits in inbox/ costs nothing. So before a
claim the share's free space (as `statvfs` says, for an unprivileged writer) must cover:

- the letter's size: its move is a rename and needs no room, but counting it scales the
  margin with the letter, so a share is left with room for at least one more of its kind;
- its outputs: a receipt, or a note and its JSON twin, each rounded up to whole blocks, for
  it and for every letter already claimed and not yet filed, plus a dated folder;
- the CSV report's size: it is rewritten beside itself before the old one goes;
- a margin, for what staff save meanwhile.

Filesystems that count no inodes (some FUSE shares report none) are judged on space alone;
those that report no blocks at all (smbnetfs says 0 of 0) are not judged on space: the
write that cannot be done says so, as a storage fault.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from imprimfip.errors import StorageDetail, StorageKind
from imprimfip.folders import FlowFolders
from imprimfip.storage.classify import MISSING, errno_name, storage_fault

# The longest receipt, note or JSON twin the outputs write, with room to spare.
OUTPUT_FILE_BYTES = 16 * 1024
# A note and its twin, or a receipt; plus their temporaries and a dated folder: entries.
OUTPUT_FILES = 2
ENTRIES_PER_LETTER = 5
MARGIN_BYTES = 64 * 1024
# The code of a fault said by this rule, not by an error.
LOW_SPACE = "LOW_SPACE"
# Written and removed at once to learn whether a folder takes a write.
PROBE_NAME = ".imprimfip-sonde.tmp"


@dataclass(frozen=True)
class Room:
    """What `statvfs` says of a filesystem, for a writer that is not root."""

    free_bytes: int
    block_bytes: int
    free_entries: int
    counts_entries: bool
    read_only: bool = False
    counts_space: bool = True

    @classmethod
    def of(cls, stats: os.statvfs_result) -> Room:
        return cls(
            free_bytes=stats.f_bavail * stats.f_frsize,
            block_bytes=max(stats.f_frsize, 1),
            free_entries=stats.f_favail,
            counts_entries=stats.f_files > 0,
            read_only=bool(stats.f_flag & os.ST_RDONLY),
            counts_space=stats.f_blocks > 0,
        )


def room(folder: Path) -> Room:
    """The room left where `folder` is (raises the `OSError` of a vanished share)."""
    return Room.of(os.statvfs(folder))


@dataclass(frozen=True)
class Admission:
    """The decision, with the figures a log line needs."""

    admitted: bool
    needed_bytes: int
    free_bytes: int


def _blocks(size: int, block: int) -> int:
    return -(-size // block) * block


def needed_bytes(
    letter_bytes: int, block_bytes: int, *, unfiled: int = 0, report_bytes: int = 0
) -> int:
    """Bytes a share must have free to claim a letter of `letter_bytes`, with `unfiled`
    letters already claimed there and a report of `report_bytes`."""
    outputs = OUTPUT_FILES * _blocks(OUTPUT_FILE_BYTES, block_bytes) + block_bytes
    return (
        _blocks(letter_bytes, block_bytes)
        + outputs * (1 + unfiled)
        + _blocks(report_bytes, block_bytes)
        + MARGIN_BYTES
    )


def admit(room: Room, letter_bytes: int, *, unfiled: int = 0, report_bytes: int = 0) -> Admission:
    """Claim the letter now, or let it wait in inbox/ until the share has room."""
    needed = needed_bytes(
        letter_bytes, room.block_bytes, unfiled=unfiled, report_bytes=report_bytes
    )
    entries_ok = not room.counts_entries or room.free_entries >= ENTRIES_PER_LETTER * (1 + unfiled)
    space_ok = not room.counts_space or room.free_bytes >= needed
    return Admission(space_ok and entries_ok, needed, room.free_bytes)


def low_space(folder: Path) -> StorageDetail:
    """The fault a refused admission stands for, to start or go on with an episode."""
    return StorageDetail(StorageKind.FULL, str(folder), LOW_SPACE)


def refusal(
    folder: Path,
    letter_bytes: int,
    *,
    unfiled: int = 0,
    report_bytes: int = 0,
    try_write: bool = False,
) -> StorageDetail | None:
    """Why a letter of `letter_bytes` cannot be claimed into `folder` now (its share is
    read-only, too full or failing), or None if it can. With `try_write`, a write is tried
    for real (once a fault is due for another try): a share may refuse one whatever it says
    of its room."""
    try:
        found = room(folder)
        if found.read_only:
            return StorageDetail(StorageKind.READ_ONLY, str(folder), "EROFS")
        verdict = admit(found, letter_bytes, unfiled=unfiled, report_bytes=report_bytes)
        if not verdict.admitted:
            return low_space(folder)
        if not try_write:
            return None
        probe = folder / PROBE_NAME
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as error:
        return _folder_fault(error, folder)
    return None


def _folder_fault(error: OSError, folder: Path) -> StorageDetail:
    """The storage fault of `error`, met at a folder the flow needs: a missing folder too
    (its share is not mounted, or was mounted without it)."""
    fault = storage_fault(error, folder)
    if fault is not None:
        return fault.detail
    if error.errno not in MISSING:
        raise error
    return StorageDetail(StorageKind.VANISHED, str(folder), errno_name(error.errno))


def share_refusal(folders: FlowFolders, *, try_write: bool = True) -> StorageDetail | None:
    """Why a flow's share cannot take work now: its root or one of its four folders is
    missing (the share is not mounted, or was mounted without them), or `refusal` for
    processing/; None when it can."""
    for folder in (folders.root, *folders.all()):
        try:
            os.stat(folder)
        except OSError as error:
            return _folder_fault(error, folder)
    return refusal(folders.processing, 0, try_write=try_write)
