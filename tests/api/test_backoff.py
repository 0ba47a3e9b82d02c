"""Waiting after a fault (pure): what is retried, how often and after how long; how long
every letter waits after a system fault, and why it says it waits."""

from __future__ import annotations

import pytest

from imprimfip.api.backoff import Pause, RetryPolicy, next_delay, pause_seconds, retryable
from imprimfip.errors import (
    ApiAuthFailed,
    ApiErrorDetail,
    ApiThrottled,
    ApiUnavailable,
    LetterRejected,
    OutcomeUnknown,
    UnknownFile,
)

DETAIL = ApiErrorDetail(http_status=503)
DOWN = ApiUnavailable(DETAIL)
UNREACHABLE = ApiUnavailable(ApiErrorDetail())
REFUSED = ApiAuthFailed(ApiErrorDetail(http_status=401))
POLICY = RetryPolicy(max_attempts=5, base_s=1.0, max_delay_s=6.0, deadline_s=100.0)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ApiUnavailable(DETAIL), True),
        (ApiThrottled(DETAIL, 3.0), True),
        (OutcomeUnknown(DETAIL), False),
        (LetterRejected(DETAIL), False),
        (ApiAuthFailed(DETAIL), False),
        (UnknownFile(DETAIL), False),
    ],
)
def test_only_nothing_done_or_not_now_is_retried(error, expected):
    assert retryable(error) is expected
    delay = next_delay(POLICY, error, attempt=1, elapsed_s=0.0, jitter=0.5)
    assert (delay is not None) is expected


def test_backoff_doubles_with_jitter_and_is_capped():
    error = ApiUnavailable(DETAIL)
    lows = [next_delay(POLICY, error, n, 0.0, 0.0) for n in range(1, 5)]
    highs = [next_delay(POLICY, error, n, 0.0, 0.999999) for n in range(1, 5)]
    assert lows == [0.5, 1.0, 2.0, 3.0]
    assert highs == pytest.approx([1.0, 2.0, 4.0, 6.0])


def test_attempts_and_time_are_capped():
    error = ApiUnavailable(DETAIL)
    assert next_delay(POLICY, error, attempt=5, elapsed_s=0.0, jitter=0.0) is None
    assert next_delay(POLICY, error, attempt=2, elapsed_s=99.5, jitter=0.0) is None
    assert next_delay(POLICY, error, attempt=2, elapsed_s=98.0, jitter=0.0) == 1.0


def test_a_throttle_waits_its_retry_after_or_the_configured_pause():
    assert next_delay(POLICY, ApiThrottled(DETAIL, 7.0), 1, 0.0, 0.9) == 7.0
    assert next_delay(POLICY, ApiThrottled(DETAIL, None), 1, 0.0, 0.9) == 60.0
    assert next_delay(POLICY, ApiThrottled(DETAIL, None), 1, 50.0, 0.9) is None


def test_an_outage_backs_off_from_five_seconds_to_five_minutes():
    waits = [pause_seconds(DOWN, n) for n in range(1, 10)]
    assert waits == [5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0, 300.0]


@pytest.mark.parametrize(("retry_after", "wait"), [(12.0, 12.0), (0.2, 1.0), (900.0, 300.0)])
def test_throttling_waits_what_the_server_says_within_bounds(retry_after, wait):
    throttled = ApiThrottled(ApiErrorDetail(http_status=429), retry_after=retry_after)
    assert pause_seconds(throttled, 1) == wait


def test_throttling_without_retry_after_backs_off_as_an_outage():
    throttled = ApiThrottled(ApiErrorDetail(http_status=429))
    assert [pause_seconds(throttled, n) for n in (1, 2)] == [5.0, 10.0]


def test_refused_credentials_wait_long_from_the_first_time():
    assert pause_seconds(REFUSED, 1) == pause_seconds(REFUSED, 5) == 300.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_faults_in_a_row_lengthen_the_pause_and_one_success_ends_it():
    clock = Clock()
    pause = Pause(clock)
    assert not pause.state().paused
    assert [pause.trip(DOWN), pause.trip(UNREACHABLE)] == [5.0, 10.0]
    state = pause.state()
    assert state.paused and state.since is not None
    assert state.reason == "IMPRIM'FIP cannot be reached"
    pause.recovered()
    assert not pause.state().paused
    assert pause.trip(DOWN) == 5.0


def test_the_reason_names_the_answer_or_the_refused_credentials():
    pause = Pause(Clock())
    pause.trip(DOWN)
    assert pause.state().reason == "IMPRIM'FIP answers 503"
    pause.trip(REFUSED)
    assert pause.state().reason == "IMPRIM'FIP refuses the credentials (HTTP 401)"


async def test_senders_go_on_at_once_when_the_pause_is_over():
    clock = Clock()
    pause = Pause(clock)
    pause.trip(DOWN)
    clock.now += 5.0
    await pause.wait_open()
