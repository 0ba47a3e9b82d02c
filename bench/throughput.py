"""Benchmark: deposits per minute at the subscription's limit, against the daemon's budget.

    .venv/bin/python -m bench.throughput [--letters 2000] [--time-scale 60]

`--letters` two-page letters wait in one flow's inbox before the daemon starts. The emulator
enforces the subscription's 500 calls a minute; the daemon runs with its default budget
(480 a minute, a quarter reserved for status polls when both compete) and tracking on: the
emulator's clock and `[tracking] time_scale` run `--time-scale` times faster, so each letter
gets its analysis poll (10 minutes of service time after its deposit) during the run, as the
letters deposited 10 minutes earlier do in a backlog that lasts longer than that. With
`--time-scale 1`, no poll falls within a backlog shorter than 10 minutes.

Measured from the first deposit accepted (the times the ledger recorded them), over the whole
minutes that follow it (the budget's window starts empty and the last minute is partial):
deposits a minute, their median minute, and all calls a minute (deposits and status calls,
from the `api.call` lines of the daemon's log), each as a share of the budget; also deposits a
minute over the span to the last deposit, status calls counted by the log and by
`/_sandbox/stats`, and 429 answers (the emulator's limit is 500: there should be none). With
polls competing, deposits are bounded by the budget's upload share (360 of 480 a minute, the
rest reserved for polls while they wait). Median of `--runs` runs; each takes about
letters / 360 minutes (letters / 480 without polls). The last line is a one-line summary;
target: deposits a minute / budget >= 0.95.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from tests.fixtures.pdfs import make_letter
from tests.fixtures.sandbox import Sandbox, sandbox_settings
from tests.fixtures.spool import save

from bench.harness import Daemon, Flow, Setup, api_calls, filed, first_moves, machine, median
from imprimfip.config.model import BudgetConfig
from imprimfip.sandbox.server import running_sandbox

SUBSCRIPTION_LIMIT = 500
STATUS = "GET /api/v1/file/{internalRef}/status"
TARGET = 0.95


def minute_counts(moments: list[float], start: float, minutes: int) -> list[int]:
    """How many of `moments` fall in each of `minutes` whole minutes from `start`."""
    counts = [0] * minutes
    for moment in moments:
        index = math.floor((moment - start) / 60)
        if 0 <= index < minutes:
            counts[index] += 1
    return counts


def run(letters: int, time_scale: float, root: Path) -> dict[str, float]:
    """One backlog of `letters` deposited by the daemon; returns the figures."""
    budget = BudgetConfig().calls_per_minute
    settings = sandbox_settings(speed=time_scale, limit_per_minute=SUBSCRIPTION_LIMIT)
    with running_sandbox(settings) as handle:
        box = Sandbox(handle, settings)
        setup = Setup(handle.api_url, [Flow("courrier")], {"tracking": {"time_scale": time_scale}})
        config = setup.write(root)
        inbox = root / "spool" / "courrier" / "inbox"
        for n in range(letters):
            save(inbox, f"lettre-{n:05d}.pdf", make_letter(2, text=(f"Courrier n° {n}",)))
        deadline = time.monotonic() + letters / budget * 60 * 2 + 120
        with Daemon(config, root / "daemon.log") as daemon:
            daemon.wait_started()
            while filed(root) < letters and time.monotonic() < deadline:
                time.sleep(0.5)
            stats = box.stats()
        box.close()
        received = sorted(first_moves(root, "deposited").values())
    if len(received) < letters:
        raise SystemExit(f"only {len(received)} of {letters} letters deposited in time")
    calls = api_calls(root / "daemon.log")
    span = received[-1] - received[0]
    # The budget's window starts empty and the last minute is partial: the steady rate is
    # that of the whole minutes from the first deposit (the span alone, for a short run).
    minutes = int(span // 60)
    deposits = minute_counts(received, received[0], minutes)
    every_call = minute_counts([at for at, _ in calls], received[0], minutes)
    over_span = (len(received) - 1) / span * 60
    return {
        "budget": budget,
        "span_s": span,
        "whole_minutes": minutes,
        "deposits_per_min": sum(deposits) / minutes if minutes else over_span,
        "median_minute": median(deposits) if minutes else over_span,
        "over_span": over_span,
        "calls_per_min": sum(every_call) / minutes if minutes else len(calls) / span * 60,
        "polls": sum(1 for _, operation in calls if operation == "status"),
        "emulator_polls": stats["by_endpoint"].get(STATUS, 0),
        "throttled": stats["by_status"].get("429", 0),
    }


def report(run: int, f: dict[str, float]) -> None:
    print(
        f"run {run}: first to last deposit {f['span_s']:.1f} s ({f['over_span']:.1f} a minute); "
        f"over {f['whole_minutes']} whole minutes {f['deposits_per_min']:.1f} deposits a minute "
        f"(median minute {f['median_minute']:.0f}), all calls {f['calls_per_min']:.1f} a minute; "
        f"status calls {f['polls']} in the log, {f['emulator_polls']} counted by the emulator; "
        f"429 answers {f['throttled']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    runs = []
    for number in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="imprimfip-throughput-") as folder:
            runs.append(run(args.letters, args.time_scale, Path(folder)))
        report(number, runs[-1])
    budget = runs[0]["budget"]
    deposits = median([f["deposits_per_min"] for f in runs])
    calls = median([f["calls_per_min"] for f in runs])
    polls = median([f["polls"] for f in runs])
    throttled = sum(f["throttled"] for f in runs)
    ratio = deposits / budget
    print(
        f"letters: {args.letters} two-page, time scale {args.time_scale:g}, median of "
        f"{args.runs} runs; budget {budget}, subscription {SUBSCRIPTION_LIMIT}"
    )
    verdict = "met" if ratio >= TARGET else "MISSED"
    print(
        f"SUMMARY throughput: {deposits:.1f} deposits/min / budget {budget} = {ratio:.3f} "
        f"(target >= {TARGET}: {verdict}); all calls {calls:.1f}/min = {calls / budget:.3f} "
        f"of budget; {polls:.0f} polls, {throttled} 429s; {args.letters} letters, time scale "
        f"{args.time_scale:g}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
