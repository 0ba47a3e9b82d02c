"""The small-filesystem fixture does what the storage-fault tests rely on."""

from __future__ import annotations

import errno

import pytest


def test_a_small_disk_fills_frees_and_turns_read_only(tmp_path, small_disk):
    disk = small_disk(tmp_path / "partage", size="400k")
    assert 0 < disk.free_bytes() <= 400 * 1024

    disk.fill()
    assert disk.free_bytes() == 0
    with pytest.raises(OSError) as full:
        (disk.path / "lettre.pdf").write_bytes(bytes(10_000))
    assert full.value.errno == errno.ENOSPC

    disk.free()
    (disk.path / "lettre.pdf").write_bytes(bytes(10_000))

    disk.read_only()
    with pytest.raises(OSError) as read_only:
        (disk.path / "autre.pdf").write_bytes(b"x")
    assert read_only.value.errno == errno.EROFS
    (disk.server / "depuis-un-autre-poste.pdf").write_bytes(b"x")
    assert (disk.path / "depuis-un-autre-poste.pdf").exists()

    disk.read_write()
    (disk.path / "autre.pdf").write_bytes(b"x")


def test_fill_leaves_the_room_asked_for(tmp_path, small_disk):
    disk = small_disk(tmp_path / "partage")
    disk.fill(leave=64 * 1024)
    assert 60 * 1024 <= disk.free_bytes() <= 68 * 1024
