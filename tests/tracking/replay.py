"""Replaying the emulator's planned lives against the poll schedule, without I/O or time.

`replay` asks `status_at` (the emulator's own pure function) what a status call would answer
at each moment the schedule picks, and feeds the answers through the same decisions as the
poller: `observe.changes`, `finality.phase`, `schedule.next_poll`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from imprimfip.api.models import FileStatusReport
from imprimfip.ledger.history import Status
from imprimfip.sandbox.life import FileLife, plan_life, status_at
from imprimfip.sandbox.settings import SandboxSettings
from imprimfip.tracking.finality import Phase, phase
from imprimfip.tracking.observe import changes, documents, file_status, statuses
from imprimfip.tracking.schedule import Timing, next_poll

ZONE = ZoneInfo("Europe/Paris")
DEPOSIT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@dataclass
class Replay:
    calls: int = 0
    seen: list[tuple[datetime, Status]] = field(default_factory=list)
    final: bool = False


def answer(life: FileLife, at: datetime) -> FileStatusReport:
    view = status_at(life, DEPOSIT.timestamp(), at.timestamp(), ZONE)
    return FileStatusReport.from_json({"filename": "f.pdf", "internalRef": "ref", **view})


def replay(life: FileLife, sending_type: str, timing: Timing) -> Replay:
    """Follow one planned life as the poller would; `life` planned at speed 1."""
    result = Replay()
    latest: dict[str, Status] = {}
    at = next_poll(Phase.ANALYSIS, sending_type, DEPOSIT, DEPOSIT, timing, polls=0)
    while at is not None:
        result.calls += 1
        new = changes(latest, statuses(answer(life, at)))
        latest.update({s.reference: s for s in new})
        result.seen += [(at, s) for s in new]
        current = phase(sending_type, file_status(latest), documents(latest))
        result.final = current is Phase.FINAL
        at = next_poll(current, sending_type, DEPOSIT, at, timing, polls=result.calls)
    return result


def lives(sending_type: str, count: int, **rates: float) -> list[FileLife]:
    """`count` lives planned by the emulator at speed 1 (its default failure rates, or
    `rates`)."""
    settings = SandboxSettings(speed=1.0, **rates)
    return [plan_life(f"{n}:ref", sending_type, ["ref"], settings) for n in range(count)]


def happened(life: FileLife, status: str) -> datetime:
    """When the emulator's plan reached `status` (file or document)."""
    offsets = [s.offset_s for d in life.documents for s in d.steps if s.status == status]
    if status == life.status:
        offsets.append(life.analysis_offset_s)
    return DEPOSIT + timedelta(seconds=min(offsets))
