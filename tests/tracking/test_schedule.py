"""The poll schedule: a pure function of the letter's life so far."""

from __future__ import annotations

from datetime import timedelta
from statistics import mean

import pytest

from imprimfip.tracking import finality
from imprimfip.tracking.finality import Phase
from imprimfip.tracking.schedule import DAY, HOUR, MINUTE, Timing, next_poll
from tests.tracking.replay import DEPOSIT, happened, lives, replay

TIMING = Timing()


def after(**kwargs: float) -> timedelta:
    return timedelta(**kwargs)


def ages(phase: Phase, start_s: float, count: int, timing: Timing = TIMING) -> list[float]:
    """The ages (seconds) of `count` successive polls of a letter staying in `phase`."""
    found, now = [], DEPOSIT + timedelta(seconds=start_s)
    for polls in range(1, count + 1):
        at = next_poll(phase, "LRAR", DEPOSIT, now, timing, polls=polls)
        assert at is not None
        found.append((at - DEPOSIT).total_seconds())
        now = at
    return found


def test_the_first_poll_is_ten_minutes_after_the_deposit():
    assert next_poll(Phase.ANALYSIS, "STD", DEPOSIT, DEPOSIT, TIMING, polls=0) == (
        DEPOSIT + after(minutes=10)
    )


def test_an_analysis_that_takes_long_is_asked_about_less_and_less_often():
    assert ages(Phase.ANALYSIS, 10 * MINUTE, 5) == [
        30 * MINUTE,
        HOUR,
        2 * HOUR,
        4 * HOUR,
        6 * HOUR,
    ]


def test_in_production_every_12_hours_of_age_and_at_the_overdue_age():
    assert ages(Phase.PRODUCTION, 10 * MINUTE, 5) == [
        12 * HOUR,
        24 * HOUR,
        36 * HOUR,
        48 * HOUR,
        60 * HOUR,
    ]
    timing = Timing(overdue_after_s=30 * HOUR)
    assert ages(Phase.PRODUCTION, 10 * MINUTE, 4, timing) == [
        12 * HOUR,
        24 * HOUR,
        30 * HOUR,
        36 * HOUR,
    ]


def test_a_registered_letter_out_for_delivery_is_asked_about_once_a_day():
    assert ages(Phase.DELIVERY, 30 * HOUR, 3) == [48 * HOUR, 72 * HOUR, 96 * HOUR]


def test_a_late_poll_is_not_followed_by_another_at_once():
    now = DEPOSIT + timedelta(hours=23, minutes=50)
    at = next_poll(Phase.PRODUCTION, "STD", DEPOSIT, now, TIMING, polls=3)
    assert at == DEPOSIT + after(hours=36)


def test_a_finished_letter_is_not_asked_about_again():
    assert next_poll(Phase.FINAL, "STD", DEPOSIT, DEPOSIT, TIMING, polls=1) is None


def test_the_horizon_ends_the_following_but_a_letter_never_asked_about_is_asked_once():
    horizon = TIMING.horizon("STD")
    assert horizon == 10 * DAY
    late = DEPOSIT + timedelta(seconds=horizon)
    assert next_poll(Phase.PRODUCTION, "STD", DEPOSIT, late, TIMING, polls=4) is None
    assert next_poll(Phase.ANALYSIS, "STD", DEPOSIT, late, TIMING, polls=0) == late
    just_before = late - timedelta(hours=1)
    assert next_poll(Phase.PRODUCTION, "STD", DEPOSIT, just_before, TIMING, polls=4) == late


def test_time_scale_divides_every_delay():
    fast = Timing(time_scale=3600.0)
    assert next_poll(Phase.ANALYSIS, "STD", DEPOSIT, DEPOSIT, fast, polls=0) == (
        DEPOSIT + after(seconds=10 * MINUTE / 3600)
    )
    now = DEPOSIT + after(seconds=1)
    assert next_poll(Phase.PRODUCTION, "STD", DEPOSIT, now, fast, polls=1) == DEPOSIT + after(
        seconds=12
    )


@pytest.mark.parametrize(
    ("sending_type", "most_calls", "final_within"),
    [("STD", 4.0, 12 * HOUR), ("LRE", 12.0, DAY), ("LRAR", 12.0, DAY)],
)
def test_the_emulators_lives_cost_few_calls_and_their_end_is_seen_within_the_stated_delay(
    sending_type, most_calls, final_within
):
    """Over 2,000 lives planned by the emulator (its default failure rates), the average
    number of status calls per letter and the delay to see the final status."""
    results = [(life, replay(life, sending_type, TIMING)) for life in lives(sending_type, 2000)]
    calls = [r.calls for _, r in results]
    assert all(r.final for _, r in results)
    assert mean(calls) <= most_calls
    for life, result in results:
        seen_at, last = result.seen[-1]
        assert (seen_at - happened(life, last.status)).total_seconds() <= final_within
    print(f"{sending_type}: {mean(calls):.2f} calls per letter on average, at most {max(calls)}")


def test_an_ordinary_letter_costs_at_most_4_calls_when_it_is_shipped_on_time():
    for life in lives("STD", 500, file_error_rate=0.0, doc_error_rate=0.0):
        result = replay(life, "STD", TIMING)
        shipped = happened(life, finality.SHIPPED) - DEPOSIT
        if shipped <= timedelta(hours=36):
            assert result.calls <= 4
