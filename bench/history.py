"""Benchmark: what a long history costs the daemon, against the same daemon on an empty
ledger measured the same way in the same run.

    .venv/bin/python -m bench.history [--letters 1000000] [--deposits 5] [--repeats 3]

The loaded daemon starts on a copy of a ledger of `--letters` letters over three years
(`bench.ledger_seed`: generated once, then cached in the temporary folder, keyed by N), in
four flows, with the metrics endpoint and the status page on. For each daemon it measures:

- start: from the process start to its `daemon_started` line (schema migrations included),
  and the same at the next start, once the ledger is upgraded;
- report: from the process start until every flow's `suivi-des-envois.csv` is written;
- metrics: one scrape of /metrics (median of `--repeats`);
- page: one request of the status page's front page, of one flow, and a search;
- catch-up: from the process start until every letter's lines are up to date (after the
  upgrade of a ledger written by the previous version, every letter's are computed once),
  and one deposit while that goes on;
- deposit: a letter saved into the inbox (settle 0.2 s) until the ledger records it
  deposited, one at a time (median of `--deposits`), first while nobody looks, then while
  someone reloads the status page twice a second: the main loop's latency as letters see it
  (a letter refused instead, for instance because its validation timed out while the loop
  was held, is named);
- report row: from a letter's deposit until it shows in its flow's current CSV (at most
  `--patience` seconds are waited);
- peak RSS: the daemon's high-water mark of resident memory (VmHWM) at the end;
- stalls: how many times the daemon's event loop answered over 100 ms late.

The last line is a one-line summary with the loaded figures and their ratio to the empty
ledger's.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from tests.fixtures.pdfs import make_letter
from tests.fixtures.sandbox import sandbox_settings
from tests.fixtures.spool import save
from tests.fixtures.waiting import wait_until

from bench.harness import Daemon, Flow, Setup, machine
from bench.ledger_seed import cached_ledger
from imprimfip.ledger import LetterState
from imprimfip.outputs.report_csv import FILE_NAME
from imprimfip.sandbox.server import running_sandbox

FLOWS = [
    Flow("courrier", settle_seconds=0.2),
    Flow("recommande", "LRAR", settle_seconds=0.2),
    Flow("electronique", "LRE", settle_seconds=0.2),
    Flow("lots", settle_seconds=0.2),
]
LISTENERS = {
    "metrics": {"enabled": True, "listen": "127.0.0.1:0"},
    "status_page": {"enabled": True, "listen": "127.0.0.1:0"},
}
RELOAD_EVERY_S = 0.5
# A status page that blocks the daemon can take minutes on a large ledger: wait for it.
REQUEST_TIMEOUT_S = 900.0
WAIT_S = 1800.0


@dataclass
class Figures:
    start_s: float = 0.0
    restart_s: float = 0.0
    report_s: float = 0.0
    metrics_s: float = 0.0
    front_s: float = 0.0
    flow_s: float = 0.0
    search_s: float = 0.0
    deposit_s: float = 0.0
    deposit_reloading_s: float = 0.0
    reloads: int = 0
    report_row_s: float = 0.0
    peak_rss_mb: float = 0.0
    catch_up_s: float = 0.0
    deposit_catching_up_s: float = 0.0
    stalls: int = -1  # event-loop stalls over 100 ms counted by the daemon (-1: not counted)
    refused: tuple[str, ...] = ()
    gave_up: bool = False  # the deposit was not in the CSV after --patience seconds


def timed(action: Callable[[], object], repeats: int) -> float:
    took = []
    for _ in range(repeats):
        started = time.monotonic()
        action()
        took.append(time.monotonic() - started)
    return statistics.median(took)


def url_of(daemon: Daemon, event: str) -> str:
    line = wait_until(
        lambda: next((x for x in daemon.log.read_text().splitlines() if event in x), None)
    )
    return line.split('"url": "')[1].split('"')[0]


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
        save(self.inbox, name, make_letter(text=(f"Lettre nouvelle {self.count}",)))
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
    for line in metrics.splitlines():
        if line.startswith("imprimfip_event_loop_stalls_total "):
            return int(float(line.split()[1]))
    return -1


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(api_url: str, letters: int, args: argparse.Namespace) -> Figures:
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="imprimfip-history-") as folder:
        root = Path(folder)
        config = Setup(api_url, FLOWS, LISTENERS).write(root)
        (root / "state").mkdir()
        if letters:
            shutil.copyfile(cached_ledger(letters), root / "state" / "ledger.sqlite3")
        began = time.monotonic()
        with Daemon(config, root / "daemon.log") as daemon:
            figures.start_s = daemon.wait_started(WAIT_S) - began
            wait_until(lambda: all(report_rows(root, f.name) for f in FLOWS), timeout=WAIT_S)
            figures.report_s = time.monotonic() - began
            deposits = Deposits(root, letters + 1)
            if lines_waiting(root):
                _, saved, done = deposits.one()
                figures.deposit_catching_up_s = done - saved
            wait_until(lambda: lines_waiting(root) == 0, timeout=WAIT_S, interval=0.5)
            figures.catch_up_s = time.monotonic() - began
            page, metrics = url_of(daemon, "status_page_started"), url_of(daemon, "metrics_started")
            with httpx.Client(timeout=REQUEST_TIMEOUT_S) as http:
                figures.metrics_s = timed(lambda: http.get(metrics + "metrics"), args.repeats)
                figures.front_s = timed(lambda: http.get(page), args.repeats)
                figures.flow_s = timed(lambda: http.get(page, params={"flux": "lots"}), 1)
                figures.search_s = timed(lambda: http.get(page, params={"q": "DUPONT"}), 1)
            quiet = [deposits.one() for _ in range(args.deposits)]
            figures.deposit_s = statistics.median(done - saved for _, saved, done in quiet)
            name, _, done = quiet[-1]
            try:
                row_seen = wait_until(
                    lambda: name.encode() in report_rows(root, "courrier") and time.time(),
                    timeout=args.patience,
                    interval=0.05,
                )
            except AssertionError:
                row_seen = time.time()
                figures.gave_up = True
            figures.report_row_s = row_seen - done
            reloader = Reloader(page)
            reloader.start()
            busy = [deposits.one() for _ in range(args.deposits)]
            reloader.stop.set()
            reloader.join(REQUEST_TIMEOUT_S)
            figures.reloads = reloader.loads
            figures.deposit_reloading_s = statistics.median(done - saved for _, saved, done in busy)
            figures.peak_rss_mb = peak_rss_mb(daemon.pid)
            figures.stalls = stalls(httpx.get(metrics + "metrics", timeout=REQUEST_TIMEOUT_S).text)
            figures.refused = tuple(deposits.refused)
        began = time.monotonic()
        with Daemon(config, root / "daemon-again.log") as again:
            figures.restart_s = again.wait_started(WAIT_S) - began
    return figures


ROWS = (
    ("start to daemon_started", "start_s", "s"),
    ("the same at the next start", "restart_s", "s"),
    ("every flow's CSV written, from the start", "report_s", "s"),
    ("every letter's lines up to date, from the start", "catch_up_s", "s"),
    ("a deposit meanwhile (0: nothing to catch up)", "deposit_catching_up_s", "s"),
    ("metrics scrape", "metrics_s", "s"),
    ("status page: front page", "front_s", "s"),
    ("status page: one flow", "flow_s", "s"),
    ("status page: a search", "search_s", "s"),
    ("deposit (saved to deposited), nobody looking", "deposit_s", "s"),
    ("deposit while the page is reloaded twice a second", "deposit_reloading_s", "s"),
    ("a deposit shown in the current CSV after", "report_row_s", "s"),
    ("peak resident memory", "peak_rss_mb", "MB"),
    ("event-loop stalls over 100 ms (-1: not counted)", "stalls", ""),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1_000_000)
    parser.add_argument("--deposits", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--patience", type=float, default=900.0, help="longest wait for a row in the CSV"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    started = time.monotonic()
    ledger = cached_ledger(args.letters)
    print(f"ledger of {args.letters} letters: {ledger} ({ledger.stat().st_size / 1e6:.0f} MB)")
    print(f"(generated or found in {time.monotonic() - started:.1f} s)")
    with running_sandbox(sandbox_settings(speed=1.0)) as handle:
        empty = measure(handle.api_url, 0, args)
        loaded = measure(handle.api_url, args.letters, args)
    print(f"{'figure':52} {'empty':>10} {args.letters:>10} {'ratio':>7}")
    parts = []
    for label, key, unit in ROWS:
        base, value = getattr(empty, key), getattr(loaded, key)
        ratio = f"{value / base:.1f}" if base > 0 else "n/a"
        print(f"{label:52} {base:>8.3f}{unit:>2} {value:>8.3f}{unit:>2} {ratio:>7}")
        parts.append(f"{key}={value:.3f} (x{ratio})")
    print(f"page reloads during the busy deposits: empty {empty.reloads}, loaded {loaded.reloads}")
    for figures, which in ((empty, "empty"), (loaded, "loaded")):
        if figures.refused:
            print(f"{which}: letters refused instead of deposited: {', '.join(figures.refused)}")
    if loaded.gave_up:
        print(f"the deposit was still not in the CSV after {args.patience:g} s: gave up waiting")
    print(f"SUMMARY history: letters={args.letters}; " + "; ".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
