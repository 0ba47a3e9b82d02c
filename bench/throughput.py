"""Benchmark: deposits per minute at the subscription's limit, against the daemon's budget.

    .venv/bin/python -m bench.throughput [--letters 2000] [--time-scale 60]

`--letters` two-page letters wait in one flow's inbox before the daemon starts. The emulator
enforces the subscription's 500 calls a minute; the daemon runs with its default budget
(480 a minute, a quarter reserved for status polls when both compete) and tracking on: the
emulator's clock and `[tracking] time_scale` run `--time-scale` times faster, so each letter
gets its analysis poll (10 minutes of service time after its deposit) during the run, as the
letters deposited 10 minutes earlier do in a backlog that lasts longer than that. With
`--time-scale 1`, no poll falls within a backlog shorter than 10 minutes.

Measured from the first deposit accepted (the times the ledger recorded them): deposits a
minute over the whole minutes that follow it (the budget's window starts empty and the last
minute is partial), their median, and over the span to the last deposit; status calls and 429
answers counted by `/_sandbox/stats`; all calls a minute over the span, as a share of the
budget. The run takes about letters / 360 minutes (less without polls). The last line is a
one-line summary; the target is deposits a minute / budget >= 0.95.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.fixtures.pdfs import make_letter
from tests.fixtures.sandbox import Sandbox, sandbox_settings

from bench.harness import Daemon, Flow, Setup, filed, first_moves, machine, median, save
from imprimfip.config.model import BudgetConfig
from imprimfip.sandbox.server import running_sandbox

SUBSCRIPTION_LIMIT = 500
SUBMIT = "POST /api/v1/file/submission"
STATUS = "GET /api/v1/file/{internalRef}/status"
TARGET = 0.95


def minute_counts(moments: list[float]) -> list[int]:
    """Deposits in each whole minute from the first one (the last, partial minute left out)."""
    start = moments[0]
    whole = int((moments[-1] - start) // 60)
    counts = [0] * whole
    for moment in moments:
        index = int((moment - start) // 60)
        if index < whole:
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
    span = received[-1] - received[0]
    polls = stats["by_endpoint"].get(STATUS, 0)
    minutes = minute_counts(received)
    over_span = (len(received) - 1) / span * 60
    return {
        "budget": budget,
        "span_s": span,
        "whole_minutes": len(minutes),
        # The budget's window starts empty and its last minute is partial: whole minutes
        # from the first deposit are the steady rate (the span alone, for a short run).
        "deposits_per_min": sum(minutes) / len(minutes) if minutes else over_span,
        "median_minute": median(minutes) if minutes else over_span,
        "over_span": over_span,
        "polls": polls,
        "throttled": stats["by_status"].get("429", 0),
        "calls_per_min": (stats["by_endpoint"].get(SUBMIT, 0) + polls) / span * 60,
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
    print(f"status calls: {f['polls']}, 429 answers: {f['throttled']}")
    print(
        f"all calls a minute: {f['calls_per_min']:.1f} = {f['calls_per_min'] / f['budget']:.3f} "
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
