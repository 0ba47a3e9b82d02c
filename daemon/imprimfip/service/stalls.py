"""Watching the event loop for stalls: deposits, pickup and watchdog pings all wait while
something holds the loop, so a stall is logged (`event_loop_stall`) and counted
(`imprimfip_event_loop_stalls_total`).

A task asks to wake every `TICK_S`; how late it wakes is how long the loop was held (a
stall that ends before the next wake-up goes unseen: the count is a floor). The loop thread's
own CPU time over the same span (`cpu_ms`) tells work done on the loop (close to `ms`) from
a wait (an fsync on a busy disk, a machine too busy to run the process: close to 0).

`where` says what the loop thread was running while held: a sampler thread looks at its
stack once the wake-up is `SAMPLE_AFTER_S` overdue. It sleeps until that moment and is
otherwise idle, so watching costs one thread wake-up a tick.
"""

from __future__ import annotations

import asyncio
import math
import sys
import threading
import time
from types import FrameType

import structlog

from imprimfip.metrics import LOOP_STALLS

log = structlog.get_logger(__name__)

TICK_S = 0.25
STALL_S = 0.1
# Before STALL_S, so that a thread slow to be scheduled still sees the stalls just over it.
SAMPLE_AFTER_S = STALL_S / 2
PACKAGE = "imprimfip"
FRAMES = 4


def where(frame: FrameType | None) -> str:
    """`module:function:line < caller ...`: the innermost frame (what the loop was blocked
    in, or the library call it was making), then the package's own frames around it."""
    stack = []
    while frame is not None:
        stack.append(frame)
        frame = frame.f_back
    if not stack:
        return "unknown"
    ours = [f for f in stack[1:] if f.f_globals.get("__name__", "").startswith(PACKAGE)]
    return " < ".join(
        f"{f.f_globals.get('__name__', '?')}:{f.f_code.co_name}:{f.f_lineno}"
        for f in [stack[0], *ours][:FRAMES]
    )


class Sampler:
    """A daemon thread that records where the loop thread stands once a wake-up is overdue."""

    def __init__(self, loop_thread: int) -> None:
        self._loop_thread = loop_thread
        self._changed = threading.Condition()
        self._stopped = False
        self._due = math.inf
        self._where: str | None = None
        threading.Thread(target=self._run, name="stall-sampler", daemon=True).start()

    def arm(self, due: float) -> None:
        """The loop asks to wake at `due` (monotonic); forget the last sample."""
        with self._changed:
            parked = self._due == math.inf
            self._due, self._where = due, None
            if parked:  # else the thread wakes at the old deadline and sees the new one
                self._changed.notify()

    def sampled(self) -> str | None:
        with self._changed:
            return self._where

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify()

    def _run(self) -> None:
        with self._changed:
            while not self._stopped:
                overdue = time.monotonic() - self._due - SAMPLE_AFTER_S
                if overdue < 0:
                    self._changed.wait(None if self._due == math.inf else -overdue)
                    continue
                self._where = where(sys._current_frames().get(self._loop_thread))
                self._due = math.inf


async def watch_stalls() -> None:
    """Run until cancelled."""
    sampler = Sampler(threading.get_ident())
    try:
        while True:
            asked, cpu = time.monotonic(), time.thread_time()
            sampler.arm(asked + TICK_S)
            await asyncio.sleep(TICK_S)
            late = time.monotonic() - asked - TICK_S
            if late > STALL_S:
                LOOP_STALLS.inc()
                busy = time.thread_time() - cpu
                log.warning(
                    "event_loop_stall",
                    ms=round(late * 1000),
                    cpu_ms=round(busy * 1000),
                    where=sampler.sampled() or "not sampled",
                )
    finally:
        sampler.stop()
