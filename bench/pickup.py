"""Benchmark: pickup latency, from the moment a writer closes a letter in the inbox to the
moment its upload starts, with filesystem events and with polling.

    .venv/bin/python -m bench.pickup [--letters 50] [--runs 3] [--settle 1] [--poll 2]

For each mode (`watch = "events"`, then `watch = "polling"` with `[intake] poll_seconds`),
each run starts a daemon on a fresh folder; a writer then saves `--letters` letters straight
into the inbox under their final names (open, write, close: the slowest case, as a scanner or
a copy does it), at random intervals of 0 to 0.5 s. The latency of a letter is the time the
ledger recorded its first `submitting` move (the budget granted the upload; its first byte
leaves next) minus the time the writer closed the file, both from this machine's clock. It
includes the settle time, the claim and the letter's validation; the time to the claim (the
ledger's `claimed` move, before validation) is shown too. The emulator has no rate
limit here, so no letter waits for the subscription. p50 and p99 per run, median of the runs.
The last line is a one-line summary; targets: p99 <= settle + 1 s (events), p99 <= settle +
poll interval (polling).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from tests.fixtures.pdfs import make_letter
from tests.fixtures.sandbox import sandbox_settings
from tests.fixtures.waiting import wait_until

from bench.harness import (
    Daemon,
    Flow,
    Setup,
    filed,
    machine,
    median,
    percentile,
    pickup_latencies,
    write_letters,
)
from imprimfip.sandbox.server import running_sandbox


def one_run(
    api_url: str, flow: Flow, poll_s: float, root: Path, *, count: int, seed: int
) -> tuple[list[float], list[float]]:
    """Latencies (seconds) of each of `count` letters in one run: to the upload's start,
    and to the claim (the move into processing/, before the letter is validated)."""
    config = Setup(api_url, [flow], {"intake": {"poll_seconds": poll_s}}).write(root)
    letters = {
        f"lettre-{seed}-{n:04d}.pdf": make_letter(text=(f"Courrier n° {n}, série {seed}",))
        for n in range(count)
    }
    with Daemon(config, root / "daemon.log") as daemon:
        daemon.wait_started()
        closed = write_letters(root / "spool" / flow.name / "inbox", letters, seed)
        wait_until(lambda: filed(root) >= len(letters), timeout=120)
    return pickup_latencies(root, closed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=1.0, help="flow settle_seconds")
    parser.add_argument("--poll", type=float, default=2.0, help="[intake] poll_seconds")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    targets = {"events": args.settle + 1.0, "polling": args.settle + args.poll}
    results: dict[str, tuple[float, float, float]] = {}
    settings = sandbox_settings(limit_per_minute=0)
    with running_sandbox(settings) as handle, tempfile.TemporaryDirectory() as folder:
        for mode in targets:
            flow = Flow("courrier", settle_seconds=args.settle, watch=mode)
            p50s, p99s, claims = [], [], []
            for run in range(args.runs):
                root = Path(folder) / f"{mode}-{run}"
                latencies, to_claim = one_run(
                    handle.api_url, flow, args.poll, root, count=args.letters, seed=run
                )
                p50s.append(percentile(latencies, 50))
                p99s.append(percentile(latencies, 99))
                claims.append(percentile(to_claim, 99))
                print(
                    f"{mode} run {run + 1}: p50 {p50s[-1]:.2f} s, p99 {p99s[-1]:.2f} s, "
                    f"max {max(latencies):.2f} s; to the claim p99 {claims[-1]:.2f} s"
                )
            results[mode] = (median(p50s), median(p99s), median(claims))
    parts = []
    for mode, (p50, p99, claim) in results.items():
        verdict = "met" if p99 <= targets[mode] else "MISSED"
        parts.append(
            f"{mode} p50 {p50:.2f} s p99 {p99:.2f} s (target <= {targets[mode]:g} s: {verdict}; "
            f"claim p99 {claim:.2f} s)"
        )
    print(
        f"letters: {args.letters} a run, settle {args.settle:g} s, poll {args.poll:g} s, "
        f"median of {args.runs} runs"
    )
    print("SUMMARY pickup: " + "; ".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
