"""When to try a call again, and after how long (pure).

The predicate is explicit: only an answer that proves nothing was done (`ApiUnavailable`)
or a server saying "not now" (`ApiThrottled`) is retried. `OutcomeUnknown` never is
(see docs/invariants.md, 'Nothing is mailed twice'), nor `LetterRejected` (the letter must
change), nor an auth failure (the sysadmin must act; the one token renewal is not a retry).
"""

from __future__ import annotations

from dataclasses import dataclass

from imprimfip.config.model import ApiConfig
from imprimfip.errors import ApiError, ApiThrottled, ApiUnavailable


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_attempts` attempts within `deadline_s`; between two, an exponential
    backoff from `base_s`, capped at `max_delay_s`, with jitter so that many waiting
    callers do not come back at the same instant. A 429 waits its Retry-After (else
    `throttle_pause_s`) instead."""

    max_attempts: int = 6
    base_s: float = 1.0
    max_delay_s: float = 60.0
    deadline_s: float = 600.0
    throttle_pause_s: float = 60.0

    @classmethod
    def from_config(cls, api: ApiConfig) -> RetryPolicy:
        return cls(
            max_attempts=api.max_attempts,
            base_s=api.retry_base_s,
            max_delay_s=api.retry_max_delay_s,
            deadline_s=api.retry_deadline_s,
            throttle_pause_s=api.budget.throttle_pause_s,
        )


def retryable(error: ApiError) -> bool:
    """The one predicate: is trying again harmless and possibly useful?"""
    return isinstance(error, ApiUnavailable | ApiThrottled)


def throttle_wait(policy: RetryPolicy, error: ApiThrottled) -> float:
    """How long every caller pauses after this 429."""
    return policy.throttle_pause_s if error.retry_after is None else error.retry_after


def next_delay(
    policy: RetryPolicy, error: ApiError, attempt: int, elapsed_s: float, jitter: float
) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None to give up and raise `error`.

    `attempt` counts the attempts made so far (1 after the first), `elapsed_s` the time
    since the first began, `jitter` is uniform in [0, 1).
    """
    if not retryable(error) or attempt >= policy.max_attempts:
        return None
    if isinstance(error, ApiThrottled):
        delay = throttle_wait(policy, error)
    else:
        step = min(policy.max_delay_s, policy.base_s * 2 ** (attempt - 1))
        delay = step / 2 + jitter * step / 2
    if elapsed_s + delay > policy.deadline_s:
        return None
    return delay
