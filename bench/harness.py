"""What the benchmarks share: the machine they ran on, a daemon's config and process, letters
saved as an application saves them, the ledger's counts, and the figures' arithmetic.

The benchmarks run the real daemon (`python -m imprimfip run`, a child process) against the
emulator; only `bench.capacity` replaces one part (the rate budget), and says why.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.fixtures.waiting import wait_until

Scalar = str | int | float | bool | Mapping[str, "Scalar"]
Table = Mapping[str, Scalar]

STARTED = "daemon_started"
# Long enough for a daemon on a busy 2-core machine to scan its inboxes and start its workers.
START_TIMEOUT_S = 60.0

# The emulator accepts any password: none is needed, and none is written in a file.
PASSWORD = {"env": "IMPRIMFIP_PASSWORD", "optional": True}
RETURN_ADDRESS = {"name": "MAIRIE DE TESTVILLE", "zip_code": "75001", "town": "PARIS"}


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


def first_moves(root: Path, state: str) -> dict[str, float]:
    """Each letter's name and the epoch second its first move to `state` was recorded (the
    ledger records a deposit as `submitting` once the budget granted it, just before the
    request leaves; as `deposited` once IMPRIM'FIP accepted it)."""
    path = root / "state" / "ledger.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        rows = db.execute(
            "SELECT l.name, MIN(t.at) FROM transitions t JOIN letters l ON l.id = t.letter_id "
            "WHERE t.to_state = ? GROUP BY l.id",
            (state,),
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
