"""What is retried, how often, and after how long (pure)."""

from __future__ import annotations

import pytest

from imprimfip.api.backoff import RetryPolicy, next_delay, retryable
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
