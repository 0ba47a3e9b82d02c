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
rest reserved for polls while they wait). The run takes about letters / 360 minutes (less
without polls). The last line is a one-line summary; target: deposits a minute / budget >=
0.95.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from tests.fixtures.pdfs import make_letter
from tests.fixtures.sandbox import Sandbox, sandbox_settings

from bench.harness import Daemon, Flow, Setup, api_calls, filed, first_moves, machine, median, save
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
        received = sorted(first_moves(root, "done").values())
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--time-scale", type=float, default=60.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="imprimfip-throughput-") as folder:
        f = run(args.letters, args.time_scale, Path(folder))
    ratio = f["deposits_per_min"] / f["budget"]
    print(f"letters: {args.letters} two-page, time scale {args.time_scale:g}")
    print(f"first to last deposit: {f['span_s']:.1f} s, {f['over_span']:.1f} deposits a minute")
    print(
        f"deposits a minute over {f['whole_minutes']} whole minutes: "
        f"{f['deposits_per_min']:.1f} (median minute {f['median_minute']:.0f})"
    )
    print(
        f"status calls: {f['polls']} in the daemon's log, {f['emulator_polls']} counted by the "
        f"emulator; 429 answers: {f['throttled']}"
    )
    print(
        f"all calls a minute over the whole minutes: {f['calls_per_min']:.1f} = "
        f"{f['calls_per_min'] / f['budget']:.3f} "
        f"of the budget ({f['budget']}), {f['calls_per_min'] / SUBSCRIPTION_LIMIT:.3f} of "
        f"the subscription ({SUBSCRIPTION_LIMIT})"
    )
    verdict = "met" if ratio >= TARGET else "MISSED"
    print(
        f"SUMMARY throughput: {f['deposits_per_min']:.1f} deposits/min / budget {f['budget']} "
        f"= {ratio:.3f} (target >= {TARGET}: {verdict}); all calls {f['calls_per_min']:.1f}/min "
        f"= {f['calls_per_min'] / f['budget']:.3f} of budget; {f['polls']} polls, "
        f"{f['throttled']} 429s; {args.letters} letters, time scale {args.time_scale:g}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
