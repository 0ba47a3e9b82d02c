"""A letter is claimed only when its share has room to file it; otherwise it waits."""

from __future__ import annotations

import os

from imprimfip.errors import StorageKind
from imprimfip.folders import FlowFolders
from imprimfip.storage.admission import (
    MARGIN_BYTES,
    OUTPUT_FILE_BYTES,
    Room,
    admit,
    low_space,
    needed_bytes,
    room,
    share_refusal,
)
from tests.fixtures.pdfs import make_letter

KIB = 1024


def plenty(free_bytes: int, block_bytes: int = 4096, free_entries: int = 1000) -> Room:
    return Room(free_bytes, block_bytes, free_entries, counts_entries=True)


def test_the_need_counts_the_letter_its_outputs_a_folder_and_the_margin_in_blocks():
    need = needed_bytes(10_000, 4096)
    assert need == 12 * KIB + 2 * OUTPUT_FILE_BYTES + 4 * KIB + MARGIN_BYTES
    assert needed_bytes(10_000, 4096, unfiled=3) == need + 3 * (2 * OUTPUT_FILE_BYTES + 4 * KIB)
    assert needed_bytes(10_000, 4096, report_bytes=1) == need + 4 * KIB


def test_large_blocks_round_every_file_up():
    assert needed_bytes(1, 65536) == 65536 + 2 * 65536 + 65536 + MARGIN_BYTES


def test_a_letter_is_admitted_exactly_when_the_room_covers_the_need():
    need = needed_bytes(50_000, 4096)
    assert admit(plenty(need), 50_000).admitted
    refused = admit(plenty(need - 1), 50_000)
    assert not refused.admitted
    assert (refused.needed_bytes, refused.free_bytes) == (need, need - 1)


def test_letters_claimed_and_not_yet_filed_keep_their_share_of_room():
    free = needed_bytes(50_000, 4096)
    assert admit(plenty(free), 50_000).admitted
    assert not admit(plenty(free), 50_000, unfiled=1).admitted
    assert not admit(plenty(free), 50_000, report_bytes=100_000).admitted


def test_no_free_entries_means_waiting_unless_the_filesystem_counts_none():
    assert not admit(plenty(10 << 20, free_entries=4), 1000).admitted
    uncounted = Room(10 << 20, 4096, free_entries=0, counts_entries=False)
    assert admit(uncounted, 1000).admitted


def test_a_filesystem_that_reports_no_space_at_all_is_not_judged_on_space():
    """smbnetfs (a FUSE SMB client) answers statvfs with zero blocks, zero free: its
    shares have room all the same, and a full one says so when written to."""
    stats = os.statvfs_result((4096, 4096, 0, 0, 0, 0, 0, 0, os.ST_NOSUID, 255))
    unreported = Room.of(stats)
    assert not unreported.counts_space
    assert admit(unreported, 1000).admitted
    assert Room.of(os.statvfs_result((4096, 4096, 9, 0, 0, 9, 0, 0, 0, 255))).counts_space


def test_a_refusal_is_a_full_share(tmp_path):
    detail = low_space(tmp_path)
    assert (detail.kind, detail.path, detail.code) == (StorageKind.FULL, str(tmp_path), "LOW_SPACE")


def test_the_room_of_a_real_folder(tmp_path):
    here = room(tmp_path)
    stats = os.statvfs(tmp_path)
    assert here.free_bytes == stats.f_bavail * stats.f_frsize
    assert here.block_bytes == stats.f_frsize


def test_a_small_share_admits_letters_until_it_is_nearly_full(tmp_path, small_disk):
    disk = small_disk(tmp_path / "partage", size="400k")
    letter = len(make_letter(pages=2))
    assert admit(room(disk.path), letter).admitted
    disk.fill(leave=needed_bytes(letter, 4096) - 8 * KIB)
    assert not admit(room(disk.path), letter).admitted
    disk.free()
    assert admit(room(disk.path), letter).admitted
    assert not room(disk.path).read_only
    disk.read_only()
    assert room(disk.path).read_only


def test_a_share_is_refused_while_its_folder_or_one_of_its_four_is_missing(tmp_path):
    folders = FlowFolders(tmp_path / "partage" / "courrier")
    missing = share_refusal(folders)
    assert missing is not None
    assert (missing.kind, missing.path, missing.code) == (
        StorageKind.VANISHED,
        str(folders.root),
        "ENOENT",
    )

    folders.root.mkdir(parents=True)
    folders.ensure()
    assert share_refusal(folders) is None
    assert os.listdir(folders.processing) == []

    folders.inbox.rmdir()
    missing = share_refusal(folders)
    assert missing is not None
    assert (missing.kind, missing.path) == (StorageKind.VANISHED, str(folders.inbox))
