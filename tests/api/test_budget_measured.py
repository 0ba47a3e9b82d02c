"""The budget measured on real calls: concurrent uploads and polls against the emulator.

The window is shrunk from 60 s to 1 s (`window_s`) so that several whole windows pass in a
few seconds; the rule does not depend on the window's length.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from imprimfip.api.budget import GUARD, Budget
from tests.api.letters import std

WINDOW_S = 1.0
LIMIT = 10
POLL_SHARE = 0.3  # 3 polls and 7 uploads a window while both wait
CALLS = 24


def most_in_a_window(times: list[float], window_s: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window_s) for start in times)


def granted_times(budget: Budget) -> list[float]:
    """Record the instant the budget lets each call go."""
    times: list[float] = []
    grant = budget.window.grant

    def recording(kind, now: float) -> None:
        times.append(now)
        grant(kind, now)

    budget.window.grant = recording  # type: ignore[method-assign]
    return times


@pytest.mark.slow
async def test_no_window_holds_more_calls_than_the_budget(sandbox, open_client, sent):
    budget = Budget(LIMIT, POLL_SHARE, window_s=WINDOW_S)
    granted = granted_times(budget)
    client = open_client(sandbox.api_url, budget=budget)
    ref = (await client.submit(std("suivi.pdf"))).internal_ref
    tasks = []
    for i in range(CALLS):
        tasks.append(asyncio.create_task(client.submit(std(f"lettre-{i:02d}.pdf"))))
        tasks.append(asyncio.create_task(client.status(ref)))
    await asyncio.wait_for(asyncio.gather(*tasks), 60)

    times = sent.times
    kinds = ["poll" if r.method == "GET" else "upload" for r in sent.requests]
    assert len(times) == len(granted) == 1 + 2 * CALLS
    assert most_in_a_window(granted, WINDOW_S) <= LIMIT
    # On the wire, each call leaves a little after its grant (building the request, a busy
    # machine). With `lag` the largest such delay (k-th send against k-th grant), any
    # stretch of WINDOW_S - lag holds sends of grants from one window, so at most LIMIT.
    lag = max(s - g for s, g in zip(sorted(times), sorted(granted), strict=True))
    assert lag < WINDOW_S / 2, f"calls left {lag:.2f} s after their grant: machine overloaded"
    assert most_in_a_window(times, WINDOW_S - lag) <= LIMIT
    assert sum(sandbox.stats()["by_status"].values()) == 1 + 2 * CALLS

    # Neither kind starves while the other has a backlog: until the first backlog is
    # through, each kind got about its share of the calls. Shares of the calls, not counts
    # per window: on a loaded machine both kinds slow down alike, a starved kind gets none.
    last = {
        kind: max(t for t, k in zip(times, kinds, strict=True) if k == kind)
        for kind in ("upload", "poll")
    }
    both_waiting_until = min(last.values())
    windows = int((both_waiting_until - times[0]) // (WINDOW_S * (1 + GUARD)))
    assert windows >= 2, "the backlogs were through too soon to measure a share"
    served = Counter(k for t, k in zip(times, kinds, strict=True) if t <= both_waiting_until)
    total = served["poll"] + served["upload"]
    for kind in ("poll", "upload"):
        share = budget.window.shares[kind] / LIMIT
        assert served[kind] / total >= share / 2, (kind, served, windows)
