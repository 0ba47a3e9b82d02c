"""When IMPRIM'FIP is unwell every letter waits: how long, and why (see docs/invariants.md,
'Letter faults and system faults are different')."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from imprimfip.errors import ApiAuthFailed, ApiThrottled, SystemFault

MAX_PAUSE_S = 300.0
AUTH_PAUSE_S = 300.0


def pause_seconds(fault: SystemFault, consecutive: int) -> float:
    """How long to wait after the `consecutive`-th system fault in a row (1 for the first).

    Throttling says how long itself; refused credentials need a person, so waiting long is
    right; an outage backs off exponentially from 5 s up to 5 minutes.
    """
    if isinstance(fault, ApiThrottled) and fault.retry_after is not None:
        return min(max(fault.retry_after, 1.0), MAX_PAUSE_S)
    if isinstance(fault, ApiAuthFailed):
        return AUTH_PAUSE_S
    return min(5.0 * 2 ** max(consecutive - 1, 0), MAX_PAUSE_S)


@dataclass(frozen=True)
class PauseState:
    """Whether senders wait, why (in words for a sysadmin), and since when (wall clock)."""

    paused: bool
    reason: str
    since: datetime | None


def describe(fault: SystemFault) -> str:
    """Why the daemon waits, for its status line and logs."""
    status = fault.detail.http_status
    if isinstance(fault, ApiAuthFailed):
        return f"IMPRIM'FIP refuses the credentials (HTTP {status or '?'})"
    if status:
        return f"IMPRIM'FIP answers {status}"
    return "IMPRIM'FIP cannot be reached"


class Pause:
    """Shared by every letter: while paused, nothing is sent."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until = 0.0
        self._since: datetime | None = None
        self._reason = ""
        self._consecutive = 0

    def trip(self, fault: SystemFault) -> float:
        """Record a system fault; return how long senders now wait."""
        self._consecutive += 1
        seconds = pause_seconds(fault, self._consecutive)
        if self._since is None:
            self._since = datetime.now().astimezone()
        self._until = max(self._until, self._clock() + seconds)
        self._reason = describe(fault)
        return seconds

    def recovered(self) -> None:
        """A call succeeded: the service is well again."""
        self._consecutive = 0
        self._since = None
        self._reason = ""
        self._until = 0.0

    def state(self) -> PauseState:
        return PauseState(self._since is not None, self._reason, self._since)

    async def wait_open(self) -> None:
        """Return when senders may try again."""
        while (delay := self._until - self._clock()) > 0:
            await asyncio.sleep(delay)
