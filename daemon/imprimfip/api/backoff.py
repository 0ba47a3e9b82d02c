"""Waiting after a fault, in one place: how long, who waits, and why (pure decisions and
the one `Pause` that applies them).

Three waits, from the shortest to the longest:

- **One call tried again** (`RetryPolicy`, `next_delay`), by the client. The predicate is
  explicit: only an answer that proves nothing was done (`ApiUnavailable`) or a server
  saying "not now" (`ApiThrottled`) is retried. `OutcomeUnknown` never is (a letter may not
  be mailed twice), nor `LetterRejected` (the letter must change), nor an auth failure (the
  sysadmin must act; the one token renewal is not a retry).
- **Every call of the subscription held after a 429** (`throttle_wait`): the client pauses
  the rate `Budget` (api/budget.py) for the Retry-After, else `throttle_pause_s`.
- **Every sender held after a system fault** (`pause_seconds`, `Pause`): once a call gave
  up, its senders wait (deposits in the courier, status calls in the poller, each with its
  own `Pause`); throttling says how long itself, refused credentials wait long, an outage
  backs off from 5 s to 5 minutes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from imprimfip.config.model import ApiConfig
from imprimfip.errors import ApiAuthFailed, ApiError, ApiThrottled, ApiUnavailable, SystemFault

MAX_PAUSE_S = 300.0
AUTH_PAUSE_S = 300.0


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_attempts` attempts within `deadline_s`; between two, an exponential
    backoff from `base_s`, capped at `max_delay_s`, with jitter so that many waiting
    callers do not come back at the same instant. A 429 waits its Retry-After (else
    `throttle_pause_s`) instead."""

    max_attempts: int = 6
    base_s: float = 1.0
    max_delay_s: float = 60.0
    deadline_s: float = 600.0
    throttle_pause_s: float = 60.0

    @classmethod
    def from_config(cls, api: ApiConfig) -> RetryPolicy:
        return cls(
            max_attempts=api.max_attempts,
            base_s=api.retry_base_s,
            max_delay_s=api.retry_max_delay_s,
            deadline_s=api.retry_deadline_s,
            throttle_pause_s=api.budget.throttle_pause_s,
        )


def retryable(error: ApiError) -> bool:
    """The one predicate: is trying again harmless and possibly useful?"""
    return isinstance(error, ApiUnavailable | ApiThrottled)


def throttle_wait(policy: RetryPolicy, error: ApiThrottled) -> float:
    """How long every caller pauses after this 429."""
    return policy.throttle_pause_s if error.retry_after is None else error.retry_after


def next_delay(
    policy: RetryPolicy, error: ApiError, attempt: int, elapsed_s: float, jitter: float
) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None to give up and raise `error`.

    `attempt` counts the attempts made so far (1 after the first), `elapsed_s` the time
    since the first began, `jitter` is uniform in [0, 1).
    """
    if not retryable(error) or attempt >= policy.max_attempts:
        return None
    if isinstance(error, ApiThrottled):
        delay = throttle_wait(policy, error)
    else:
        step = min(policy.max_delay_s, policy.base_s * 2 ** (attempt - 1))
        delay = step / 2 + jitter * step / 2
    if elapsed_s + delay > policy.deadline_s:
        return None
    return delay


def pause_seconds(fault: SystemFault, consecutive: int) -> float:
    """How long senders wait after the `consecutive`-th system fault in a row (1 for the
    first)."""
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
    """Shared by the senders of one kind (every deposit, or every status call): while
    paused, none of them calls IMPRIM'FIP."""

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
