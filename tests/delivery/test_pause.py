"""How long every letter waits after a system fault, and why it says it waits (pure)."""

from __future__ import annotations

import pytest

from imprimfip.delivery.pause import Pause, pause_seconds
from imprimfip.errors import ApiAuthFailed, ApiErrorDetail, ApiThrottled, ApiUnavailable

DOWN = ApiUnavailable(ApiErrorDetail(http_status=503))
UNREACHABLE = ApiUnavailable(ApiErrorDetail())
REFUSED = ApiAuthFailed(ApiErrorDetail(http_status=401))


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
