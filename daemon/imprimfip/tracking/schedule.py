"""When to ask IMPRIM'FIP about a letter next: a pure function of its life so far.

Every status call costs one call of the subscription's budget, which deposits need too, so
the schedule follows the life of a letter rather than a clock. Ages are counted
from the deposit, in the service's time (real seconds times `time_scale`), and the poll
points are fixed ages, so a restart or a late poll never shifts the schedule:

- analysis: at 10 min, 30 min, 1 h, 2 h, then every 2 h until the file is analysed;
- production (analysed, not handed over to the post): every 12 h of age (12 h, 24 h, 36 h...),
  and at the overdue age (48 h by default) to check the 2-day promise;
- delivery (a registered letter handed over, not yet delivered or returned): every 24 h;
- never after the sending type's horizon, except once for a letter never asked about.

So a change is seen at most 2 h after the analysis (10 min when it takes less than that),
12 h after a hand-over, 24 h after a registered letter's outcome. An ordinary letter, handed
over within 3 to 36 h, costs 3 calls on average (4 at most when it is on time): one for the
analysis and one every 12 h until "Expédié", against 576 for a poll every 5 minutes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from imprimfip.config.sections import TrackingConfig
from imprimfip.tracking.finality import Phase

MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR

ANALYSIS_AGES = (10 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR)
EVERY = {Phase.ANALYSIS: 2 * HOUR, Phase.PRODUCTION: 12 * HOUR, Phase.DELIVERY: DAY}
# The least age between two polls of one letter, so that a late poll is not followed by
# another one at once because the next fixed point happens to be close.
MIN_GAP = {Phase.ANALYSIS: 5 * MINUTE, Phase.PRODUCTION: HOUR, Phase.DELIVERY: HOUR}

# `[tracking]` as it is when the config leaves it out: its defaults are written once, there.
DEFAULTS = TrackingConfig()


def horizons_s(config: TrackingConfig) -> dict[str, float]:
    """Each sending type's horizon, in the service's seconds."""
    return {kind: days * DAY for kind, days in asdict(config.horizon_days).items()}


@dataclass(frozen=True)
class Timing:
    """The schedule's settings, from `[tracking]`: ages are in the service's seconds."""

    time_scale: float = DEFAULTS.time_scale
    overdue_after_s: float = DEFAULTS.overdue_after_hours * HOUR
    horizon_s: Mapping[str, float] = field(default_factory=lambda: horizons_s(DEFAULTS))

    @classmethod
    def from_config(cls, config: TrackingConfig) -> Timing:
        return cls(
            time_scale=config.time_scale,
            overdue_after_s=config.overdue_after_hours * HOUR,
            horizon_s=horizons_s(config),
        )

    def horizon(self, sending_type: str) -> float:
        return self.horizon_s[sending_type]

    def age(self, deposited_at: datetime, now: datetime) -> float:
        """Seconds of the service's time since the deposit."""
        return (now - deposited_at).total_seconds() * self.time_scale

    def at_age(self, deposited_at: datetime, age: float) -> datetime:
        return deposited_at + timedelta(seconds=age / self.time_scale)


def next_poll(
    phase: Phase,
    sending_type: str,
    deposited_at: datetime,
    now: datetime,
    timing: Timing,
    *,
    polls: int,
) -> datetime | None:
    """When to ask next about a letter in `phase`, or None to stop following it.

    `polls` is the number of answers received so far: a letter never asked about is asked
    10 minutes after its deposit, or at once if that is past (a deposit made before
    tracking existed, or while the daemon was stopped), even past its horizon.
    """
    if phase is Phase.FINAL:
        return None
    if polls == 0:
        return max(now, timing.at_age(deposited_at, ANALYSIS_AGES[0]))
    age = timing.age(deposited_at, now)
    horizon = timing.horizon(sending_type)
    if age >= horizon:
        return None
    return timing.at_age(deposited_at, min(_next_age(phase, age, timing), horizon))


def past_horizon(sending_type: str, deposited_at: datetime, now: datetime, timing: Timing) -> bool:
    return timing.age(deposited_at, now) >= timing.horizon(sending_type)


def _next_age(phase: Phase, age: float, timing: Timing) -> float:
    earliest = age + MIN_GAP[phase]
    every = EVERY[phase]
    points: tuple[float, ...] = ()
    if phase is Phase.ANALYSIS:
        points = ANALYSIS_AGES
    elif phase is Phase.PRODUCTION:
        points = (timing.overdue_after_s,)
    candidates = [p for p in points if p >= earliest]
    candidates.append(math.ceil(earliest / every) * every)
    return min(candidates)
