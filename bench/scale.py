"""Benchmark: what a long history costs the daemon, against the same daemon on an empty
ledger measured the same way in the same run, with each of the targets met or missed.

    .venv/bin/python -m bench.scale [--letters 1000000] [--requests 20] [--pickups 60]
                                    [--deposits 5] [--strict]

It runs from a clone installed with `pip install .` (no test extras): the letters are the
package's sample letter, each made unique. The loaded daemon starts on a copy of a ledger of
`--letters` letters over three years as the previous version (schema 2) left it
(`bench.ledger_seed`: generated once, then cached in the temporary folder, keyed by N), in
four flows, with the metrics endpoint and the status page on. For each daemon it measures:

- READY: from the process start to its `daemon_started` line, logged as it tells systemd
  READY=1 (the schema's upgrade included), and the same at the next start; the upgrade's
  migrations, run before READY, as they log it (`ledger_migrated`), and READY after them;
- report: from the process start until every flow's `suivi-des-envois.csv` is written;
- catch-up: from the process start until every letter's lines are up to date (after the
  upgrade, every letter's are computed once, in the background), the catch-up itself as
  the daemon logs it (`lines_caught_up`), and one deposit meanwhile;
- metrics: a scrape of /metrics, p95 of `--requests`;
- page: the status page's front page, one flow, page 100 of the largest flow (the address
  reached by following "Courriers suivants" 99 times, as someone clicking does: the list
  pages by keyset, `?apres=`), and a search, each the p95 of `--requests`;
- deposit: a letter saved into the inbox (settle 0.2 s) until the ledger records it
  deposited, one at a time (median of `--deposits`), while nobody looks;
- CSV: from each of those deposits until it shows in its flow's current CSV (the slowest);
- while someone reloads the front page twice a second: `--deposits` deposits (median), then
  the pickup of `--pickups` letters written straight into the inbox at random intervals
  (`bench.pickup`'s measure: file closed to upload start, p99);
- peak RSS: the daemon's high-water mark of resident memory (VmHWM) at the end;
- stalls: how many times the daemon's event loop answered over 100 ms late, in the run, and
  how many of them once every letter's lines were up to date.

Then each target of a long history (README, "Performance and reliability") is printed with
PASS or MISS; `--strict` makes a miss exit 1. The last line is a one-line summary.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.fixtures.waiting import wait_until

from bench.harness import (
    STARTED,
    Daemon,
    Flow,
    Setup,
    logged,
    machine,
    percentile,
    pickup_latencies,
    sample_letter,
    write_letters,
)
from bench.ledger_seed import cached_ledger
from bench.probes import (
    REQUEST_TIMEOUT_S,
    WAIT_S,
    Deposits,
    Reloader,
    lines_waiting,
    page_after,
    peak_rss_mb,
    report_rows,
    stalls,
    timings,
    url_of,
)
from imprimfip.sandbox.server import running_sandbox
from imprimfip.sandbox.settings import SandboxSettings, rate_fields

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
# The largest flow: the one with a page 100 from about 7,000 letters on.
PAGED_FLOW = "courrier"
CLICKS = 99


@dataclass
class Figures:
    start_s: float = 0.0
    migrations_s: float = 0.0
    ready_after_migrations_s: float = 0.0
    restart_s: float = 0.0
    report_s: float = 0.0
    catch_up_s: float = 0.0
    lines_caught_up_s: float = 0.0
    deposit_catching_up_s: float = 0.0
    metrics_s: float = 0.0
    front_s: float = 0.0
    flow_s: float = 0.0
    page100_s: float = 0.0
    search_s: float = 0.0
    deposit_s: float = 0.0
    report_row_s: float = 0.0
    deposit_reloading_s: float = 0.0
    pickup_p99_s: float = 0.0
    claim_p99_s: float = 0.0
    peak_rss_mb: float = 0.0
    stalls: int = -1  # event-loop stalls over 100 ms counted by the daemon (-1: not counted)
    stalls_after_catch_up: int = -1
    page_reached: int = 0  # the page "page 100" really was (fewer pages: the last one)
    reloads: int = 0
    refused: tuple[str, ...] = ()
    gave_up: bool = False  # a deposit was not in the CSV after --patience seconds


def p95(action: Callable[[], object], repeats: int) -> float:
    return percentile(timings(action, repeats), 95)


def csv_delay(root: Path, name: str, decided: float, patience: float) -> float | None:
    """Seconds from a letter's deposit until its row is in the current CSV; None if it was
    still not there after `patience` seconds."""
    try:
        seen = wait_until(
            lambda: name.encode() in report_rows(root, "courrier") and time.time(),
            timeout=patience,
            interval=0.05,
        )
    except AssertionError:
        return None
    return seen - decided


def pages(figures: Figures, page: str, metrics: str, requests: int) -> None:
    """The scrape's and each page's p95, page 100 reached as someone clicking gets there."""
    with httpx.Client(timeout=REQUEST_TIMEOUT_S) as http:
        figures.metrics_s = p95(lambda: http.get(metrics + "metrics"), requests)
        figures.front_s = p95(lambda: http.get(page), requests)
        figures.flow_s = p95(lambda: http.get(page, params={"flux": "lots"}), requests)
        far, figures.page_reached = page_after(http, page, f"/?flux={PAGED_FLOW}", CLICKS)
        figures.page100_s = p95(lambda: http.get(page.rstrip("/") + far), requests)
        figures.search_s = p95(lambda: http.get(page, params={"q": "DUPONT"}), requests)


def quiet(figures: Figures, root: Path, deposits: Deposits, args: argparse.Namespace) -> None:
    """Deposits while nobody looks, and how long each took to show in the current CSV."""
    took, delays = [], []
    for _ in range(args.deposits):
        name, saved, done = deposits.one()
        took.append(done - saved)
        delay = csv_delay(root, name, done, args.patience)
        figures.gave_up = figures.gave_up or delay is None
        delays.append(args.patience if delay is None else delay)
    figures.deposit_s = statistics.median(took)
    figures.report_row_s = max(delays)


def reloading(
    figures: Figures, root: Path, deposits: Deposits, page: str, args: argparse.Namespace
) -> None:
    """Deposits one at a time, then the pickup of letters written straight into the inbox,
    while someone reloads the front page twice a second."""
    reloader = Reloader(page)
    reloader.start()
    busy = [deposits.one() for _ in range(args.deposits)]
    picked = {
        f"ramassage-{n:03d}.pdf": sample_letter(f"Lettre ramassée {n}") for n in range(args.pickups)
    }
    inbox = root / "spool" / "courrier" / "inbox"
    closed = write_letters(inbox, picked, seed=12)
    wait_until(lambda: set(picked) <= set(deposits.decided()), timeout=WAIT_S, interval=0.2)
    reloader.stop.set()
    reloader.join(REQUEST_TIMEOUT_S)
    figures.reloads = reloader.loads
    figures.deposit_reloading_s = statistics.median(done - saved for _, saved, done in busy)
    to_upload, to_claim = pickup_latencies(root, closed, deposits.first_new_id)
    figures.pickup_p99_s = percentile(to_upload, 99)
    figures.claim_p99_s = percentile(to_claim, 99)


def upgrade(figures: Figures, log: Path) -> None:
    """The migrations' seconds, and READY after the last of them (after the start when there
    was none), from the daemon's log."""
    migrated = logged(log, "ledger_migrated")
    figures.migrations_s = sum(event["seconds"] for event in migrated)
    if migrated:
        [ready] = logged(log, STARTED)
        figures.ready_after_migrations_s = ready["at"] - migrated[-1]["at"]
    else:
        figures.ready_after_migrations_s = figures.start_s


def measure(api_url: str, letters: int, args: argparse.Namespace) -> Figures:
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="imprimfip-scale-") as folder:
        root = Path(folder)
        config = Setup(api_url, FLOWS, LISTENERS).write(root)
        (root / "state").mkdir()
        if letters:
            shutil.copyfile(cached_ledger(letters), root / "state" / "ledger.sqlite3")
        began = time.monotonic()
        with Daemon(config, root / "daemon.log") as daemon:
            figures.start_s = daemon.wait_started(WAIT_S) - began
            upgrade(figures, root / "daemon.log")
            wait_until(lambda: all(report_rows(root, f.name) for f in FLOWS), timeout=WAIT_S)
            figures.report_s = time.monotonic() - began
            deposits = Deposits(root, letters + 1)
            if lines_waiting(root):
                _, saved, done = deposits.one()
                figures.deposit_catching_up_s = done - saved
            wait_until(lambda: lines_waiting(root) == 0, timeout=WAIT_S, interval=0.5)
            figures.catch_up_s = time.monotonic() - began
            caught_up = logged(root / "daemon.log", "lines_caught_up")
            figures.lines_caught_up_s = caught_up[-1]["seconds"] if caught_up else 0.0
            page, metrics = url_of(daemon, "status_page_started"), url_of(daemon, "metrics_started")
            caught_up_stalls = stalls(
                httpx.get(metrics + "metrics", timeout=REQUEST_TIMEOUT_S).text
            )
            pages(figures, page, metrics, args.requests)
            quiet(figures, root, deposits, args)
            reloading(figures, root, deposits, page, args)
            figures.peak_rss_mb = peak_rss_mb(daemon.pid)
            figures.stalls = stalls(httpx.get(metrics + "metrics", timeout=REQUEST_TIMEOUT_S).text)
            figures.stalls_after_catch_up = figures.stalls - caught_up_stalls
            figures.refused = tuple(deposits.refused)
        began = time.monotonic()
        with Daemon(config, root / "daemon-again.log") as again:
            figures.restart_s = again.wait_started(WAIT_S) - began
    return figures


@dataclass(frozen=True)
class Target:
    """At most `bound` on the loaded ledger; times the empty ledger's figure if `relative`."""

    bound: float
    relative: bool = False

    def limit(self, empty: float) -> float:
        return self.bound * empty if self.relative else self.bound

    def met(self, empty: float, loaded: float) -> bool:
        return 0 <= loaded <= self.limit(empty)

    def text(self, unit: str) -> str:
        return (
            f"<= {self.bound:g} x empty" if self.relative else f"<= {self.bound:g} {unit}".strip()
        )


# label, Figures field, unit, target (None: a figure shown for what it explains)
ROWS: tuple[tuple[str, str, str, Target | None], ...] = (
    ("READY, first start (upgrade included)", "start_s", "s", None),
    ("  the upgrade's migrations, before READY", "migrations_s", "s", Target(60.0)),
    ("  READY after the migrations", "ready_after_migrations_s", "s", Target(5.0)),
    ("READY, next start", "restart_s", "s", Target(5.0)),
    ("every flow's CSV written, from the start", "report_s", "s", None),
    ("every letter's lines up to date, from the start", "catch_up_s", "s", None),
    ("  the lines' catch-up itself, in the background", "lines_caught_up_s", "s", Target(60.0)),
    ("a deposit meanwhile (0: nothing to catch up)", "deposit_catching_up_s", "s", None),
    ("metrics scrape p95", "metrics_s", "s", Target(0.05)),
    ("status page p95: front page", "front_s", "s", Target(0.2)),
    ("status page p95: one flow", "flow_s", "s", Target(0.2)),
    ("status page p95: page 100 of a flow", "page100_s", "s", Target(0.2)),
    ("status page p95: a search", "search_s", "s", Target(0.2)),
    ("deposit (saved to deposited), nobody looking", "deposit_s", "s", None),
    ("a new status in the current CSV (slowest)", "report_row_s", "s", Target(2.0)),
    ("deposit while the page is reloaded 2/s", "deposit_reloading_s", "s", None),
    ("pickup p99 while the page is reloaded 2/s", "pickup_p99_s", "s", Target(1.2, True)),
    ("  the same to the claim", "claim_p99_s", "s", None),
    ("peak resident memory", "peak_rss_mb", "MB", Target(250.0)),
    ("event-loop stalls over 100 ms in the run", "stalls", "", Target(0.0)),
    ("  of which once the lines were up to date", "stalls_after_catch_up", "", None),
)


def shown(value: float, unit: str) -> str:
    """A figure with its unit; a count as a whole number."""
    return f"{value:.3f} {unit}" if unit else f"{value:.0f}"


def report(empty: Figures, loaded: Figures, letters: int) -> list[tuple[str, bool]]:
    """Print the figures side by side; returns each target's line and whether it was met."""
    print(f"{'figure':48} {'empty':>10} {letters:>10} {'ratio':>6}  {'target':18} verdict")
    verdicts = []
    for label, key, unit, target in ROWS:
        base, value = getattr(empty, key), getattr(loaded, key)
        ratio = f"{value / base:.2f}" if base > 0 else "n/a"
        row = f"{label:48} {shown(base, unit):>10} {shown(value, unit):>10} {ratio:>6}"
        if target is None:
            print(row)
            continue
        met = target.met(base, value)
        print(f"{row}  {target.text(unit):18} {'PASS' if met else 'MISS'}")
        limit = shown(target.limit(base), unit)
        verdicts.append((f"{label.strip()}: {shown(value, unit)} (target <= {limit})", met))
    return verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20, help="requests per page and scrape")
    parser.add_argument("--pickups", type=int, default=60, help="letters whose pickup is timed")
    parser.add_argument("--deposits", type=int, default=5)
    parser.add_argument(
        "--patience", type=float, default=900.0, help="longest wait for a row in the CSV"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    started = time.monotonic()
    ledger = cached_ledger(args.letters)
    print(f"ledger of {args.letters} letters: {ledger} ({ledger.stat().st_size / 1e6:.0f} MB)")
    print(f"(generated or found in {time.monotonic() - started:.1f} s)")
    emulator = SandboxSettings(port=0, **dict.fromkeys(rate_fields(), 0.0))
    with running_sandbox(emulator) as handle:
        empty = measure(handle.api_url, 0, args)
        loaded = measure(handle.api_url, args.letters, args)
    verdicts = report(empty, loaded, args.letters)
    print(
        f"page 100 of {PAGED_FLOW}: page {empty.page_reached} reached on the empty ledger, "
        f"{loaded.page_reached} on the loaded one; page reloads meanwhile: empty "
        f"{empty.reloads}, loaded {loaded.reloads}; pickups timed: {args.pickups} each"
    )
    for figures, which in ((empty, "empty"), (loaded, "loaded")):
        if figures.refused:
            print(f"{which}: letters refused instead of deposited: {', '.join(figures.refused)}")
    if loaded.gave_up:
        print(f"a deposit was still not in the CSV after {args.patience:g} s: gave up waiting")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average at the end: {load} (other work on the machine delays the loop too)")
    for line, met in verdicts:
        print(f"{'PASS' if met else 'MISS'} {line}")
    parts = [f"{key}={shown(getattr(loaded, key), unit)}" for _, key, unit, _ in ROWS]
    missed = sum(not met for _, met in verdicts)
    print(
        f"SUMMARY scale: letters={args.letters}; page {loaded.page_reached} reached; "
        f"targets met {len(verdicts) - missed}"
        f"/{len(verdicts)}; " + "; ".join(parts)
    )
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
