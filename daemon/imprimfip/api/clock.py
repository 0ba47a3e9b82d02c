"""The server's clock as seen from here: its offset from ours, and how sure we are of it.

IMPRIM'FIP stamps each deposit's internalRef with its own clock, to the second. To find a
deposit whose answer was lost, the daemon asks for the references of the seconds during
which the request was on its way: read on the server's clock, so the offset matters, and
every second of doubt costs one status call.

Every answer tells the time: its `Date` header, the `horodatage` of an error body, the
`submissionStatus.date` of a deposit, each to the second. An answer whose request left at
`sent` and came back at `received` (our clock) was dated at some instant in between, so
the offset (server minus ours) lies in [date - received, date + resolution - sent]. The
estimate intersects these intervals, the latest first, and stops at one that does not
meet the rest (a clock that was stepped): its middle is the offset, its half-width the
error. Pure functions over samples; `ServerClock` keeps the latest samples.
"""

from __future__ import annotations

import email.utils
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# The dates of answers are given to the second.
RESOLUTION_S = 1.0
# Enough answers to narrow the offset, few enough that a slow drift does not matter.
KEPT_SAMPLES = 64


@dataclass(frozen=True)
class ClockSample:
    """One dated answer: our clock when the request left and when the answer came back,
    and the date the server gave it (all in seconds since the epoch)."""

    sent: float
    received: float
    server: float
    resolution: float = RESOLUTION_S

    def bounds(self) -> tuple[float, float]:
        """The offsets (server minus ours) this sample allows."""
        return self.server - self.received, self.server + self.resolution - self.sent


@dataclass(frozen=True)
class ClockOffset:
    """The server's clock is ours plus `seconds`, give or take `error`."""

    seconds: float
    error: float

    @property
    def lowest(self) -> float:
        return self.seconds - self.error

    @property
    def highest(self) -> float:
        return self.seconds + self.error


def estimate_offset(samples: Sequence[ClockSample]) -> ClockOffset | None:
    """The offset allowed by the latest samples that agree with each other (latest last
    in `samples`); None without any."""
    low, high = float("-inf"), float("inf")
    for sample in reversed(samples):
        first, last = sample.bounds()
        if first > high or last < low:
            break
        low, high = max(low, first), min(high, last)
    if low == float("-inf"):
        return None
    return ClockOffset((low + high) / 2, (high - low) / 2)


def _parse(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return when if when.tzinfo is not None else None


def answer_dates(date_header: str | None, body: object) -> list[datetime]:
    """The aware dates an answer gives of the moment it was made: its `Date` header, an
    error's `horodatage`, a deposit's `submissionStatus.date`."""
    found = [_parse(date_header)]
    if isinstance(body, dict):
        error = body.get("erreur")
        if isinstance(error, dict):
            found.append(_parse(error.get("horodatage")))
        state = body.get("submissionStatus")
        if isinstance(state, dict):
            found.append(_parse(state.get("date")))
    return [when for when in found if when is not None]


class ServerClock:
    """The latest samples of the server's clock, recorded by the client for every answer."""

    def __init__(self, kept: int = KEPT_SAMPLES) -> None:
        self._samples: deque[ClockSample] = deque(maxlen=kept)

    def record(self, sent: float, received: float, dates: Iterable[datetime]) -> None:
        for when in dates:
            self._samples.append(ClockSample(sent, received, when.timestamp()))

    def offset(self) -> ClockOffset | None:
        return estimate_offset(list(self._samples))
