"""Benchmark: deposits per minute at the subscription's limit, against the daemon's budget.

    .venv/bin/python -m bench.throughput [--letters 2000] [--time-scale 60]
    .venv/bin/python -m bench.throughput --rates 500 1000 [--minutes 3] [--in-flight 8]

`--letters` two-page letters wait in one flow's inbox before the daemon starts. The emulator
enforces the subscription's 500 calls a minute; the daemon runs with its default budget
(480 a minute, 19 of them kept for status polls when both compete) and tracking on: the
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
polls competing, deposits are bounded by the budget's upload share (461 of 480 a minute, the
rest kept for polls while they wait). When the backlog leaves polls due, the daemon runs one
more whole minute from the last deposit, in which the polls have the budget to themselves:
status calls that minute, against the budget. Also counted: the event-loop stalls over 100 ms
the daemon logged (`event_loop_stall`), and how many of them the loop spent computing (its
CPU time at least half the delay) rather than waiting (an fsync, a machine too busy to run
it). Median of `--runs` runs; each takes about letters / 461 minutes (letters / 480 without
polls), plus that minute. The last line is a one-line summary; target: deposits a minute /
budget >= 0.95.

With `--rates`, each run measures every rate in turn, in this process: the emulator enforces
a subscription of that many calls a minute and `[api.budget] calls_per_minute` is the same
figure, without the margin the README advises (the budget's own guard is then all that
keeps it from a 429), with `rate x --minutes` letters waiting. The summary gives the largest
rate's use of its budget, and its figures over the smallest rate's (x2.0 for 1,000 against
500: the daemon keeps up). `--in-flight` sets `[intake] max_in_flight`, in either mode.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.fixtures.pdfs import make_letter
from tests.fixtures.sandbox import Sandbox, sandbox_settings
from tests.fixtures.spool import save

from bench.harness import (
    Daemon,
    Flow,
    Setup,
    Table,
    api_calls,
    filed,
    first_moves,
    ledger_count,
    logged,
    machine,
    median,
)
from imprimfip.config.model import BudgetConfig, IntakeConfig
from imprimfip.ledger.store import iso
from imprimfip.sandbox.server import running_sandbox

SUBSCRIPTION_LIMIT = 500
STATUS = "GET /api/v1/file/{internalRef}/status"
TARGET = 0.95
# The minute of polls alone is read from the log this long after it ends, so that the calls
# on the wire at its end are logged by then.
LOG_GRACE_S = 2.0


@dataclass(frozen=True)
class Trial:
    """One backlog: the emulator's quota, the daemon's `calls_per_minute`, letters waiting,
    and the daemon's `[intake] max_in_flight`."""

    subscription: int
    budget: int
    letters: int
    in_flight: int = IntakeConfig().max_in_flight


def minute_counts(moments: list[float], start: float, minutes: int) -> list[int]:
    """How many of `moments` fall in each of `minutes` whole minutes from `start`."""
    counts = [0] * minutes
    for moment in moments:
        index = math.floor((moment - start) / 60)
        if 0 <= index < minutes:
            counts[index] += 1
    return counts


def polls_due(root: Path) -> int:
    """Letters whose poll is due now, as the daemon's ledger schedules them."""
    now = iso(datetime.now(UTC))
    return ledger_count(root, f"SELECT count(*) FROM tracking WHERE next_poll_at <= '{now}'")


def run(trial: Trial, time_scale: float, root: Path) -> dict[str, float]:
    """One backlog of `trial.letters` deposited by the daemon; returns the figures."""
    settings = sandbox_settings(speed=time_scale, limit_per_minute=trial.subscription)
    with running_sandbox(settings) as handle:
        box = Sandbox(handle, settings)
        tables: dict[str, Table] = {
            "api": {"budget": {"calls_per_minute": trial.budget}},
            "tracking": {"time_scale": time_scale},
            "intake": {"max_in_flight": trial.in_flight},
        }
        config = Setup(handle.api_url, [Flow("courrier")], tables).write(root)
        inbox = root / "spool" / "courrier" / "inbox"
        for n in range(trial.letters):
            save(inbox, f"lettre-{n:05d}.pdf", make_letter(2, text=(f"Courrier n° {n}",)))
        deadline = time.monotonic() + trial.letters / trial.budget * 60 * 2 + 120
        with Daemon(config, root / "daemon.log") as daemon:
            daemon.wait_started()
            while filed(root) < trial.letters and time.monotonic() < deadline:
                time.sleep(0.5)
            due = polls_due(root)
            if due:
                last = max(first_moves(root, "deposited").values())
                time.sleep(max(0.0, last + 60 + LOG_GRACE_S - time.time()))
        stats = box.stats()  # once the daemon is stopped, the emulator answers at once
        box.close()
        received = sorted(first_moves(root, "deposited").values())
    if len(received) < trial.letters:
        path = root / "state" / "ledger.sqlite3"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            states = db.execute("SELECT state, count(*) FROM letters GROUP BY state").fetchall()
        notes = sorted((root / "spool" / "courrier" / "error").glob("*.erreur.txt"))
        first = f"; the first note: {notes[0].read_text()}" if notes else ""
        raise SystemExit(
            f"only {len(received)} of {trial.letters} letters deposited in time; letters by "
            f"state {dict(states)}{first}; the daemon's log ends with:\n"
            + "\n".join((root / "daemon.log").read_text().splitlines()[-30:])
        )
    calls = api_calls(root / "daemon.log")
    stalls = logged(root / "daemon.log", "event_loop_stall")
    print(stall_places(stalls))
    span = received[-1] - received[0]
    # The budget's window starts empty and the last minute is partial: the steady rate is
    # that of the whole minutes from the first deposit (the span alone, for a short run).
    minutes = int(span // 60)
    deposits = minute_counts(received, received[0], minutes)
    every_call = minute_counts([at for at, _ in calls], received[0], minutes)
    over_span = (len(received) - 1) / span * 60
    alone = [at for at, operation in calls if operation == "status" and at >= received[-1]]
    return {
        "budget": trial.budget,
        "span_s": span,
        "whole_minutes": minutes,
        "deposits_per_min": sum(deposits) / minutes if minutes else over_span,
        "median_minute": median(deposits) if minutes else over_span,
        "over_span": over_span,
        "calls_per_min": sum(every_call) / minutes if minutes else len(calls) / span * 60,
        "polls": sum(1 for _, operation in calls if operation == "status"),
        "emulator_polls": stats["by_endpoint"].get(STATUS, 0),
        "throttled": stats["by_status"].get("429", 0),
        "due_after_deposits": due,
        # Status calls in the minute after the last deposit; NaN when no poll was due.
        "polls_alone_per_min": sum(minute_counts(alone, received[-1], 1)) if due else math.nan,
        "stalls": len(stalls),
        "computing_stalls": sum(1 for stall in stalls if computing(stall)),
        "longest_stall_ms": max((stall["ms"] for stall in stalls), default=0),
    }


def computing(stall: dict[str, Any]) -> bool:
    """The loop computed for at least half the time it was late: the daemon's own work; the
    other stalls are waits (fsync, a machine too busy to run it)."""
    return bool(stall["cpu_ms"] >= stall["ms"] / 2)


def stall_places(stalls: list[dict[str, Any]]) -> str:
    """The stalls grouped by where the loop was held, most first: how many, their total
    milliseconds, how many were the loop computing."""
    places: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for stall in stalls:
        places[stall.get("where", "not sampled")].append(stall)
    ranked = sorted(places.items(), key=lambda place: -len(place[1]))
    return "stalls by where the loop was (count, total ms, computing):\n" + "\n".join(
        f"  {len(held):4d} {sum(s['ms'] for s in held):7d} "
        f"{sum(1 for s in held if computing(s)):4d}  {place}"
        for place, held in ranked
    )


def report(run: int, trial: Trial, f: dict[str, float]) -> None:
    alone = (
        f"{f['polls_alone_per_min']:.0f} status calls in the minute after the last deposit "
        f"({f['due_after_deposits']:.0f} polls due then)"
        if f["due_after_deposits"]
        else "no poll due after the last deposit"
    )
    print(
        f"run {run}, subscription {trial.subscription}/min, budget {trial.budget}/min, "
        f"{trial.letters} letters, {trial.in_flight} in flight: first to last deposit "
        f"{f['span_s']:.1f} s ({f['over_span']:.1f} a minute); over {f['whole_minutes']} "
        f"whole minutes {f['deposits_per_min']:.1f} deposits a minute (median minute "
        f"{f['median_minute']:.0f}), all calls {f['calls_per_min']:.1f} a minute; status calls "
        f"{f['polls']} in the log, {f['emulator_polls']} counted by the emulator; {alone}; "
        f"429 answers {f['throttled']}; event-loop stalls over 100 ms {f['stalls']}, "
        f"{f['computing_stalls']} of them computing (longest {f['longest_stall_ms']} ms)"
    )


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the runs (429s and stalls: their sum, their longest)."""
    figures = {key: median([f[key] for f in runs]) for key in runs[0]}
    figures["throttled"] = sum(f["throttled"] for f in runs)
    figures["stalls"] = sum(f["stalls"] for f in runs)
    figures["computing_stalls"] = sum(f["computing_stalls"] for f in runs)
    figures["longest_stall_ms"] = max(f["longest_stall_ms"] for f in runs)
    return figures


def summary_at_limit(args: argparse.Namespace, runs: list[dict[str, float]]) -> str:
    """The default mode's summary: one budget against the 500-a-minute subscription."""
    m = medians(runs)
    budget = m["budget"]
    ratio = m["deposits_per_min"] / budget
    print(
        f"letters: {args.letters} two-page, time scale {args.time_scale:g}, median of "
        f"{args.runs} runs; budget {budget:.0f}, subscription {SUBSCRIPTION_LIMIT}"
    )
    verdict = "met" if ratio >= TARGET else "MISSED"
    return (
        f"SUMMARY throughput: {m['deposits_per_min']:.1f} deposits/min / budget {budget:.0f} = "
        f"{ratio:.3f} (target >= {TARGET}: {verdict}); all calls {m['calls_per_min']:.1f}/min = "
        f"{m['calls_per_min'] / budget:.3f} of budget; {m['polls']:.0f} polls, "
        f"{m['throttled']:.0f} 429s; {args.letters} letters, time scale {args.time_scale:g}"
    )


def summary_by_rate(args: argparse.Namespace, by_rate: dict[int, list[dict[str, float]]]) -> str:
    """Each rate's use of its budget, then the largest rate's figures over the smallest's."""
    figures = {rate: medians(runs) for rate, runs in by_rate.items()}
    for rate, m in figures.items():
        print(
            f"rate {rate}/min (median of {args.runs}): deposits {m['deposits_per_min']:.1f}/min "
            f"= {m['deposits_per_min'] / rate:.3f} of the budget "
            f"({m['deposits_per_min'] / 60:.1f}/s), all calls {m['calls_per_min'] / rate:.3f}; "
            f"polls alone {m['polls_alone_per_min']:.0f}/min = "
            f"{m['polls_alone_per_min'] / rate:.3f} ({m['polls_alone_per_min'] / 60:.1f}/s); "
            f"{m['throttled']:.0f} 429s; {m['stalls']:.0f} stalls, {m['computing_stalls']:.0f} "
            f"computing (longest {m['longest_stall_ms']:.0f} ms)"
        )
    low, high = figures[min(figures)], figures[max(figures)]
    use = high["deposits_per_min"] / max(figures)
    verdict = "met" if use >= TARGET else "MISSED"
    return (
        f"SUMMARY throughput at {max(figures)}/min: deposits {high['deposits_per_min']:.1f}/min "
        f"= {use:.3f} of budget (target >= {TARGET}: {verdict}), all calls "
        f"{high['calls_per_min'] / max(figures):.3f}, polls alone "
        f"{high['polls_alone_per_min'] / max(figures):.3f}; against {min(figures)}/min: "
        f"deposits x{high['deposits_per_min'] / low['deposits_per_min']:.2f}, polls alone "
        f"x{high['polls_alone_per_min'] / low['polls_alone_per_min']:.2f}; "
        f"{sum(m['throttled'] for m in figures.values()):.0f} 429s, "
        f"stalls over 100 ms {high['stalls']:.0f} ({high['computing_stalls']:.0f} computing) "
        f"against {low['stalls']:.0f} ({low['computing_stalls']:.0f}); "
        f"{args.minutes:g} minutes of letters, {args.in_flight} in flight, time scale "
        f"{args.time_scale:g}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--rates", type=int, nargs="+", help="subscriptions to compare, in calls a minute"
    )
    parser.add_argument(
        "--minutes", type=float, default=3.0, help="with --rates: rate x minutes letters"
    )
    parser.add_argument(
        "--in-flight",
        type=int,
        default=IntakeConfig().max_in_flight,
        help="[intake] max_in_flight",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if args.rates:
        trials = [
            Trial(rate, rate, round(rate * args.minutes), args.in_flight) for rate in args.rates
        ]
    else:
        budget = BudgetConfig().calls_per_minute
        trials = [Trial(SUBSCRIPTION_LIMIT, budget, args.letters, args.in_flight)]
    runs: dict[Trial, list[dict[str, float]]] = {trial: [] for trial in trials}
    for number in range(1, args.runs + 1):
        for trial in trials:
            with tempfile.TemporaryDirectory(prefix="imprimfip-throughput-") as folder:
                runs[trial].append(run(trial, args.time_scale, Path(folder)))
            report(number, trial, runs[trial][-1])
    if args.rates:
        print(summary_by_rate(args, {trial.budget: figures for trial, figures in runs.items()}))
    else:
        print(summary_at_limit(args, runs[trials[0]]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
