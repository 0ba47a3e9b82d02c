"""Watching the event loop for stalls: deposits, pickup and watchdog pings all wait while
something holds the loop, so a stall is logged (`event_loop_stall`) and counted
(`imprimfip_event_loop_stalls_total`).

A task asks to wake every `TICK_S`; how late it wakes is how long the loop was held (a
stall that ends before the next wake-up goes unseen: the count is a floor). The loop thread's
own CPU time over the same span (`cpu_ms`) tells work done on the loop (close to `ms`) from
a wait (an fsync on a busy disk, a machine too busy to run the process: close to 0).
"""

from __future__ import annotations

import asyncio
import time

import structlog

from imprimfip.metrics import LOOP_STALLS

log = structlog.get_logger(__name__)

TICK_S = 0.25
STALL_S = 0.1


async def watch_stalls() -> None:
    """Run until cancelled."""
    while True:
        asked, cpu = time.monotonic(), time.thread_time()
        await asyncio.sleep(TICK_S)
        late = time.monotonic() - asked - TICK_S
        if late > STALL_S:
            LOOP_STALLS.inc()
            busy = time.thread_time() - cpu
            log.warning("event_loop_stall", ms=round(late * 1000), cpu_ms=round(busy * 1000))
