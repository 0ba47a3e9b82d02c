"""When is a file in the inbox finished being written? A pure decision on what was seen."""

from __future__ import annotations

from dataclasses import dataclass

# The least wait before the next look at an entry, so that settle_seconds = 0 still gives a
# writer a moment to change the file between two looks, and no loop spins on it.
SHORTEST_LOOK_AGAIN_S = 0.05


@dataclass(frozen=True)
class Look:
    """What one look at an inbox entry showed."""

    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Watch:
    """What we remember of an entry: what it looked like and since when it has not changed."""

    look: Look
    stable_since: float


@dataclass(frozen=True)
class Verdict:
    ready: bool
    watch: Watch
    check_again_at: float | None


def assess(previous: Watch | None, look: Look, now: float, settle_seconds: float) -> Verdict:
    """Ready when size and mtime have not changed for `settle_seconds` across two looks
    and the file is not empty; otherwise say when to look again.

    A writer that appends slowly changes size or mtime between looks and restarts the clock;
    an empty file is never ready (many programs create the file first and fill it later).
    """
    wait = max(settle_seconds, SHORTEST_LOOK_AGAIN_S)
    if previous is None or previous.look != look:
        watch = Watch(look=look, stable_since=now)
        return Verdict(False, watch, now + wait)
    if look.size == 0:
        return Verdict(False, previous, now + wait)
    if now - previous.stable_since >= settle_seconds:
        return Verdict(True, previous, None)
    return Verdict(False, previous, previous.stable_since + wait)
