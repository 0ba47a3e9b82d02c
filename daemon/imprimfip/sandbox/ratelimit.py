"""The subscription's rate limit: a sliding 60-second window over every API call."""

from __future__ import annotations

import math
from collections import deque

WINDOW_S = 60.0


class SlidingWindow:
    """Admits at most `limit` calls in any 60 s; `limit` 0 admits everything.

    Only admitted calls count: a call answered 429 does not use the quota, as with the
    gateway's throttling. Time is passed in (monotonic seconds) so the rule is testable.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._calls: deque[float] = deque()

    def admit(self, now: float) -> float | None:
        """Record and admit a call at `now`, or return the seconds to wait before retrying."""
        if self.limit == 0:
            return None
        while self._calls and self._calls[0] <= now - WINDOW_S:
            self._calls.popleft()
        if len(self._calls) >= self.limit:
            return self._calls[0] + WINDOW_S - now
        self._calls.append(now)
        return None

    def clear(self) -> None:
        self._calls.clear()


def retry_after_header(wait_s: float) -> str:
    """Retry-After in whole seconds, rounded up so that a client honouring it is admitted."""
    return str(max(1, math.ceil(wait_s)))
