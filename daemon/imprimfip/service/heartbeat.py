"""What the daemon tells systemd, and how often: a one-line status and watchdog pings.

`status_line` and `healthy` are pure; `Heartbeat` runs them from the main loop itself, so a
wedged loop stops the pings and systemd restarts the daemon.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from imprimfip.service.systemd_notify import SystemdNotifier

log = structlog.get_logger(__name__)

# How often the status line is refreshed when systemd asks for no watchdog pings.
STATUS_EVERY_S = 5.0


@dataclass(frozen=True)
class DaemonState:
    """What systemd is told: the status line's facts, and whether every part still works."""

    flows: tuple[str, ...]
    waiting: int
    in_flight: int
    paused_reason: str
    paused_since: datetime | None
    storage: str
    unavailable_inboxes: tuple[str, ...]
    ended_loops: tuple[str, ...]
    watchers_alive: bool


def status_line(state: DaemonState) -> str:
    """One line for `systemctl status`: letters waiting, in flight, and any trouble."""
    parts = [f"{state.waiting} waiting", f"{state.in_flight} in flight"]
    if state.paused_reason:
        since = f" since {state.paused_since.strftime('%H:%M')}" if state.paused_since else ""
        parts.append(f"paused: {state.paused_reason}{since}")
    if state.storage:
        parts.append(state.storage)
    if state.unavailable_inboxes:
        parts.append(f"inbox unavailable: {', '.join(state.unavailable_inboxes)}")
    return ", ".join(parts)


def healthy(state: DaemonState) -> bool:
    """Ping systemd's watchdog only while intake loops and watchers work: a wedged daemon
    must be restarted, not kept alive. A storage fault is not a reason: the daemon waits
    it out on purpose, and a restart would not mend the disk."""
    return not state.ended_loops and state.watchers_alive


def ended(loops: list[asyncio.Task[None]]) -> tuple[str, ...]:
    """The loops among `loops` that ended, each named with why (a loop ends only by a bug)."""
    return tuple(
        f"{task.get_name()}: {task.exception()!r}" if not task.cancelled() else task.get_name()
        for task in loops
        if task.done()
    )


class Heartbeat:
    """Tells systemd the daemon's state changes, its status line and that it is alive."""

    def __init__(self, notifier: SystemdNotifier, state: Callable[[], DaemonState]) -> None:
        self._notifier = notifier
        self._state = state
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._beat(), name="heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def ready(self) -> None:
        self._notifier.ready(status_line(self._state()))

    def reloading(self) -> None:
        self._notifier.reloading()

    def stopping(self) -> None:
        self._notifier.stopping()

    async def _beat(self) -> None:
        interval = self._notifier.watchdog_interval_s or STATUS_EVERY_S
        shown = ""
        while True:
            state = self._state()
            if healthy(state):
                if self._notifier.watchdog_interval_s is not None:
                    self._notifier.watchdog()
            else:
                log.error(
                    "daemon_unhealthy",
                    flows=list(state.flows),
                    ended_loops=list(state.ended_loops),
                    watchers_alive=state.watchers_alive,
                )
            line = status_line(state)
            if line != shown:
                self._notifier.status(line)
                shown = line
            await asyncio.sleep(interval)
