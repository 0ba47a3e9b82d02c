"""Every benchmark runs from the checkout as its README command does, with tiny parameters,
so that none of them rots: it exits 0 and its last line is its summary with its figures.
A name with options (`throughput --rates`) is one more mode of the same script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import scale

# Each benchmark runs the daemon in a child process.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

SCRIPTS = {
    "throughput": (["--letters", "5"], ["deposits/min / budget 480", "0 429s"]),
    "throughput --rates": (
        ["--rates", "500", "1000", "--minutes", "0.01", "--runs", "1"],
        ["throughput at 1000/min", "against 500/min", "0 429s"],
    ),
    "capacity": (["--letters", "10", "--runs", "1"], ["letters/s", "bare httpx loop"]),
    "pickup": (
        ["--letters", "3", "--runs", "1", "--settle", "0.2", "--poll", "0.5"],
        ["events p50", "polling p50"],
    ),
    "calls_per_letter": (
        ["--letters", "1", "--speed", "500000"],
        ["STD ", "LRE ", "LRAR ", "(5-min poll)"],
    ),
    "idle": (
        ["--flows", "2", "--polled", "1", "--done", "50", "--seconds", "1", "--warmup", "0"],
        ["% of one core", "minimal daemon"],
    ),
    "startup": (["--runs", "1"], ["validate=", "status=", "import_pypdf="]),
    "validation": (
        ["--pages", "20", "--runs", "1", "--pictures", "2"],
        ["pages=20", "worker_peak_rss=", "pictures=", "bare_render="],
    ),
    "scale": (
        ["--letters", "300", "--deposits", "1", "--requests", "2", "--pickups", "3"],
        ["letters=300", "targets met ", *(f"; {row[1]}=" for row in scale.ROWS)],
    ),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_the_benchmark_runs_and_ends_with_its_summary(name):
    args, figures = SCRIPTS[name]
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name.split()[0]}", *args],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("SUMMARY"), last
    for figure in figures:
        assert figure in last, last
