"""The rate budget's rule, stepped with a fake clock (no sleeping), and its asyncio shell."""

from __future__ import annotations

import asyncio
from bisect import bisect_left

import pytest

from imprimfip.api.budget import GUARD, KINDS, PACING_CREDIT, Budget, Kind, RateWindow
from imprimfip.config.model import LARGEST_SUBSCRIPTION, BudgetConfig

W = 60.0
SPAN = W * (1 + GUARD)


def fill(window: RateWindow, kind: Kind, count: int, now: float = 0.0) -> float:
    """Grant `count` calls as fast as the pacing allows from `now`; return the next free time."""
    for _ in range(count):
        assert window.wait(kind, now, rival_waiting=False) == 0
        window.grant(kind, now)
        now += window.spacing_s
    return now


def test_calls_are_paced_with_a_small_credit_for_missed_turns():
    window = RateWindow(10, 0.2, W)  # one turn every SPAN / 10 s
    spacing = window.spacing_s
    assert spacing == pytest.approx(SPAN / 10)
    for _ in range(1 + PACING_CREDIT):  # idle before: the credit is full
        assert window.wait("upload", 0.0, rival_waiting=False) == 0
        window.grant("upload", 0.0)
    assert window.wait("poll", 0.0, rival_waiting=False) == pytest.approx(spacing)
    window.grant("poll", spacing)
    # No turn was missed since, so no credit: the next one is a spacing later.
    assert window.wait("poll", 1.5 * spacing, rival_waiting=False) == pytest.approx(spacing / 2)


def test_a_full_window_admits_the_next_call_when_the_oldest_leaves():
    window = RateWindow(10, 0.2, W)
    assert fill(window, "upload", 10) == pytest.approx(SPAN)  # the window is full
    assert window.wait("poll", SPAN - 1, rival_waiting=False) == pytest.approx(1.0)
    assert window.wait("upload", SPAN, rival_waiting=False) == 0
    assert window.level(SPAN) == 9


def test_without_rivals_a_kind_uses_the_whole_window():
    window = RateWindow(10, 0.2, W)
    last = fill(window, "poll", 10) - window.spacing_s
    assert window.level(last, "poll") == 10


def test_waiting_polls_keep_their_share_from_an_upload_backlog():
    window = RateWindow(10, 0.2, W)  # 2 polls, 8 uploads when both wait
    now = fill(window, "upload", 8)
    assert window.wait("upload", now, rival_waiting=True) == pytest.approx(SPAN - now)
    assert window.wait("poll", now, rival_waiting=True) == 0


def test_waiting_uploads_keep_their_share_from_a_poll_storm():
    window = RateWindow(10, 0.2, W)
    now = fill(window, "poll", 2)
    assert window.wait("poll", now, rival_waiting=True) == pytest.approx(SPAN - now)
    assert window.wait("upload", now, rival_waiting=True) == 0


def test_a_pause_holds_every_call_and_never_shortens():
    window = RateWindow(10, 0.2, W)
    window.pause(100.0, 30.0)
    window.pause(100.0, 5.0)
    for kind in KINDS:
        assert window.wait(kind, 110.0, rival_waiting=False) == pytest.approx(20.0)
    assert window.wait("upload", 130.0, rival_waiting=False) == 0
    assert window.paused_until == 130.0


def test_shares_are_at_least_one_call_each():
    assert RateWindow(1, 0.25).shares == {"poll": 1, "upload": 1}
    assert RateWindow(480, 0.25).shares == {"poll": 120, "upload": 360}
    with pytest.raises(ValueError):
        RateWindow(0, 0.25)


def simulate(window: RateWindow, backlog: dict[Kind, int]) -> list[tuple[float, Kind]]:
    """Serve two backlogs with a fake clock, as `Budget._pump` does, and log the grants."""
    left = dict(backlog)
    grants: list[tuple[float, Kind]] = []
    now = 0.0
    while any(left.values()):
        waits = []
        for kind in KINDS:
            if not left[kind]:
                continue
            rival = "upload" if kind == "poll" else "poll"
            wait = window.wait(kind, now, rival_waiting=left[rival] > 0)
            if wait <= 0:
                window.grant(kind, now)
                grants.append((now, kind))
                left[kind] -= 1
                break
            waits.append(wait)
        else:
            now += min(waits)
    return grants


def most_in_any_window(times: list[float]) -> int:
    ordered = sorted(times)
    return max(bisect_left(ordered, start + W) - i for i, start in enumerate(ordered))


def test_two_backlogs_share_every_window_and_never_exceed_it():
    limit, share = 48, 0.25  # 12 polls, 36 uploads a window while both wait
    grants = simulate(RateWindow(limit, share, W), {"upload": 400, "poll": 300})
    assert most_in_any_window([t for t, _ in grants]) <= limit
    uploads_done = max(t for t, kind in grants if kind == "upload")
    polls_done = max(t for t, kind in grants if kind == "poll")
    both_waiting = min(uploads_done, polls_done)
    for start in [t for t, _ in grants if t < both_waiting - W]:
        inside = [kind for t, kind in grants if start <= t < start + W]
        assert inside.count("poll") <= 12
        assert inside.count("upload") <= 36
        assert inside.count("poll") >= 1
        assert inside.count("upload") >= 1


def test_a_lone_kind_gets_the_whole_budget():
    grants = simulate(RateWindow(48, 0.25, W), {"upload": 200, "poll": 0})
    times = [t for t, _ in grants]
    assert most_in_any_window(times) == 48
    # 200 calls, 48 a window, paced one every SPAN / 48: four full windows, then a few turns.
    assert 4 * SPAN <= times[-1] <= 4 * SPAN + 8 * SPAN / 48
    assert max(times.count(t) for t in times) <= 1 + PACING_CREDIT


def test_the_largest_subscription_is_used_whole_and_never_exceeded():
    config = BudgetConfig(calls_per_minute=LARGEST_SUBSCRIPTION)
    window = Budget.from_config(config).window
    assert window.shares == {"poll": 40, "upload": 960}
    grants = simulate(window, {"upload": 3000, "poll": 400})
    times = [t for t, _ in grants]
    assert most_in_any_window(times) == LARGEST_SUBSCRIPTION
    # One turn every 60 ms: every window of a backlog is used whole, by both kinds in
    # their shares while both wait (the polls' 400 last 10 windows).
    assert window.spacing_s == pytest.approx(SPAN / LARGEST_SUBSCRIPTION)
    for start in range(0, 3):
        inside = [kind for t, kind in grants if start * SPAN <= t < (start + 1) * SPAN]
        assert len(inside) == LARGEST_SUBSCRIPTION
        assert inside.count("poll") == 40
    assert times[-1] <= 3400 / LARGEST_SUBSCRIPTION * SPAN


async def test_a_pause_holds_every_caller_until_it_ends():
    budget = Budget(10, 0.25, window_s=1.0)
    loop = asyncio.get_running_loop()
    budget.pause(0.2)
    assert budget.paused_until > loop.time()
    await asyncio.wait_for(asyncio.gather(budget.acquire("upload"), budget.acquire("poll")), 5)
    assert loop.time() >= budget.paused_until
    assert budget.level == 2


async def test_a_cancelled_waiter_gives_its_turn_to_the_next():
    budget = Budget(1, 0.5, window_s=0.2)
    await budget.acquire("upload")
    first = asyncio.create_task(budget.acquire("upload"))
    second = asyncio.create_task(budget.acquire("upload"))
    await asyncio.sleep(0)  # both are queued now
    assert budget.waiting("upload") == 2
    first.cancel()
    await asyncio.wait_for(second, 5)
    assert first.cancelled()
    assert budget.waiting("upload") == 0
