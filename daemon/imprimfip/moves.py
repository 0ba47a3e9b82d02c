"""Moving letters between a flow's folders: renames only, never overwrite, fsync'd."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from imprimfip import crashpoints
from imprimfip.storage.leftovers import temporary_for


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def free_name(folder: Path, name: str) -> str:
    """`name`, or `name` with a ` (2)`, ` (3)`... suffix before the extension if taken."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, number = name, 1
    while os.path.lexists(folder / candidate):
        number += 1
        candidate = f"{stem} ({number}){dot}{ext}"
    return candidate


def _link_or_rename(source: Path, target: Path) -> None:
    """Rename without ever replacing an existing `target`.

    A hard link fails if the target exists, which a plain rename would silently replace;
    filesystems without hard links (some SMB mounts) fall back to a checked rename.
    """
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}:
            raise
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "target exists", str(target)) from exc
        os.rename(source, target)
        return
    crashpoints.reached("move.linked")
    os.unlink(source)


def _same_entry(first: Path, second: Path) -> bool:
    try:
        a, b = os.lstat(first), os.lstat(second)
    except FileNotFoundError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def move(source: Path, target: Path) -> Path:
    """Move `source` to `target` (or a free name beside it) durably; return where it went.

    Idempotent on replay: if `source` is gone and `target` exists, the move already happened;
    if both are links to one file (a stop between link and unlink), only the unlink is left.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if _same_entry(source, target):
        os.unlink(source)
        _fsync_dir(source.parent)
        return target
    if not os.path.lexists(source):
        if os.path.lexists(target):
            return target
        raise FileNotFoundError(errno.ENOENT, "nothing to move", str(source))
    while True:
        try:
            _link_or_rename(source, target)
            break
        except FileExistsError:
            target = target.parent / free_name(target.parent, target.name)
    _fsync_dir(target.parent)
    _fsync_dir(source.parent)
    return target


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename, fsync'd."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_for(path)
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError:
        # A full or failing disk: leave no half-written file (a crash's is swept at start).
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_dir(path.parent)
