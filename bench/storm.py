"""Storage faults at random, for `python -m bench.chaos --storage`.

Each flow's share and the ledger's folder are small tmpfs mounts (tests/fixtures/
filesystems.py). While letters arrive, one place at a time is filled to the last byte, or
remounted read-only on the daemon's side, for a random while, then given back. Letters are
saved on the server's side of each share, as other machines do, and an application that
finds the share full tries again a little later. Needs root (tmpfs mounts).
"""

from __future__ import annotations

import errno
import random
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.fixtures.filesystems import CannotMount, SmallDisk, mounted_small_disk
from tests.fixtures.spool import save

LEDGER = "ledger"
# How often an application that found the share full tries to save the letter again.
SAVE_RETRY_S = 0.1


@dataclass(frozen=True)
class StormSettings:
    share_size: str = "16m"
    ledger_size: str = "32m"
    hold_s: tuple[float, float] = (0.5, 3.0)
    gap_s: tuple[float, float] = (0.5, 2.0)
    # The chance that a share's fault is a read-only remount, not a full disk. The ledger's
    # disk only fills: the kernel refuses to remount read-only a disk with a file open for
    # writing, and the ledger always is (a disk that fails does it, but a test cannot).
    read_only: float = 0.3


@dataclass(frozen=True)
class Window:
    """One fault: where, what, and when (monotonic seconds)."""

    place: str
    kind: str
    start: float
    end: float


@contextmanager
def small_disks(
    root: Path, flows: Sequence[str], settings: StormSettings
) -> Iterator[dict[str, SmallDisk]]:
    """Mount each flow's share at `root/spool/<flow>` (its server side in `root/servers/`)
    and the ledger's folder at `root/state`; all unmounted on exit."""
    with ExitStack() as stack:
        disks = {
            flow: stack.enter_context(
                mounted_small_disk(
                    root / "spool" / flow, settings.share_size, root / "servers" / flow
                )
            )
            for flow in flows
        }
        disks[LEDGER] = stack.enter_context(
            mounted_small_disk(root / "state", settings.ledger_size, root / "servers" / LEDGER)
        )
        yield disks


def save_patiently(inbox: Path, name: str, data: bytes) -> None:
    """Save as an application does, trying again while the share is full."""
    while True:
        try:
            save(inbox, name, data)
            return
        except OSError as error:
            if error.errno not in {errno.ENOSPC, errno.EDQUOT}:
                raise
            (inbox / f".{name}.part").unlink(missing_ok=True)
            time.sleep(SAVE_RETRY_S)


@dataclass
class Storm:
    """Faults one place at a time, from `start()` until `stop()`."""

    disks: dict[str, SmallDisk]
    settings: StormSettings
    seed: int
    windows: list[Window] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._blow, name="storm", daemon=True)
        self._thread.start()

    def stop(self) -> float:
        """End the storm and its last fault; the monotonic time every fault had ended."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        return time.monotonic()

    def _blow(self) -> None:
        chance = random.Random(self.seed)
        places = sorted(self.disks)
        while not self._stop.wait(chance.uniform(*self.settings.gap_s)):
            place = chance.choice(places)
            disk = self.disks[place]
            read_only = place != LEDGER and chance.random() < self.settings.read_only
            start = time.monotonic()
            read_only = read_only and _made_read_only(disk)
            if not read_only:
                disk.fill()
            try:
                self._stop.wait(chance.uniform(*self.settings.hold_s))
            finally:
                if read_only:
                    disk.read_write()
                else:
                    disk.free()
            kind = "read_only" if read_only else "full"
            self.windows.append(Window(place, kind, start, time.monotonic()))


def _made_read_only(disk: SmallDisk) -> bool:
    """Remount the daemon's side read-only; False when the kernel refuses (a file is being
    written there at that instant)."""
    try:
        disk.read_only()
    except CannotMount:
        return False
    return True
