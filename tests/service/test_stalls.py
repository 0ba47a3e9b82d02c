"""A held event loop is noticed: logged and counted."""

from __future__ import annotations

import asyncio
import time

from imprimfip.metrics import REGISTRY
from imprimfip.service.stalls import TICK_S, watch_stalls
from tests.fixtures.waiting import async_wait_until


async def test_a_loop_held_for_longer_than_a_tick_is_counted_as_a_stall():
    def stalls() -> float:
        return REGISTRY.get_sample_value("imprimfip_event_loop_stalls_total") or 0.0

    before = stalls()
    watcher = asyncio.create_task(watch_stalls())
    await asyncio.sleep(TICK_S / 2)
    time.sleep(0.4)  # what a history-sized computation on the loop would do

    async def counted() -> bool:
        return stalls() > before

    await async_wait_until(counted, timeout=5)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)
