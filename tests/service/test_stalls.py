"""A held event loop is noticed: logged and counted, with what held it."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from structlog.testing import capture_logs

from imprimfip.metrics import REGISTRY
from imprimfip.service.stalls import TICK_S, watch_stalls, where
from tests.fixtures.waiting import async_wait_until

HELD_S = 0.4


def stalls() -> float:
    return REGISTRY.get_sample_value("imprimfip_event_loop_stalls_total") or 0.0


def compute(seconds: float) -> None:
    """What a history-sized computation on the loop would do."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


async def held(hold: Callable[[float], None]) -> dict[str, Any]:
    """Hold the loop with `hold` while the watch runs; the stall it logged."""
    before = stalls()
    with capture_logs() as logs:
        watcher = asyncio.create_task(watch_stalls())
        await asyncio.sleep(TICK_S / 2)
        hold(HELD_S)

        async def counted() -> bool:
            return stalls() > before

        await async_wait_until(counted, timeout=5)
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    [stall] = [entry for entry in logs if entry["event"] == "event_loop_stall"]
    return stall


async def test_a_loop_held_by_work_is_counted_with_the_time_it_computed():
    stall = await held(compute)
    assert stall["ms"] >= 100
    assert stall["cpu_ms"] >= HELD_S * 1000 * 0.9


async def test_a_loop_held_by_a_wait_shows_little_time_computed():
    stall = await held(time.sleep)  # as an fsync on a busy disk would hold it
    assert stall["ms"] >= 100
    assert stall["cpu_ms"] < HELD_S * 1000 / 2


def wait_for_the_disk(seconds: float) -> None:
    """A named place on the loop that blocks, as a synchronous write would."""
    time.sleep(seconds)


async def test_a_stall_says_where_the_loop_was_held():
    stall = await held(wait_for_the_disk)
    assert stall["where"].startswith(f"{__name__}:wait_for_the_disk:")


def innermost() -> FrameType:
    return sys._getframe()


def between(inner: Callable[[], FrameType]) -> FrameType:
    return inner()


def test_where_names_the_innermost_frame_then_only_the_package_frames_around_it():
    ours: dict[str, Any] = {"__name__": "imprimfip.example", "between": between}
    exec("def outer(inner):\n    return between(inner)\n", ours)
    frame = ours["outer"](innermost)
    assert where(frame).split(" < ") == [
        f"{__name__}:innermost:{innermost.__code__.co_firstlineno + 1}",
        "imprimfip.example:outer:2",
    ]
