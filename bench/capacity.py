"""Benchmark: letters a second the daemon deposits end to end when the API sets no limit,
against a bare httpx loop posting the same files to the same emulator.

    .venv/bin/python -m bench.capacity [--letters 500] [--runs 3] [--in-flight 8]

Why the budget is replaced: the config caps `[api.budget] calls_per_minute` at 1,000 (the
largest subscription), about 16 letters a second, so the real daemon cannot be measured above
that through its config, and loosening the cap is not an option. The daemon here is therefore
`imprimfip run` itself (this script re-run as a child with `--serve CONFIG`: the same config
loading, logging, runner and Daemon) with a single change: `Budget.from_config` builds a
budget of 1,000,000 calls a minute. Everything else (inbox scans, claims, the ledger's
fsyncs, validation in worker processes, uploads, filing into done/ with a receipt, JSON
logs) is the production path.

The emulator runs in its own process with no rate limit. Each run, in a fresh folder:
`--letters` two-page letters wait in one flow's inbox (settle time 0) before the daemon
starts; the figure is deposits a second from the first to the last deposit accepted (the
ledger's times), and the wall time from `daemon_started` to the last letter filed. Then the
baseline: one httpx client posting the same files one after the other, with the same
multipart body and headers, timed the same way. Median of `--runs` runs. The last line is a
one-line summary; targets: ratio as high as can be, daemon >= 25 letters a second.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import httpx
from tests.fixtures.pdfs import make_letter
from tests.fixtures.spool import save
from tests.fixtures.waiting import wait_until

from bench.harness import Daemon, Flow, Setup, filed, first_moves, machine, median
from imprimfip.api.budget import Budget
from imprimfip.api.models import Submission
from imprimfip.api.payload import multipart
from imprimfip.config import load_config
from imprimfip.config.model import BudgetConfig
from imprimfip.service import logs
from imprimfip.service.runner import run_daemon

UNBOUNDED = 1_000_000
TARGET_PER_S = 25.0


def serve(config_path: Path) -> None:
    """`imprimfip run --config` with an unbounded budget (see the module's docstring)."""

    def unbounded(cls: type[Budget], config: BudgetConfig) -> Budget:
        return cls(UNBOUNDED, config.poll_share)

    config = load_config(config_path)
    logs.configure(config.logging.level, config.logging.format)
    with mock.patch.object(Budget, "from_config", classmethod(unbounded)):
        asyncio.run(run_daemon(config))


@contextmanager
def emulator(log: Path) -> Iterator[str]:
    """An emulator without a rate limit in a child process; yields its base URL."""
    command = [sys.executable, "-m", "imprimfip", "sandbox", "--port", "0", "--limit", "0"]
    with log.open("w+b") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        try:
            line = wait_until(lambda: _listening(log), timeout=30)
            yield line.split(" on ", 1)[1].split()[0]
        finally:
            process.terminate()
            process.wait(timeout=30)


def _listening(log: Path) -> str | None:
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "listening on" in line:
            return line
    return None


def per_second(moments: list[float]) -> float:
    moments = sorted(moments)
    return (len(moments) - 1) / (moments[-1] - moments[0])


def daemon_run(
    api_url: str, letters: dict[str, bytes], in_flight: int, root: Path
) -> tuple[float, float]:
    """(deposits a second, letters a second from start to all filed) for one run."""
    setup = Setup(
        api_url,
        [Flow("courrier", settle_seconds=0)],
        {"intake": {"max_in_flight": in_flight}},
    )
    config = setup.write(root)
    inbox = root / "spool" / "courrier" / "inbox"
    for name, data in letters.items():
        save(inbox, name, data)
    command = [sys.executable, "-m", "bench.capacity", "--serve"]
    with Daemon(config, root / "daemon.log", command) as daemon:
        started = daemon.wait_started()
        wait_until(lambda: filed(root) >= len(letters), timeout=len(letters) + 60, interval=0.05)
        wall = time.monotonic() - started
    deposits = first_moves(root, "deposited")
    return per_second(list(deposits.values())), len(letters) / wall


async def bare_loop(api_url: str, letters: dict[str, bytes]) -> tuple[float, float]:
    """(deposits a second between the first and last answer, letters a second overall) for
    the same files posted one after the other by a bare httpx client."""
    answered = []
    password = base64.b64encode(b"").decode("ascii")
    async with httpx.AsyncClient(base_url=api_url + "/", timeout=60) as http:
        started = time.monotonic()
        for name, data in letters.items():
            files, form = multipart(
                Submission(filename=name, doc=data, paper="DUPLEX", sending_type="STD"), "json"
            )
            headers = {
                "X-Correlation-ID": str(uuid.uuid4()),
                "X-Request-ID": str(uuid.uuid4()),
                "username": "demo",
                "password": password,
            }
            response = await http.post("file/submission", files=files, data=form, headers=headers)
            response.raise_for_status()
            answered.append(time.monotonic())
    return per_second(answered), len(letters) / (time.monotonic() - started)


def measure(letters: dict[str, bytes], runs: int, in_flight: int) -> list[list[float]]:
    """Per run, daemon then baseline: [daemon deposits/s, daemon start-to-filed letters/s,
    bare deposits/s, bare overall letters/s], each a list over the runs."""
    figures: list[list[float]] = [[], [], [], []]
    with (
        tempfile.TemporaryDirectory(prefix="imprimfip-capacity-") as folder,
        emulator(Path(folder) / "emulator.log") as base_url,
    ):
        api_url = base_url + "/api/v1"
        for run in range(runs):
            ours = daemon_run(api_url, letters, in_flight, Path(folder) / str(run))
            theirs = asyncio.run(bare_loop(api_url, letters))
            for column, value in zip(figures, (*ours, *theirs), strict=True):
                column.append(value)
            print(
                f"run {run + 1}: daemon {ours[0]:.1f}/s deposits ({ours[1]:.1f}/s start to all "
                f"filed), bare httpx loop {theirs[0]:.1f}/s ({theirs[1]:.1f}/s overall)"
            )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--in-flight", type=int, default=8, help="[intake] max_in_flight")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    print(f"machine: {machine()}")
    letters = {
        f"lettre-{n:05d}.pdf": make_letter(2, text=(f"Courrier n° {n}",))
        for n in range(args.letters)
    }
    daemon, daemon_wall, bare, bare_wall = measure(letters, args.runs, args.in_flight)
    ours, theirs = median(daemon), median(bare)
    verdict = "met" if ours >= TARGET_PER_S else "MISSED"
    print(
        f"letters: {args.letters} two-page, max_in_flight {args.in_flight}, "
        f"median of {args.runs} runs"
    )
    print(
        f"SUMMARY capacity: daemon {ours:.1f} letters/s (start to all filed "
        f"{median(daemon_wall):.1f}/s) / bare httpx loop {theirs:.1f}/s "
        f"(overall {median(bare_wall):.1f}/s) = {ours / theirs:.2f}; "
        f"target >= {TARGET_PER_S:g}/s: {verdict}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
