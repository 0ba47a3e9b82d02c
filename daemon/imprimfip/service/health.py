"""What the daemon tells systemd: a one-line status, and whether it is healthy (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Snapshot:
    """The daemon's state as the status line needs it."""

    waiting: int
    in_flight: int
    paused_reason: str
    paused_since: datetime | None
    unavailable_inboxes: tuple[str, ...]


def status_line(snapshot: Snapshot) -> str:
    """One line for `systemctl status`: letters waiting, in flight, and any trouble."""
    parts = [f"{snapshot.waiting} waiting", f"{snapshot.in_flight} in flight"]
    if snapshot.paused_reason:
        since = f" since {snapshot.paused_since.strftime('%H:%M')}" if snapshot.paused_since else ""
        parts.append(f"paused: {snapshot.paused_reason}{since}")
    if snapshot.unavailable_inboxes:
        parts.append(f"inbox unavailable: {', '.join(snapshot.unavailable_inboxes)}")
    return ", ".join(parts)


def healthy(loops_running: bool, watchers_alive: bool) -> bool:
    """Ping systemd's watchdog only while intake loops and watchers work: a wedged daemon
    must be restarted, not kept alive."""
    return loops_running and watchers_alive
