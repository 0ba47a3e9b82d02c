"""Copies of the live ledger: consistent while the daemon writes, checked, never half-written.

A copy is taken with SQLite's online backup API from a read-only connection: one read
transaction, so it is the ledger as it stood at one instant, while the daemon goes on
writing (WAL lets a reader and a writer work at once). It is written beside its
destination under a temporary name, checked with `PRAGMA quick_check`, fsync'd and only
then renamed into place. `DailyBackups` makes one a day into `[ledger] backup_dir` and
keeps the `backup_keep` latest, in a worker thread so that the event loop never waits for
the disk (README, "Back up and restore the ledger").
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from imprimfip.errors import LedgerDamaged
from imprimfip.ledger.integrity import damaged, quick_check, read_only, reading

log = structlog.get_logger(__name__)

EVERY = timedelta(days=1)
# After a failed backup (a full or missing backup disk), try again this much later.
RETRY_AFTER = timedelta(hours=1)
# The folder is looked at again at least this often (a backup taken by hand counts).
LOOK_EVERY_S = 3600.0
_NAME = re.compile(r"^ledger-(\d{8}-\d{6})\.sqlite3$")
_STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class Copy:
    """A finished backup: where, how large, how long it took."""

    path: Path
    size: int
    seconds: float


def backup_name(now: datetime) -> str:
    """The file name of a backup taken at `now` (local time): sorts by date."""
    return f"ledger-{now.strftime(_STAMP)}.sqlite3"


def taken_at(name: str) -> datetime | None:
    """When the backup named `name` was taken, None for any other file."""
    found = _NAME.match(name)
    return None if found is None else datetime.strptime(found.group(1), _STAMP)


def to_prune(names: Iterable[str], keep: int) -> list[str]:
    """The backups beyond the `keep` latest; files not named as backups are never listed."""
    backups = sorted((n for n in names if taken_at(n) is not None), reverse=True)
    return backups[keep:]


def latest(names: Iterable[str]) -> str | None:
    backups = sorted(n for n in names if taken_at(n) is not None)
    return backups[-1] if backups else None


def next_backup_at(latest_name: str | None, now: datetime) -> datetime:
    """A backup is due a day after the latest one, at once if there is none (or its date
    is in the future: a clock set back)."""
    last = taken_at(latest_name) if latest_name else None
    if last is None or last > now:
        return now
    return last + EVERY


def _fsync(path: Path, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_ledger(
    source: Path, destination: Path, clock: Callable[[], float] = time.monotonic
) -> Copy:
    """Copy the ledger at `source` to `destination` (a file path), consistently.

    Raises LedgerDamaged when SQLite finds the source (or the copy) damaged, OSError when
    the destination cannot be written; a failed copy leaves nothing behind.
    """
    started = clock()
    temporary = destination.with_name(f".{destination.name}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        _copy(source, temporary)
        findings = quick_check(temporary)
        if findings:
            raise damaged(source, "; ".join(findings[:5]))
        _fsync(temporary)
        os.replace(temporary, destination)
        _fsync(destination.parent, os.O_RDONLY | os.O_DIRECTORY)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Copy(destination, destination.stat().st_size, clock() - started)


def _copy(source: Path, temporary: Path) -> None:
    if not source.is_file():
        raise FileNotFoundError(2, "the ledger does not exist", str(source))
    with reading(source):
        reader = read_only(source)
        writer = sqlite3.connect(temporary)
        try:
            reader.backup(writer)
            # The copy stands alone: one file, no -wal beside it to carry around.
            writer.execute("PRAGMA journal_mode = DELETE")
        finally:
            writer.close()
            reader.close()


class DailyBackups:
    """One backup a day of the live ledger into `folder`, the `keep` latest kept."""

    def __init__(
        self,
        ledger: Path,
        folder: Path,
        keep: int,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self._ledger = ledger
        self._folder = folder
        self._keep = keep
        self._now = now

    def run_once(self) -> Copy:
        """Take a backup now and prune the old ones (blocking: run it in a thread)."""
        self._folder.mkdir(parents=True, exist_ok=True)
        copy = copy_ledger(self._ledger, self._folder / backup_name(self._now()))
        for name in to_prune(os.listdir(self._folder), self._keep):
            (self._folder / name).unlink(missing_ok=True)
        return copy

    def due_at(self) -> datetime:
        try:
            names = os.listdir(self._folder)
        except OSError:
            names = []
        return next_backup_at(latest(names), self._now())

    async def run(self) -> None:
        """Back up whenever due, until cancelled; a failure is logged and tried again."""
        while True:
            delay = (self.due_at() - self._now()).total_seconds()
            if delay > 0:
                await asyncio.sleep(min(delay, LOOK_EVERY_S))
                continue
            try:
                copy = await asyncio.to_thread(self.run_once)
            except LedgerDamaged as exc:
                log.error(
                    "ledger_damaged",
                    path=str(exc.path),
                    error=exc.detail,
                    action="stop the service and restore the latest backup (README, "
                    '"Back up and restore the ledger")',
                )
                await asyncio.sleep(RETRY_AFTER.total_seconds())
                continue
            except OSError as exc:
                log.warning(
                    "ledger_backup_failed",
                    folder=str(self._folder),
                    error=str(exc),
                    action=f"check that {self._folder} exists, is writable by the service "
                    f"and has room; trying again in {RETRY_AFTER}",
                )
                await asyncio.sleep(RETRY_AFTER.total_seconds())
                continue
            log.info(
                "ledger_backup",
                path=str(copy.path),
                bytes=copy.size,
                seconds=round(copy.seconds, 3),
                kept=self._keep,
            )
