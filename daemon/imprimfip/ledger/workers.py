"""Worker threads that each hold a connection to the ledger of their own.

The event loop writes the letters' transitions on the ledger's main connection; what reads
or rewrites many rows (the status page, the reports, the lines kept for them) runs here, so
the loop's latency never depends on what anyone reads. SQLite in WAL mode lets readers
work beside the writer; a connection is used by the one thread that opened it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Generic, TypeVar

from imprimfip.ledger.reads import read_only
from imprimfip.storage.classify import ledger_faults

T = TypeVar("T")
R = TypeVar("R")


class Workers(Generic[T]):
    """`threads` threads; each opens its resource (a connection) at its first task.

    `run(work)` calls `work(resource)` in one of them. With `timeout_s`, a task that takes
    longer is interrupted by `interrupt(resource, deadline)` (see `reads.read_only`).
    """

    def __init__(
        self,
        opener: Callable[[], T],
        closer: Callable[[T], None],
        *,
        threads: int,
        name: str,
    ) -> None:
        self._open = opener
        self._close = closer
        self._local = threading.local()
        self._opened: list[T] = []
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix=name)

    def _resource(self) -> T:
        found: T | None = getattr(self._local, "resource", None)
        if found is None:
            found = self._open()
            self._local.resource = found
            with self._lock:
                self._opened.append(found)
        return found

    async def run(self, work: Callable[[T], R]) -> R:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: work(self._resource()))

    async def close(self) -> None:
        """Let the task under way finish (each is bounded), drop the others, close."""
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)
        with self._lock:
            for resource in self._opened:
                self._close(resource)
            self._opened.clear()


class Deadline:
    """A time limit for the queries of one task, checked by SQLite's progress handler."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._local = threading.local()

    def start(self) -> None:
        self._local.until = time.monotonic() + self.seconds

    def passed(self) -> bool:
        return time.monotonic() > getattr(self._local, "until", float("inf"))


class Reader:
    """Read-only connections in worker threads, each task limited to `timeout_s`."""

    def __init__(self, path: Path, *, threads: int = 2, timeout_s: float = 10.0) -> None:
        self._path = path
        self._deadline = Deadline(timeout_s)
        self._workers: Workers[sqlite3.Connection] = Workers(
            lambda: read_only(path, self._deadline),
            sqlite3.Connection.close,
            threads=threads,
            name="ledger-reader",
        )

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def timed(db: sqlite3.Connection) -> T:
            self._deadline.start()
            return work(db)

        with ledger_faults(self._path):
            return await self._workers.run(timed)

    async def close(self) -> None:
        await self._workers.close()
