"""Benchmark: status calls per letter over a whole simulated life, by sending type, against a
fixed poll every 5 minutes over the same lives.

    .venv/bin/python -m bench.calls_per_letter [--letters 30] [--speed 10000]

One daemon with three flows (STD, LRE, LRAR) deposits `--letters` letters each into the
emulator (its default failure rates), whose clock and `[tracking] time_scale` both run
`--speed` times faster, and follows each letter until it is final or past its horizon (all
the ledger's tracking rows ended). Status calls per letter and sending type are the polls
the ledger counted per letter; their total is checked against the status calls counted by
`/_sandbox/stats`. The baseline is computed: the emulator's plan of each submitted life is
drawn again (`plan_life`, a pure function of the seed and internalRef), and a poll every
5 minutes from the deposit stops at the first poll at or after the letter's final status
(or at its horizon). The last line is a one-line summary; target STD <= 4 calls a letter.

At a high speed one real second is hours of service time, so a poll that runs late by a
fraction of a second can skip a point of the schedule: the daemon's counts are a floor for
its schedule at that speed; `tests/tracking/test_schedule.py -k lives` replays the schedule
without time.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from tests.fixtures.pdfs import make_letter
from tests.fixtures.sandbox import Sandbox
from tests.fixtures.spool import save
from tests.tracking.replay import DEPOSIT, answer

from bench.harness import Daemon, Flow, Setup, ledger_count, machine
from imprimfip.sandbox.life import FileLife, plan_life
from imprimfip.sandbox.server import running_sandbox
from imprimfip.sandbox.settings import SandboxSettings
from imprimfip.tracking.finality import Phase, phase
from imprimfip.tracking.observe import documents, file_status, statuses
from imprimfip.tracking.schedule import DAY, MINUTE, Timing

STATUS = "GET /api/v1/file/{internalRef}/status"
FIXED_POLL_S = 5 * MINUTE
TYPES = {"courrier": "STD", "electronique": "LRE", "recommande": "LRAR"}
TARGET_STD = 4


def final_age(life: FileLife, sending_type: str, horizon_s: float) -> float:
    """Service seconds from the deposit to the first moment the life is final (its
    horizon if it never is), for a life planned at speed 1."""
    moments = sorted(
        {life.analysis_offset_s, *(s.offset_s for d in life.documents for s in d.steps)}
    )
    for offset in moments:
        # A second past the step: the moment is rounded to microseconds on the way.
        view = answer(life, DEPOSIT + timedelta(seconds=offset + 1))
        latest = {status.reference: status for status in statuses(view)}
        if phase(sending_type, file_status(latest), documents(latest)) is Phase.FINAL:
            return min(offset, horizon_s)
    return horizon_s


def fixed_polls(submissions: list[dict], settings: SandboxSettings) -> dict[str, list[int]]:
    """Per sending type, the 5-minute polls each submitted life would cost."""
    at_speed_1 = SandboxSettings(**{**settings.__dict__, "speed": 1.0})
    timing = Timing()
    found: dict[str, list[int]] = defaultdict(list)
    for sub in submissions:
        kind, ref = sub["sendingType"], sub["internalRef"]
        life = plan_life(f"{settings.seed}:{ref}", kind, [ref], at_speed_1)
        age = final_age(life, kind, timing.horizon(kind))
        found[kind].append(max(1, math.ceil(age / FIXED_POLL_S)))
    return found


def daemon_polls(root: Path) -> dict[str, list[int]]:
    """Per sending type, the status answers the ledger counted for each letter."""
    with sqlite3.connect(root / "state" / "ledger.sqlite3") as db:
        rows = db.execute("SELECT sending_type, polls FROM tracking").fetchall()
    found: dict[str, list[int]] = defaultdict(list)
    for kind, polls in rows:
        found[kind].append(polls)
    return found


def run(letters: int, speed: float, root: Path) -> tuple[dict, dict, int]:
    """Deposit and follow every letter; (daemon polls, fixed polls, status calls seen)."""
    settings = SandboxSettings(port=0, speed=speed)
    flows = [Flow(name, kind, settle_seconds=0.1) for name, kind in TYPES.items()]
    with running_sandbox(settings) as handle:
        box = Sandbox(handle, settings)
        config = Setup(handle.api_url, flows, {"tracking": {"time_scale": speed}}).write(root)
        for flow in flows:
            inbox = root / "spool" / flow.name / "inbox"
            for n in range(letters):
                data = make_letter(text=(f"Courrier n° {n} ({flow.sending_type})",))
                save(inbox, f"lettre-{n:04d}.pdf", data, flow.sending_type)
        total = letters * len(flows)
        deadline = time.monotonic() + 30 * DAY / speed * 1.5 + 120
        ended = "SELECT count(*) FROM tracking WHERE ended IS NOT NULL"
        with Daemon(config, root / "daemon.log") as daemon:
            daemon.wait_started()
            while ledger_count(root, ended) < total and time.monotonic() < deadline:
                time.sleep(0.5)
        if ledger_count(root, ended) < total:
            raise SystemExit(f"not every letter was followed to its end in time: see {root}")
        calls = box.stats()["by_endpoint"].get(STATUS, 0)
        fixed = fixed_polls(box.submissions(), settings)
        box.close()
    return daemon_polls(root), fixed, calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=30, help="letters per sending type")
    parser.add_argument("--speed", type=float, default=10_000.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="imprimfip-calls-") as folder:
        ours, fixed, calls = run(args.letters, args.speed, Path(folder))
    counted = sum(sum(polls) for polls in ours.values())
    print(f"status calls: {calls} counted by the emulator, {counted} by the ledger")
    parts = []
    for kind in TYPES.values():
        mean = sum(ours[kind]) / len(ours[kind])
        base = sum(fixed[kind]) / len(fixed[kind])
        print(
            f"{kind}: {mean:.2f} calls a letter (max {max(ours[kind])}), fixed 5-minute poll "
            f"{base:.0f} ({base / mean:.0f} x more), {len(ours[kind])} letters"
        )
        parts.append(f"{kind} {mean:.2f} vs {base:.0f}")
    std = sum(ours["STD"]) / len(ours["STD"])
    verdict = "met" if std <= TARGET_STD else "MISSED"
    print(
        f"SUMMARY calls per letter: {', '.join(parts)} (5-min poll); STD target <= "
        f"{TARGET_STD}: {verdict}; emulator counted {calls} status calls, ledger {counted}; "
        f"speed {args.speed:g}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
