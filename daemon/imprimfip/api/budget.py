"""One rate budget for every call of the subscription (see docs/invariants.md, 'The rate
limit is a budget, not a wall to hit').

The rule, for a budget of N calls per window with a poll share p (P = round(N * p) calls,
at least 1, reserved for polls; U = N - P, at least 1, reserved for uploads):

- no window of `window_s` seconds ever holds more than N granted calls, whatever their kind;
  a call leaves the window only GUARD (0.5 %, 0.3 s a minute) after `window_s`, so that the
  few milliseconds between our clock and the server's reception cannot push one of the
  server's windows over;
- a call may start only when the last `window_s` seconds (plus the guard) hold fewer than N
  calls and no pause (after a 429) is running;
- while uploads are waiting, polls may hold at most P calls of the window; while polls are
  waiting, uploads may hold at most U. A kind nobody competes with may use the whole window,
  so uploads use all the rest plus the polls' unused capacity, and the other way round;
- within a kind, callers are served first come, first served;
- calls are paced: one turn every window (with its guard) / N, and a turn nobody was ready
  for may be taken later, up to PACING_CREDIT of them back to back. Without pacing, a burst
  (a start, the end of a pause) comes back one window later as a burst of free slots that
  the few uploads in flight cannot take, and polls would take them all.

So a backlog of uploads never takes more than U of a window from waiting polls, and a storm
of polls never more than P from waiting uploads: neither starves the other.

`RateWindow` holds the decision, a pure function of the calls granted so far and a `now`;
`Budget` is the asyncio shell that makes callers wait their turn.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Literal

from imprimfip.config.model import BudgetConfig

Kind = Literal["upload", "poll"]
KINDS: tuple[Kind, ...] = ("poll", "upload")
GUARD = 0.005
_TOLERANCE_S = 1e-9
PACING_CREDIT = 4


def _rival(kind: Kind) -> Kind:
    return "upload" if kind == "poll" else "poll"


class RateWindow:
    """The calls granted in the last `window_s` seconds and the rule that admits the next."""

    def __init__(self, limit: int, poll_share: float, window_s: float = 60.0) -> None:
        if limit < 1 or not 0 < poll_share < 1 or window_s <= 0:
            raise ValueError("limit >= 1, 0 < poll_share < 1 and window_s > 0 are required")
        self.limit = limit
        self.window_s = window_s
        self._span = window_s * (1 + GUARD)
        polls = min(limit, max(1, round(limit * poll_share)))
        self.shares: dict[Kind, int] = {"poll": polls, "upload": max(1, limit - polls)}
        self.paused_until = -math.inf
        self.spacing_s = self._span / limit
        self._granted: deque[tuple[float, Kind]] = deque()
        # The earliest moment of the next grant; it lags behind by at most PACING_CREDIT
        # spacings, so a turn nobody was ready to take is not lost for good.
        self._next_turn = -math.inf

    def level(self, now: float, kind: Kind | None = None) -> int:
        """Calls counted in the window ending at `now` (of one kind, or all)."""
        self._forget(now)
        return sum(1 for _, k in self._granted if kind is None or k == kind)

    def wait(self, kind: Kind, now: float, rival_waiting: bool) -> float:
        """0 if a call of `kind` may start at `now`; else the seconds after which the answer
        may change (a pause ends, or a granted call leaves the window)."""
        if now < self.paused_until:
            return self.paused_until - now
        # A nanosecond's tolerance: clocks added up in floats must not miss a turn by 1e-15 s.
        if now + _TOLERANCE_S < self._next_turn:
            return self._next_turn - now
        # The same tolerance for a call leaving the window now: it is gone, and the share
        # rule below must still be applied (not skipped by a wait of 0).
        self._forget(now + _TOLERANCE_S)
        if len(self._granted) >= self.limit:
            return self._granted[0][0] + self._span - now
        if rival_waiting and self.level(now, kind) >= self.shares[kind]:
            oldest = next(t for t, k in self._granted if k == kind)
            return oldest + self._span - now
        return 0.0

    def grant(self, kind: Kind, now: float) -> None:
        """Count a call of `kind` started at `now` (the caller checked `wait` first)."""
        self._granted.append((now, kind))
        credit = now - PACING_CREDIT * self.spacing_s
        self._next_turn = max(self._next_turn, credit) + self.spacing_s

    def pause(self, now: float, seconds: float) -> None:
        """Admit nothing for `seconds` from `now` (never shortens a running pause)."""
        self.paused_until = max(self.paused_until, now + seconds)

    def _forget(self, now: float) -> None:
        # A call granted at t counts until now - t reaches the window and its guard.
        while self._granted and self._granted[0][0] <= now - self._span:
            self._granted.popleft()


class Budget:
    """Makes every caller wait for its turn in one `RateWindow`; one per subscription."""

    def __init__(
        self,
        calls_per_minute: int = 480,
        poll_share: float = 0.04,
        *,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`window_s` is 60 in production; tests shrink it to measure whole windows fast.
        `clock` must be the event loop's clock (monotonic) for waits to be right."""
        self.window = RateWindow(calls_per_minute, poll_share, window_s)
        self._clock = clock
        self._queues: dict[Kind, deque[asyncio.Future[None]]] = {k: deque() for k in KINDS}
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_config(cls, config: BudgetConfig) -> Budget:
        return cls(config.calls_per_minute, config.poll_share)

    @property
    def level(self) -> int:
        """Calls granted in the current window (for metrics)."""
        return self.window.level(self._clock())

    @property
    def paused_until(self) -> float:
        """Clock time until which every caller waits (-inf when no pause ran)."""
        return self.window.paused_until

    def waiting(self, kind: Kind) -> int:
        """Callers of `kind` waiting for their turn (for metrics)."""
        return sum(1 for future in self._queues[kind] if not future.done())

    async def acquire(self, kind: Kind) -> None:
        """Return when a call of `kind` may start; the call is then counted."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues[kind].append(future)
        self._pump()
        try:
            await future
        finally:
            if future in self._queues[kind]:
                self._queues[kind].remove(future)
                self._pump()

    def pause(self, seconds: float) -> None:
        """Make every caller wait `seconds` (after a 429: `backoff.throttle_wait`)."""
        self.window.pause(self._clock(), max(0.0, seconds))
        self._pump()

    def _pump(self) -> None:
        """Grant every waiter the window admits now, then wake up when that may change."""
        now = self._clock()
        granted = True
        while granted:
            granted = False
            for kind in KINDS:
                queue = self._queues[kind]
                while queue and queue[0].done():
                    queue.popleft()
                if queue and self.window.wait(kind, now, self.waiting(_rival(kind)) > 0) <= 0:
                    self.window.grant(kind, now)
                    queue.popleft().set_result(None)
                    granted = True
        self._schedule(now)

    def _schedule(self, now: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        delays = [
            self.window.wait(kind, now, self.waiting(_rival(kind)) > 0)
            for kind in KINDS
            if self.waiting(kind)
        ]
        if delays:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(max(min(delays), 0.0), self._pump)
