"""Long fault run: letters saved into several flows while the daemon is SIGKILLed and
restarted at random (0.3 to 2 s after each start) and the emulator injects faults; then it
settles and is checked.

    python -m bench.chaos --letters 1000 --kills 100 --seed 1
    python -m bench.chaos --storage --letters 300 --seed 1     # as root

With `--storage`, nothing is killed: one daemon lives through storage faults instead (each
flow's share and the ledger's disk filled, or remounted read-only, at random while letters
arrive: bench/storm.py), and must heal without a restart: the run also counts letters
stuck (in inbox/ or processing/, or not filed) once the faults end, temporaries left, and
the seconds it took to settle after the last fault.

Checks, from the folders, the ledger and the emulator's /_sandbox/submissions: no letter
lost, none mailed twice, every done/ letter deposited exactly once with its internalRef
recorded, every uncertain letter reported (held in error/ with its note). It also measures
how uncertain letters settle: how many letters were ever uncertain, the status calls the
emulator answered (finding lost deposits again; tracking polls are not due within a run),
and the seconds from the end of the faults (the last start) until every letter is settled.
The last line is a one-line summary; the exit status is 1 if any promise was broken. The
test suite runs a short version (tests/service/test_chaos.py).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from tests.fixtures.pdfs import make_letter
from tests.fixtures.spool import save
from tests.fixtures.waiting import wait_until

from bench.harness import START_TIMEOUT_S, STARTED, Flow, Setup, Table
from bench.storm import Storm, StormSettings, save_patiently, small_disks
from imprimfip.ledger import LetterState
from imprimfip.sandbox.server import running_sandbox
from imprimfip.sandbox.settings import Faults, SandboxSettings, rate_fields
from imprimfip.storage.leftovers import is_temporary

DEFAULT_FAULTS = {
    "unavailable_503": 0.05,
    "throttle_429": 0.05,
    "drop_after_accept": 0.05,
    "error_500_after_accept": 0.05,
    "latency_s": 0.02,
}


@dataclass(frozen=True)
class ChaosSettings:
    letters: int = 40
    flows: int = 3
    kills: int = 6
    kill_after_s: tuple[float, float] = (0.3, 2.0)
    faults: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_FAULTS))
    seed: int = 1
    settle_timeout_s: float = 300.0
    # Storage mode: about how long the storm lasts, and how long healing may take.
    storm_s: float = 20.0
    heal_timeout_s: float = 120.0


@dataclass
class ChaosCounts:
    saved: int = 0
    kills: int = 0
    in_done: int = 0
    in_error: int = 0
    uncertain_held: int = 0
    lost: int = 0
    mailed_twice: int = 0
    done_not_deposited_once: int = 0
    done_ref_not_recorded: int = 0
    uncertain_unreported: int = 0
    storage_faults: int = 0
    stuck: int = 0
    temporaries_left: int = 0
    heal_seconds: float | None = None
    ever_uncertain: int = 0
    status_calls: int = 0
    status_calls_per_uncertain: float = 0.0
    settle_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def broken(self) -> int:
        return (
            self.lost
            + self.mailed_twice
            + self.done_not_deposited_once
            + self.done_ref_not_recorded
            + self.uncertain_unreported
            + self.stuck
            + self.temporaries_left
        )


def _config(root: Path, api_url: str, flows: int) -> Path:
    """Fast settle and rescan, short retries: kills and faults come every second or so."""
    tables: dict[str, Table] = {
        "api": {
            "max_attempts": 3,
            "retry_base_s": 0.05,
            "retry_max_delay_s": 0.2,
            "request_timeout_s": 10,
        },
        "intake": {"rescan_seconds": 1, "poll_seconds": 0.2, "shutdown_grace_s": 5},
    }
    setup = Setup(api_url, [Flow(f"flux{n}", settle_seconds=0.1) for n in range(flows)], tables)
    return setup.write(root)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.pdf") if p.is_file()] if folder.exists() else []


def _start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "imprimfip", "run", "--config", str(config)],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def _wait_started(daemon: subprocess.Popen[bytes], log: Path) -> None:
    """Until the daemon says it started (or died): on a loaded machine its start can take
    longer than a kill delay, and a daemon killed before it starts tests nothing."""
    wait_until(
        lambda: daemon.poll() is not None or STARTED in log.read_text(encoding="utf-8"),
        START_TIMEOUT_S,
        interval=0.05,
    )


def _settled(root: Path) -> bool:
    spool = root / "spool"
    if any(_files(spool / flow / "inbox") for flow in os.listdir(spool)):
        return False
    if any(_files(spool / flow / "processing") for flow in os.listdir(spool)):
        return False
    with sqlite3.connect(root / "state" / "ledger.sqlite3") as db:
        pending = db.execute(
            "SELECT count(*) FROM letters WHERE state != 'void' AND filed_at IS NULL"
        ).fetchone()[0]
    return pending == 0


def _writer(
    inboxes: list[Path],
    letters: dict[str, bytes],
    seed: int,
    saver: Callable[[Path, str, bytes], None] = save,
    pause_s: float = 0.05,
) -> threading.Thread:
    """Save every letter into a random flow, as an application does, at a random pace."""

    def write() -> None:
        chance = random.Random(seed)
        for name, data in letters.items():
            saver(inboxes[chance.randrange(len(inboxes))], name, data)
            time.sleep(chance.uniform(0, pause_s))

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def _check(root: Path, letters: dict[str, bytes], submissions: list[dict]) -> ChaosCounts:
    counts = ChaosCounts(saved=len(letters))
    by_sha = Counter(s["sha256"] for s in submissions)
    refs_by_sha: dict[str, set[str]] = {}
    for s in submissions:
        refs_by_sha.setdefault(s["sha256"], set()).add(s["internalRef"])
    counts.mailed_twice = sum(1 for n in by_sha.values() if n > 1)
    spool = root / "spool"
    done = {hashlib.sha256(p.read_bytes()).hexdigest() for p in _files(spool) if "done" in p.parts}
    error = {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in _files(spool) if "error" in p.parts
    }
    counts.in_done, counts.in_error = len(done), len(error)
    wanted = {hashlib.sha256(d).hexdigest() for d in letters.values()}
    counts.lost = len(wanted - done - error)
    with sqlite3.connect(root / "state" / "ledger.sqlite3") as db:
        rows = db.execute("SELECT state, sha256, internal_ref, final_path FROM letters").fetchall()
        counts.ever_uncertain = db.execute(
            "SELECT count(DISTINCT letter_id) FROM transitions WHERE to_state = 'uncertain'"
        ).fetchone()[0]
    for state, sha, ref, final_path in rows:
        if state == LetterState.DEPOSITED:
            counts.done_not_deposited_once += by_sha.get(sha, 0) != 1
            counts.done_ref_not_recorded += ref not in refs_by_sha.get(sha, set())
        elif state == "uncertain":
            counts.uncertain_held += 1
            note = Path(f"{final_path}.erreur.txt") if final_path else None
            counts.uncertain_unreported += note is None or not note.exists()
    counts.stuck = _stuck(root, set(letters))
    counts.temporaries_left = sum(1 for p in spool.rglob(".*") if is_temporary(p.name))
    return counts


def _stuck(root: Path, names: set[str]) -> int:
    """Letters still in an inbox/ or processing/ (claimed under `<token>-<name>`), or whose
    filing the ledger has not seen completed; each counted once."""
    spool = root / "spool"
    waiting = {p.name for flow in os.listdir(spool) for p in _files(spool / flow / "inbox")}
    waiting |= {
        p.name.split("-", 1)[-1]
        for flow in os.listdir(spool)
        for p in _files(spool / flow / "processing")
    }
    with sqlite3.connect(root / "state" / "ledger.sqlite3") as db:
        rows = db.execute("SELECT name FROM letters WHERE state != 'void' AND filed_at IS NULL")
        waiting |= {name for (name,) in rows}
    return len(waiting & names)


def _letters(settings: ChaosSettings) -> dict[str, bytes]:
    return {
        f"lettre-{n:05d}.pdf": make_letter(text=(f"Courrier n° {n} (graine {settings.seed})",))
        for n in range(settings.letters)
    }


def _sandbox(settings: ChaosSettings) -> SandboxSettings:
    overrides = dict.fromkeys(rate_fields(), 0.0)
    return SandboxSettings(
        port=0, speed=1000.0, seed=settings.seed, faults=Faults(**settings.faults), **overrides
    )


def run(settings: ChaosSettings, root: Path) -> ChaosCounts:
    """One fault run in `root`; returns what the checks counted."""
    started = time.monotonic()
    chance = random.Random(settings.seed)
    letters = _letters(settings)
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with running_sandbox(_sandbox(settings)) as handle:
        config = _config(root, handle.api_url, settings.flows)
        inboxes = [root / "spool" / f"flux{n}" / "inbox" for n in range(settings.flows)]
        writer = _writer(inboxes, letters, settings.seed)
        kills = 0
        while kills < settings.kills:
            log = logs / f"daemon-{kills:04d}.log"
            daemon = _start(config, log)
            _wait_started(daemon, log)
            time.sleep(chance.uniform(*settings.kill_after_s))
            daemon.send_signal(signal.SIGKILL)
            daemon.wait(timeout=30)
            kills += 1
        writer.join(timeout=600)
        httpx.post(f"{handle.base_url}/_sandbox/faults", json={}, timeout=10).raise_for_status()
        daemon = _start(config, logs / "daemon-final.log")
        faults_ended = time.monotonic()
        deadline = faults_ended + settings.settle_timeout_s
        try:
            while not (_settled(root) or time.monotonic() > deadline):
                time.sleep(0.2)
            settle_seconds = time.monotonic() - faults_ended
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
        submissions = httpx.get(f"{handle.base_url}/_sandbox/submissions", timeout=30).json()
        stats = httpx.get(f"{handle.base_url}/_sandbox/stats", timeout=30).json()
    counts = _check(root, letters, submissions)
    counts.status_calls = sum(
        n for endpoint, n in stats["by_endpoint"].items() if endpoint.endswith("/status")
    )
    counts.status_calls_per_uncertain = round(
        counts.status_calls / max(counts.ever_uncertain, 1), 1
    )
    counts.settle_seconds = round(settle_seconds, 1)
    counts.kills = kills
    counts.seconds = round(time.monotonic() - started, 1)
    return counts


def run_storage(
    settings: ChaosSettings, root: Path, storm_settings: StormSettings | None = None
) -> ChaosCounts:
    """One storage-fault run in `root` (as root: tmpfs mounts); returns what was counted.

    Letters are saved over about `storm_s` seconds while the storm blows; then the storm
    ends and the same daemon must settle within `heal_timeout_s`.
    """
    started = time.monotonic()
    letters = _letters(settings)
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    flows = [f"flux{n}" for n in range(settings.flows)]
    storm_settings = storm_settings or StormSettings()
    with (
        small_disks(root, flows, storm_settings) as disks,
        running_sandbox(_sandbox(settings)) as handle,
    ):
        config = _config(root, handle.api_url, settings.flows)
        log = logs / "daemon-storage.log"
        daemon = _start(config, log)
        wait_until(lambda: STARTED in log.read_text(encoding="utf-8"), START_TIMEOUT_S)
        storm = Storm(disks, storm_settings, settings.seed)
        storm.start()
        pace = 2 * settings.storm_s / max(settings.letters, 1)
        inboxes = [disks[flow].server / "inbox" for flow in flows]
        writer = _writer(inboxes, letters, settings.seed, save_patiently, pace)
        writer.join(timeout=600)
        calm = storm.stop()
        deadline = calm + settings.heal_timeout_s
        try:
            while not (_settled(root) or time.monotonic() > deadline):
                time.sleep(0.2)
            healed = time.monotonic() if _settled(root) else None
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
        submissions = httpx.get(f"{handle.base_url}/_sandbox/submissions", timeout=30).json()
        counts = _check(root, letters, submissions)
    counts.storage_faults = len(storm.windows)
    counts.heal_seconds = None if healed is None else round(healed - calm, 1)
    counts.seconds = round(time.monotonic() - started, 1)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--flows", type=int, default=3)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--storage",
        action="store_true",
        help="storage faults (full and read-only share and ledger disk) instead of kills; "
        "needs root",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME=P",
        help="override a fault probability (names of /_sandbox/faults)",
    )
    args = parser.parse_args()
    faults = dict(DEFAULT_FAULTS)
    for item in args.fault:
        name, _, value = item.partition("=")
        faults[name] = float(value)
    settings = ChaosSettings(
        letters=args.letters, flows=args.flows, kills=args.kills, faults=faults, seed=args.seed
    )
    with tempfile.TemporaryDirectory(prefix="imprimfip-chaos-") as folder:
        counts = (run_storage if args.storage else run)(settings, Path(folder))
    for key, value in asdict(counts).items():
        print(f"{key}: {value}")
    storage = (
        f"{counts.storage_faults} storage faults, stuck {counts.stuck}, temporaries left "
        f"{counts.temporaries_left}, healed in {counts.heal_seconds} s, "
        if args.storage
        else f"{counts.kills} kills, {counts.ever_uncertain} ever uncertain, "
        f"{counts.status_calls_per_uncertain} status calls each, settled "
        f"{counts.settle_seconds} s after the faults, "
    )
    print(
        f"chaos: {counts.saved} letters, {storage}lost {counts.lost}, "
        f"mailed twice {counts.mailed_twice}, uncertain held {counts.uncertain_held}, "
        f"broken promises {counts.broken}, {counts.seconds} s"
    )
    return 1 if counts.broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
