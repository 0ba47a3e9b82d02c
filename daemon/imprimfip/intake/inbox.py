"""One flow's inbox: what is in it, what is ready, and waking up when it changes.

Native events (watchdog) only say "look now"; a full scan is always the source of truth,
done at start, after each event, when a file is due to be settled, and every
`rescan_seconds` as a safety net (events are lost on overflow and on network shares).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import structlog
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from imprimfip.config.model import FlowConfig
from imprimfip.folders import FlowFolders
from imprimfip.intake.mounts import WatchMode, choose_watch, mount_of
from imprimfip.intake.names import is_candidate, matches, safe_name
from imprimfip.intake.readiness import Look, Watch, assess

log = structlog.get_logger(__name__)

# How deep sub-folders of an inbox are looked into, when a flow takes them.
MAX_DEPTH = 8


class _Wakeup(FileSystemEventHandler):
    # Our own scans open the folder: reacting to opens would make every scan wake the next.
    _QUIET = frozenset({"opened", "closed_no_write"})

    def __init__(self, poke: Callable[[], None]) -> None:
        self._poke = poke

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in self._QUIET:
            self._poke()


class Inbox:
    """Tracks the entries of one inbox until they are ready to be claimed."""

    def __init__(
        self,
        flow: FlowConfig,
        folders: FlowFolders,
        rescan_seconds: float,
        poll_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.flow = flow
        self.folders = folders
        self._rescan_seconds = rescan_seconds
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._watches: dict[str, Watch] = {}
        self._wake = asyncio.Event()
        self._observer: Observer | None = None  # type: ignore[valid-type]
        self._loop: asyncio.AbstractEventLoop | None = None
        self.available = True
        self.watcher_restarts = 0
        self.looks = 0
        self.waiting = 0
        self._choose_watch()

    def _choose_watch(self) -> None:
        """Events or polling, by the filesystem the inbox is on now (a share mounted after
        the start is judged once it is there), said in the log."""
        self.watch = choose_watch(self.flow.watch, mount_of(self.folders.inbox))
        self.polling = self.watch.mode is WatchMode.POLLING
        log.info(
            "inbox_watch",
            flow=self.flow.name,
            mode=str(self.watch.mode),
            reason=self.watch.reason,
            every_s=self._poll_seconds if self.polling else self._rescan_seconds,
        )

    def start(self) -> None:
        """Start native events for a local inbox (polling inboxes need no thread); an inbox
        missing now (its share not mounted yet) is watched once it is there."""
        self._loop = asyncio.get_running_loop()
        if self.polling:
            return
        try:
            self._start_observer()
        except OSError:
            self.available = False

    def _start_observer(self) -> None:
        observer = Observer()
        observer.schedule(
            _Wakeup(self.poke), str(self.folders.inbox), recursive=self.flow.subfolders
        )
        observer.daemon = True
        observer.start()
        self._observer = observer

    @property
    def watching(self) -> bool:
        """Events flow (or are not needed: polling, or an inbox known to be unavailable)."""
        if self.polling or not self.available:
            return True
        return self._observer is not None and self._observer.is_alive()

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None

    def poke(self) -> None:
        """Ask for a look now; safe to call from the watchdog thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    def _supervise(self, *, renew: bool = False) -> None:
        """Restart a dead observer, or any observer when `renew` (an inbox that vanished
        and came back is a new folder: the old watch sees nothing of it)."""
        if self.polling or self._loop is None or not self.available:
            return
        if renew or self._observer is None or not self._observer.is_alive():
            self.stop()
            try:
                self._start_observer()
            except OSError as exc:
                log.warning("watcher_restart_failed", flow=self.flow.name, error=str(exc))
                return
            self.watcher_restarts += 1

    def _scan(self, folder: Path, prefix: str, depth: int) -> Iterator[tuple[str, Look]]:
        """Candidates in `folder`, named relative to the inbox; sub-folders only if the
        flow says so, never through a link, and not deeper than MAX_DEPTH."""
        with os.scandir(folder) as entries:
            for entry in entries:
                relative = prefix + entry.name
                candidate = is_candidate(entry.name, self.flow.include, self.flow.ignore)
                if (
                    self.flow.subfolders
                    and not candidate
                    and depth < MAX_DEPTH
                    and not matches(entry.name, self.flow.ignore)
                    and entry.is_dir(follow_symlinks=False)
                ):
                    yield from self._scan_subfolder(Path(entry.path), relative + "/", depth + 1)
                elif candidate:
                    info = entry.stat(follow_symlinks=False)
                    yield relative, Look(size=info.st_size, mtime_ns=info.st_mtime_ns)

    def _scan_subfolder(self, folder: Path, prefix: str, depth: int) -> Iterator[tuple[str, Look]]:
        # A sub-folder that cannot be read (permissions) must not hide the rest of the inbox.
        try:
            yield from self._scan(folder, prefix, depth)
        except OSError as exc:
            log.warning(
                "subfolder_unreadable",
                flow=self.flow.name,
                folder=safe_name(prefix),
                error=exc.strerror,
            )

    def _entries(self) -> dict[str, Look] | None:
        try:
            return dict(self._scan(self.folders.inbox, "", 0))
        except OSError as exc:
            if self.available:
                log.error(
                    "inbox_unavailable",
                    flow=self.flow.name,
                    inbox=str(self.folders.inbox),
                    error=exc.strerror,
                )
            self.available = False
            return None

    def _marker(self, name: str) -> Path | None:
        if self.flow.marker_suffix is None:
            return None
        return self.folders.inbox / f"{name}{self.flow.marker_suffix}"

    def look(self) -> tuple[list[str], float]:
        """Scan the inbox: the names ready to claim now, and when to look again."""
        now = self._clock()
        next_look = now + (self._poll_seconds if self.polling else self._rescan_seconds)
        self.looks += 1
        entries = self._entries()
        if entries is None:
            return [], now + min(self._poll_seconds, self._rescan_seconds)
        if not self.available:
            log.info("inbox_available_again", flow=self.flow.name)
            self.available = True
            self.stop()
            self._choose_watch()
            self._supervise(renew=True)
        self.waiting = len(entries)
        ready = []
        for name in set(self._watches) - set(entries):
            del self._watches[name]
        for name, entry in sorted(entries.items()):
            marker = self._marker(name)
            if marker is not None:
                if marker.exists():
                    ready.append(name)
                continue
            verdict = assess(self._watches.get(name), entry, now, self.flow.settle_seconds)
            self._watches[name] = verdict.watch
            if verdict.ready:
                ready.append(name)
            elif verdict.check_again_at is not None:
                next_look = min(next_look, verdict.check_again_at)
        return ready, next_look

    def handed_out(self, name: str) -> None:
        """`name` was claimed (or tried): forget it, and drop its marker file if any."""
        self._watches.pop(name, None)
        marker = self._marker(name)
        if marker is not None:
            try:
                marker.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning(
                    "marker_not_removed",
                    flow=self.flow.name,
                    name=safe_name(name),
                    error=exc.strerror,
                )

    def now(self) -> float:
        """The clock `look` and `wait` count in."""
        return self._clock()

    async def wait(self, until: float) -> None:
        """Sleep until `until`, or until an event says the inbox changed."""
        self._supervise()
        delay = max(0.0, until - self._clock())
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
        # that arrives as the event is set, and the loop would then never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._wake.wait()
        self._wake.clear()
