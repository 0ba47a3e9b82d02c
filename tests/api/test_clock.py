"""The server's clock read from the dates of its answers (pure), and recorded by the client."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from imprimfip.api.clock import ClockSample, ServerClock, answer_dates, estimate_offset

T0 = 1_772_440_000.0  # some instant, in seconds since the epoch


def answered(offset: float, sent: float, took: float, at: float) -> ClockSample:
    """A server `offset` seconds ahead dates its answer, made `at` (0..1) through a
    request that left at `sent` and took `took`, to the second."""
    made = sent + at * took
    return ClockSample(sent, sent + took, float(int(made + offset)))


def test_no_answer_no_estimate():
    assert estimate_offset([]) is None


def test_one_answer_bounds_the_offset_within_a_second_and_its_duration():
    sample = ClockSample(sent=T0, received=T0 + 0.2, server=T0 + 5)
    estimate = estimate_offset([sample])
    assert estimate is not None
    assert estimate.lowest == pytest.approx(4.8)
    assert estimate.highest == pytest.approx(6.0)


@pytest.mark.parametrize("offset", [0.0, 0.37, -2.81, 3600.5])
def test_many_answers_narrow_the_offset_and_always_contain_it(offset):
    chance = random.Random(7)
    samples = [
        answered(offset, T0 + n * 1.37, chance.uniform(0.001, 0.05), chance.random())
        for n in range(40)
    ]
    estimate = estimate_offset(samples)
    assert estimate is not None
    assert estimate.lowest <= offset <= estimate.highest
    assert estimate.error < 0.1


def test_a_stepped_clock_keeps_the_latest_agreeing_samples():
    before = [answered(-40.0, T0 + n, 0.01, 0.5) for n in range(10)]
    after = [answered(0.2, T0 + 20 + n * 1.3, 0.01, 0.5) for n in range(5)]
    estimate = estimate_offset(before + after)
    assert estimate is not None
    assert estimate.lowest <= 0.2 <= estimate.highest


def test_the_dates_an_answer_gives():
    paris = timezone(timedelta(hours=1))
    dates = answer_dates(
        "Mon, 02 Mar 2026 09:00:05 GMT",
        {
            "erreur": {"code": 404, "horodatage": "2026-03-02T10:00:06+01:00"},
            "submissionStatus": {"date": "2026-03-02T10:00:07+01:00"},
        },
    )
    assert dates == [
        datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC),
        datetime(2026, 3, 2, 10, 0, 6, tzinfo=paris),
        datetime(2026, 3, 2, 10, 0, 7, tzinfo=paris),
    ]
    assert answer_dates(None, {"submissionStatus": {"date": "2026-03-02T10:00:07"}}) == []
    assert answer_dates("soon", "<html>") == []


def test_the_client_keeps_the_latest_samples():
    clock = ServerClock(kept=3)
    assert clock.offset() is None
    for n in range(5):
        clock.record(T0 + n, T0 + n + 0.01, [datetime.fromtimestamp(T0 + n + 10, UTC)])
    estimate = clock.offset()
    assert estimate is not None
    assert estimate.lowest <= 10.0 <= estimate.highest
