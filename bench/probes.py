"""What `bench.scale` reads of a running daemon: its addresses, its status page followed page
after page, letters deposited one at a time, someone reloading the page, the CSV's rows, the
lines still to bring up to date, the stall count and the peak of resident memory."""

from __future__ import annotations

import html
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
from tests.fixtures.spool import save
from tests.fixtures.waiting import wait_until

from bench.harness import Daemon, sample_letter
from imprimfip.ledger import LetterState
from imprimfip.outputs.report_csv import FILE_NAME

RELOAD_EVERY_S = 0.5
# A status page that blocks the daemon can take minutes on a large ledger: wait for it.
REQUEST_TIMEOUT_S = 900.0
WAIT_S = 1800.0
# The main list's next-page link, as the status page's templates write it (the list of
# letters to look at above it has a link of the same kind, to its own page).
_NEXT = re.compile(r'<a href="([^"]+)">Courriers suivants')


def url_of(daemon: Daemon, event: str) -> str:
    line = wait_until(
        lambda: next((x for x in daemon.log.read_text().splitlines() if event in x), None)
    )
    return line.split('"url": "')[1].split('"')[0]


def timings(action: Callable[[], object], repeats: int) -> list[float]:
    took = []
    for _ in range(repeats):
        started = time.monotonic()
        action()
        took.append(time.monotonic() - started)
    return took


def page_after(http: httpx.Client, page: str, first: str, clicks: int) -> tuple[str, int]:
    """The address reached from `first` by following the list's next-page link `clicks`
    times, as someone clicking "Courriers suivants" does, and the page number it is (fewer
    than `clicks` + 1 when the list ends first)."""
    address, number = first, 1
    for _ in range(clicks):
        found = _NEXT.search(http.get(page.rstrip("/") + address).text)
        if found is None:
            break
        address, number = html.unescape(found.group(1)), number + 1
    return address, number


class Deposits:
    """Letters saved one at a time into the `courrier` inbox, each awaited until decided."""

    def __init__(self, root: Path, first_new_id: int) -> None:
        self.root = root
        self.inbox = root / "spool" / "courrier" / "inbox"
        self.ledger = root / "state" / "ledger.sqlite3"
        self.first_new_id = first_new_id
        self.count = 0
        self.refused: list[str] = []

    def decided(self) -> dict[str, float]:
        """When each new letter was deposited (or refused), by name."""
        with sqlite3.connect(f"file:{self.ledger}?mode=ro", uri=True, timeout=30) as db:
            rows = db.execute(
                "SELECT l.name, t.at, t.to_state FROM transitions t "
                "JOIN letters l ON l.id = t.letter_id WHERE t.letter_id >= ? AND t.to_state IN "
                "(?, ?)",
                (self.first_new_id, LetterState.DEPOSITED, LetterState.REJECTED),
            ).fetchall()
        for name, _, state in rows:
            if state == LetterState.REJECTED and name not in self.refused:
                self.refused.append(name)
        return {name: datetime.fromisoformat(at).timestamp() for name, at, _ in rows}

    def one(self) -> tuple[str, float, float]:
        """Save a letter; its name, when it was saved and when it was decided."""
        self.count += 1
        name = f"nouvelle-{self.count:03d}.pdf"
        saved = time.time()
        save(self.inbox, name, sample_letter(f"Lettre nouvelle {self.count}"))
        decided = wait_until(lambda: self.decided().get(name), timeout=WAIT_S, interval=0.05)
        return name, saved, decided


class Reloader(threading.Thread):
    """Someone reloading the status page twice a second (a request at a time)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.loads = 0

    def run(self) -> None:
        with httpx.Client(timeout=REQUEST_TIMEOUT_S) as http:
            while not self.stop.is_set():
                started = time.monotonic()
                http.get(self.url)
                self.loads += 1
                self.stop.wait(max(0.0, RELOAD_EVERY_S - (time.monotonic() - started)))


def report_rows(root: Path, flow: str) -> bytes:
    path = root / "spool" / flow / FILE_NAME
    return path.read_bytes() if path.exists() else b""


def lines_waiting(root: Path) -> int:
    """Letters whose lines the daemon has yet to bring up to date (0 before that existed)."""
    path = root / "state" / "ledger.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
        try:
            return int(db.execute("SELECT count(*) FROM changed_letters").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def stalls(metrics: str) -> int:
    """Event-loop stalls over 100 ms the daemon counted (`service/stalls.py`); -1 if none is
    exported."""
    for line in metrics.splitlines():
        if line.startswith("imprimfip_event_loop_stalls_total "):
            return int(float(line.split()[1]))
    return -1


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
