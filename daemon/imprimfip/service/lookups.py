"""What the status page and the CSV reports read, answered from the ledger's lines in worker
threads (`ledger.workers.Reader`): bounded slices through indexes, never the whole history;
and the picture beside a refused letter in its flow's error/ folder.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

import structlog

from imprimfip.delivery.filing import picture_name
from imprimfip.ledger import lines as stored_lines
from imprimfip.ledger import reads
from imprimfip.ledger.store import Ledger, iso
from imprimfip.ledger.workers import Reader, Workers
from imprimfip.outputs.report_csv import (
    STORED_COLUMNS,
    WriteFaults,
    render_stored,
    write_rendered,
)
from imprimfip.outputs.report_periods import Period
from imprimfip.outputs.statuspage.views import Count, Listing, Story, Wanted
from imprimfip.tracking.stored import line_of

log = structlog.get_logger(__name__)

# The page says how many letters are still to be taken into account, up to this many.
WAITING_COUNTED = 1_000_000
PICTURE_MAX_BYTES = 4 * 1024 * 1024
"""Far above a picture's few hundred kB: anything larger was not drawn by us."""


def day_bounds(day: date) -> tuple[str, str]:
    """A day of this machine's calendar as [since, until) in the ledger's UTC text."""
    start = datetime.combine(day, time()).astimezone()
    end = datetime.combine(day + timedelta(days=1), time()).astimezone()
    return iso(start), iso(end)


def slice_of(wanted: Wanted, limit: int) -> reads.Slice:
    since, until = day_bounds(wanted.day) if wanted.day else (None, None)
    after = (
        wanted.after if wanted.after and len(wanted.after) == (2 if wanted.to_do else 1) else None
    )
    return reads.Slice(
        flow=wanted.flow or None,
        status=wanted.status or None,
        since=since,
        until=until,
        to_do=wanted.to_do,
        words=wanted.words,
        after=after,
        limit=limit + 1,
    )


def _listing(db: sqlite3.Connection, wanted: Wanted, limit: int) -> Listing:
    asked = slice_of(wanted, limit)
    rows = (
        reads.lines(db, asked) if not wanted.words or reads.match_expression(wanted.words) else []
    )
    following = reads.cursor(rows[limit - 1], asked) if len(rows) > limit else None
    return Listing([line_of(row) for row in rows[:limit]], following)


def _story(db: sqlite3.Connection, letter_id: int) -> Story | None:
    found = reads.letter(db, letter_id)
    if found is None:
        return None
    letter = found.letter
    return Story(
        letter_id=letter_id,
        flow=letter["flow"],
        file=letter["name"],
        state=letter["state"],
        internal_ref=letter["internal_ref"],
        reason=letter["reason"],
        created_at=letter["created_at"],
        lines=[line_of(row) for row in found.lines],
        moves=[dict(row) for row in found.moves],
        statuses=[dict(row) for row in found.statuses],
        alerts=[dict(row) for row in found.alerts],
    )


def refused_picture(error_folder: Path, final_path: str) -> Path | None:
    """The picture beside a refused letter filed at `final_path` (a path the ledger holds,
    never one taken from the page's address), if it is a file inside `error_folder` or a
    folder under it: a link leading out of error/ is not followed."""
    filed = Path(final_path)
    try:
        found = filed.with_name(picture_name(filed.name)).resolve(strict=True)
        inside = found.is_relative_to(error_folder.resolve(strict=True))
        return found if inside and found.is_file() else None
    except (OSError, ValueError):
        return None


def read_picture(path: Path) -> bytes | None:
    """The bytes of a picture `refused_picture` found; None if it is gone, or was replaced
    meanwhile by a link or by something that is not a plain file of a picture's size."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as opened:
        found = os.fstat(opened.fileno())
        if not stat.S_ISREG(found.st_mode) or found.st_size > PICTURE_MAX_BYTES:
            return None
        try:
            return opened.read(PICTURE_MAX_BYTES)
        except OSError:
            return None


class PageLookups:
    """The status page's `PageSource`; `error_folders` is each flow's error/ folder."""

    def __init__(self, reader: Reader, error_folders: Mapping[str, Path]) -> None:
        self._reader = reader
        self._error_folders = dict(error_folders)

    def _pictures(self, rows: Sequence[sqlite3.Row]) -> dict[int, Path]:
        found = {}
        for row in rows:
            folder = self._error_folders.get(row["flow"])
            picture = refused_picture(folder, row["final_path"]) if folder else None
            if picture is not None:
                found[int(row["id"])] = picture
        return found

    async def _refused(self, letter_ids: Sequence[int]) -> dict[int, Path]:
        if not letter_ids:
            return {}
        rows = await self._reader.run(lambda db: reads.refused_paths(db, letter_ids))
        # A share may be slow: the files are looked at in a thread, as the ledger is read.
        return await asyncio.to_thread(self._pictures, rows)

    async def pictures(self, letter_ids: Sequence[int]) -> set[int]:
        return set(await self._refused(letter_ids))

    async def picture(self, letter_id: int) -> bytes | None:
        found = (await self._refused([letter_id])).get(letter_id)
        return await asyncio.to_thread(read_picture, found) if found else None

    async def counts(self) -> list[Count]:
        rows = await self._reader.run(reads.counts)
        return [Count(*row) for row in rows]

    async def listing(self, wanted: Wanted, limit: int) -> Listing:
        return await self._reader.run(lambda db: _listing(db, wanted, limit))

    async def story(self, letter_id: int) -> Story | None:
        return await self._reader.run(lambda db: _story(db, letter_id))

    async def waiting(self) -> int:
        return await self._reader.run(lambda db: reads.waiting(db, WAITING_COUNTED))


class ReportLookups:
    """The CSV reports' `ReportSource`: reads and writes the files in worker threads."""

    def __init__(self, reader: Reader, writer: Workers[Ledger], roots: Mapping[str, Path]) -> None:
        self._reader = reader
        self._writer = writer
        self._roots = dict(roots)
        self._faults = WriteFaults()

    async def marks(self) -> dict[tuple[str, str], int]:
        return await self._reader.run(stored_lines.report_months)

    async def write(self, flow: str, period: Period) -> bool:
        """Write one report file; False if it cannot be now (said once, tried again after
        a backoff: `report_csv.WriteFaults`)."""
        path = self._roots[flow] / period.name
        if not self._faults.due(path):
            return False

        def write(db: sqlite3.Connection) -> None:
            since, until = iso(period.since), iso(period.until)
            rows = reads.period(db, flow, since, until, STORED_COLUMNS)
            write_rendered(path, render_stored(rows))

        try:
            await self._reader.run(write)
        except OSError as exc:
            self._faults.failed(flow, path, exc)
            return False
        except sqlite3.OperationalError as exc:
            # A read cut short (the reader's time limit): the next round reads again.
            log.warning("report_not_read", flow=flow, path=str(path), error=str(exc))
            return False
        self._faults.succeeded(flow, path)
        return True

    async def written(self, marks: Mapping[tuple[str, str], int]) -> None:
        if not marks:
            return

        def forget(ledger: Ledger) -> None:
            with ledger.transaction() as db:
                stored_lines.months_written(db, dict(marks))

        await self._writer.run(forget)
