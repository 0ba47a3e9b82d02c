"""Benchmark: CPU the daemon costs while nothing arrives, with many flows and a long history,
against a minimal daemon (one flow, no history) measured the same way in the same run.

    .venv/bin/python -m bench.idle [--flows 10] [--polled 5] [--done 10000] [--seconds 60]

The loaded daemon has `--flows` flows, `--polled` of them watched by polling (`watch =
"polling"`, as on a network share) and the others by filesystem events, with the production
defaults otherwise (rescan every 60 s, poll every 2 s, tracking at time scale 1, the metrics
endpoint and the status page on). Before it starts, `--done` delivered letters are written
as the daemon would have left them: a PDF and its `.recu.json` receipt in each flow's
done/<date>/ folder, and in the ledger a `done` letter with its three moves, a tracking row
ended as final after 3 polls, and its file and document statuses ("Soumis", "Expédié").
Nothing in the daemon reads done/ (the ledger is what it reads), so the files only make the
folders realistic; the ledger rows are what the poller, the CSV reports and the status page
work from.

CPU is user + system time of the daemon and its child processes (validation workers), read
from /proc/<pid>/stat (and each child's), over `--seconds` seconds that start `--warmup`
seconds after `daemon_started` (the CSV reports are written at start). The last line is a
one-line summary; the target is under 1 % of one core (0.6 CPU seconds a minute).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fixtures.pdfs import make_letter
from tests.fixtures.sandbox import sandbox_settings

from bench.harness import Daemon, Flow, Setup, machine
from imprimfip.ledger import Ledger
from imprimfip.sandbox.server import running_sandbox

TARGET_PERCENT = 1.0
TICKS = os.sysconf("SC_CLK_TCK")
LISTENERS = {
    "metrics": {"enabled": True, "listen": "127.0.0.1:0"},
    "status_page": {"enabled": True, "listen": "127.0.0.1:0"},
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and of its live children, from /proc."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += cpu_seconds(int(child))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command's closing parenthesis: state is field 3, utime 14 and stime 15.
    return total + (int(fields[11]) + int(fields[12])) / TICKS


def write_history(root: Path, flows: list[Flow], count: int) -> None:
    """`count` delivered letters, spread over the flows: files in done/, rows in the ledger."""
    pdf = make_letter()
    sha = hashlib.sha256(pdf).hexdigest()
    ledger = Ledger(root / "state" / "ledger.sqlite3")  # creates the schema
    start = datetime.now(UTC) - timedelta(days=60)
    letters, moves, tracking, statuses = [], [], [], []
    for n in range(count):
        flow = flows[n % len(flows)]
        at = start + timedelta(minutes=n)
        folder = root / "spool" / flow.name / "done" / at.date().isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        name, ref = f"lettre-{n:05d}.pdf", f"lettre-{n:05d}_{n:06d}@demo.pdf"
        (folder / name).write_bytes(pdf)
        receipt = {"internalRef": ref, "sha256": sha, "deposited_at": at.isoformat()}
        (folder / f"{name}.recu.json").write_text(json.dumps(receipt), encoding="utf-8")
        stamp, shipped = at.isoformat(), (at + timedelta(days=1)).isoformat()
        letter_id = n + 1
        place = str(folder / name)
        letters.append(
            (letter_id, flow.name, name, "deposited", sha, len(pdf), name, name, ref, place)
            + (stamp,) * 4
        )
        moves += [(letter_id, stamp, None, "claimed"), (letter_id, stamp, "claimed", "submitting")]
        moves.append((letter_id, stamp, "submitting", "deposited"))
        tracking.append((letter_id, flow.sending_type, stamp, 3, shipped, "final"))
        statuses += [
            (letter_id, "", "Soumis", stamp, stamp),
            (letter_id, ref, "Expédié", shipped, shipped),
        ]
    with ledger.transaction() as db:
        db.executemany(
            "INSERT INTO letters (id, flow, name, state, sha256, size, claim_name, submit_name, "
            "internal_ref, final_path, submitting_since, filed_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            letters,
        )
        db.executemany(
            "INSERT INTO transitions (letter_id, at, from_state, to_state) VALUES (?, ?, ?, ?)",
            moves,
        )
        db.executemany(
            "INSERT INTO tracking (letter_id, sending_type, deposited_at, polls, last_poll_at, "
            "ended) VALUES (?, ?, ?, ?, ?, ?)",
            tracking,
        )
        db.executemany(
            "INSERT INTO status_history (letter_id, reference, status, status_date, seen_at) "
            "VALUES (?, ?, ?, ?, ?)",
            statuses,
        )
    ledger.close()


def measure(api_url: str, flows: list[Flow], done: int, args: argparse.Namespace) -> float:
    """CPU seconds a minute of one idle daemon with `flows` and `done` delivered letters."""
    with tempfile.TemporaryDirectory(prefix="imprimfip-idle-") as folder:
        root = Path(folder)
        config = Setup(api_url, flows, LISTENERS).write(root)
        write_history(root, flows, done)
        with Daemon(config, root / "daemon.log") as daemon:
            daemon.wait_started()
            time.sleep(args.warmup)
            before, started = cpu_seconds(daemon.pid), time.monotonic()
            time.sleep(args.seconds)
            used, elapsed = cpu_seconds(daemon.pid) - before, time.monotonic() - started
    return used / elapsed * 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=10)
    parser.add_argument("--polled", type=int, default=5)
    parser.add_argument("--done", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    flows = [
        Flow(f"flux{n}", settle_seconds=5.0, watch="polling" if n < args.polled else "auto")
        for n in range(args.flows)
    ]
    with running_sandbox(sandbox_settings(speed=1.0)) as handle:
        minimal = measure(handle.api_url, [Flow("courrier", settle_seconds=5.0)], 0, args)
        loaded = measure(handle.api_url, flows, args.done, args)
    percent = loaded / 60 * 100
    print(f"minimal daemon (1 flow, no history): {minimal:.3f} CPU s a minute")
    print(
        f"loaded daemon ({args.flows} flows, {args.polled} polled, {args.done} letters done): "
        f"{loaded:.3f} CPU s a minute = {percent:.2f} % of one core"
    )
    verdict = "met" if percent < TARGET_PERCENT else "MISSED"
    # /proc counts in clock ticks (10 ms): a short run of the minimal daemon may read 0.
    ratio = f"{loaded / minimal:.1f}" if minimal else "n/a"
    print(
        f"SUMMARY idle: {loaded:.3f} CPU s/min = {percent:.2f} % of one core (target < "
        f"{TARGET_PERCENT:g} %: {verdict}); minimal daemon {minimal:.3f} CPU s/min, ratio "
        f"{ratio}; measured over {args.seconds:g} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
