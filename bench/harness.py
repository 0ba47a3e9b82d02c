"""What the benchmarks share: the machine they ran on, a daemon's config and process, letters
written into an inbox and when each was picked up, the ledger's counts, and the figures'
arithmetic. It needs only the daemon's own dependencies (no test extras), so that a bench
built on it runs from a clone installed with `pip install .`.

The benchmarks run the real daemon (`python -m imprimfip run`, a child process) against the
emulator; only `bench.capacity` replaces one part (the rate budget), and says why.
"""

from __future__ import annotations

import functools
import io
import json
import os
import platform
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from pypdf import PdfWriter
from tests.fixtures.waiting import wait_until

Scalar = str | int | float | bool | Mapping[str, "Scalar"]
Table = Mapping[str, Scalar]

STARTED = "daemon_started"
# Long enough for a daemon on a busy 2-core machine to scan its inboxes and start its workers.
START_TIMEOUT_S = 60.0

# The emulator accepts any password: none is needed, and none is written in a file.
PASSWORD = {"env": "IMPRIMFIP_PASSWORD", "optional": True}
RETURN_ADDRESS = {"name": "MAIRIE DE TESTVILLE", "zip_code": "75001", "town": "PARIS"}
MAX_GAP_S = 0.5


def machine() -> str:
    """The machine a figure was measured on: cores, CPU model, Python, load at this moment."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, load {load}"


@dataclass(frozen=True)
class Flow:
    """One `[[flows]]` table; LRAR flows get a return address, LRE letters a sidecar."""

    name: str
    sending_type: str = "STD"
    settle_seconds: float = 0.2
    watch: str = "auto"

    def table(self) -> dict[str, Scalar]:
        return {
            "name": self.name,
            "root": f"spool/{self.name}",
            "sending_type": self.sending_type,
            "settle_seconds": self.settle_seconds,
            "watch": self.watch,
        }


def _toml_value(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return repr(value)


def _toml_table(header: str, values: Table) -> str:
    lines = [header, *(f"{key} = {_toml_value(value)}" for key, value in values.items())]
    return "\n".join(lines) + "\n\n"


@dataclass(frozen=True)
class Setup:
    """A daemon's config: the emulator's URL, its flows, and the tables that differ from
    the defaults (`tables["intake"] = {"max_in_flight": 16}`...). The metrics endpoint and
    the status page are off unless a table turns them on (fixed ports would collide with
    other daemons on the machine)."""

    api_url: str
    flows: Sequence[Flow]
    tables: Mapping[str, Table] = field(default_factory=dict)

    def write(self, root: Path) -> Path:
        """Write `root/imprimfip.toml` and create each flow's inbox; returns the path."""
        tables: dict[str, Table] = {
            "api": {"base_url": self.api_url, "username": "demo", "password": PASSWORD},
            "metrics": {"enabled": False},
            "status_page": {"enabled": False},
            "logging": {"level": "info", "format": "json"},
        }
        for name, values in self.tables.items():
            tables[name] = {**tables.get(name, {}), **values}
        text = ""
        for name, values in tables.items():
            text += _toml_table(f"[{name}]", values)
        for flow in self.flows:
            text += _toml_table("[[flows]]", flow.table())
            if flow.sending_type == "LRAR":
                text += _toml_table("[flows.return_address]", RETURN_ADDRESS)
            (root / "spool" / flow.name / "inbox").mkdir(parents=True, exist_ok=True)
        path = root / "imprimfip.toml"
        path.write_text(text, encoding="utf-8")
        return path


class Daemon:
    """A daemon in a child process, its output in a log file; stopped with SIGTERM."""

    def __init__(self, config: Path, log: Path, command: Sequence[str] | None = None) -> None:
        self.config = config
        self.log = log
        argv = command or [sys.executable, "-m", "imprimfip", "run", "--config"]
        with log.open("ab") as sink:
            self.process = subprocess.Popen(
                [*argv, str(config)], stdout=sink, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_started(self, timeout: float = START_TIMEOUT_S) -> float:
        """Wait for its `daemon_started` line; returns the monotonic time it was seen."""
        wait_until(lambda: self._started() or self.process.poll() is not None, timeout)
        if self.process.poll() is not None:
            raise SystemExit(f"the daemon exited with {self.process.returncode}: see {self.log}")
        return time.monotonic()

    def _started(self) -> bool:
        return STARTED in self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> Daemon:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def ledger_count(root: Path, sql: str) -> int:
    """One count from the daemon's ledger (0 before the daemon created it)."""
    path = root / "state" / "ledger.sqlite3"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # the daemon has not created its tables yet
        return 0


def filed(root: Path) -> int:
    """Letters the daemon has deposited and moved into done/ (or error/)."""
    return ledger_count(root, "SELECT count(*) FROM letters WHERE filed_at IS NOT NULL")


def first_moves(root: Path, state: str, first_id: int = 0) -> dict[str, float]:
    """Each letter's name and the epoch second its first move to `state` was recorded (the
    ledger records a deposit as `submitting` once the budget granted it, just before the
    request leaves; as `deposited` once IMPRIM'FIP accepted it); letters from id `first_id`
    on (a seeded ledger's own letters left out)."""
    path = root / "state" / "ledger.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        rows = db.execute(
            "SELECT l.name, MIN(t.at) FROM transitions t JOIN letters l ON l.id = t.letter_id "
            "WHERE t.to_state = ? AND t.letter_id >= ? GROUP BY l.id",
            (state, first_id),
        ).fetchall()
    return {name: datetime.fromisoformat(at).timestamp() for name, at in rows}


def logged(log: Path, *names: str) -> list[dict[str, Any]]:
    """The events named `names` in a daemon's JSON log, in order, each with `at`: the epoch
    second it was logged."""
    events = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if not any(f'"{name}"' in line for name in names):
            continue
        event = json.loads(line[line.index("{") :])
        if event["event"] in names:
            event["at"] = datetime.fromisoformat(event["timestamp"]).timestamp()
            events.append(event)
    return events


@functools.cache
def _sample() -> bytes:
    return (resources.files("imprimfip.service") / "samples" / "lettre-exemple.pdf").read_bytes()


def sample_letter(text: str) -> bytes:
    """The package's sample letter (the demo's), made unique by `text` in its metadata: the
    daemon holds back a second deposit of the same content in a flow."""
    writer = PdfWriter(clone_from=io.BytesIO(_sample()))
    writer.add_metadata({"/Subject": text})
    data = io.BytesIO()
    writer.write(data)
    return data.getvalue()


def write_letters(inbox: Path, letters: Mapping[str, bytes], seed: int) -> dict[str, float]:
    """Write each letter straight under its final name (open, write, close: the slowest case
    for pickup, as a scanner or a copy does it), at random intervals of 0 to `MAX_GAP_S`;
    returns when each file was closed."""
    chance = random.Random(seed)
    closed = {}
    for name, data in letters.items():
        with (inbox / name).open("wb") as file:
            file.write(data)
        closed[name] = time.time()
        time.sleep(chance.uniform(0, MAX_GAP_S))
    return closed


def pickup_latencies(
    root: Path, closed: Mapping[str, float], first_id: int = 0
) -> tuple[list[float], list[float]]:
    """Pickup of each letter `write_letters` closed: seconds to its upload's start (its
    first `submitting` move), and to its claim (the move into processing/, before it is
    validated)."""
    started = first_moves(root, "submitting", first_id)
    claimed = first_moves(root, "claimed", first_id)
    return (
        [started[name] - at for name, at in closed.items()],
        [claimed[name] - at for name, at in closed.items()],
    )


def api_calls(log: Path) -> list[tuple[float, str]]:
    """(epoch second, operation) of every API call a daemon's JSON log shows ended, answered
    or failed (the time is that of its end)."""
    return [
        (event["at"], event["operation"]) for event in logged(log, "api.call", "api.call_failed")
    ]


def percentile(values: Sequence[float], q: int) -> float:
    """The q-th percentile (1..99), interpolated; the value itself for a single sample."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
