"""Storage fault episodes: one per place, said once when it starts and once when it ends.

A place is a flow's share or the ledger's disk. An episode starts at the first storage
fault there and ends at the first step that succeeds there again; in between, every step
that fails is retried no sooner than `retry_at`, a backoff from a second up to a minute.
The status line and the logs read what to say from here; nothing here does I/O or reads
the clock: `now` is passed in.

What a fault pauses: a flow's share, claiming from that flow (other flows go on); the
ledger's disk, intake and deposits of every flow, since nothing may happen that cannot be
recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from imprimfip.errors import StorageDetail, StorageKind

FIRST_RETRY_S = 1.0
MAX_RETRY_S = 60.0

_WORDS = {
    StorageKind.FULL: "full",
    StorageKind.READ_ONLY: "read-only",
    StorageKind.DENIED: "refusing access",
    StorageKind.IO: "failing (I/O errors)",
    StorageKind.VANISHED: "unreachable",
    StorageKind.LOCKED: "locked by another process",
}

# What the sysadmin can do about each kind, in the `storage_fault` line.
_ADVICE = {
    StorageKind.FULL: "free space there",
    StorageKind.READ_ONLY: "make it writable again (remount it read-write)",
    StorageKind.DENIED: "give the daemon's user read and write access to it",
    StorageKind.IO: "check the disk, or the share's server and the network to it",
    StorageKind.VANISHED: (
        "mount the share; if it is mounted, create the folder or correct the path in the config"
    ),
    StorageKind.LOCKED: "stop the other process that holds the ledger",
}


@dataclass(frozen=True)
class Place:
    """Where a fault is: the share of one flow, or the ledger's disk (`flow` None)."""

    flow: str | None = None

    def __str__(self) -> str:
        return "ledger disk" if self.flow is None else f"share of flow {self.flow}"

    @property
    def waits(self) -> str:
        """What the fault holds back, for the log line a sysadmin reads."""
        if self.flow is None:
            return "intake and deposits of every flow; letters keep their state"
        return (
            f"new letters of flow {self.flow} stay in inbox/; its claimed letters keep their "
            "state and their next step is retried"
        )


LEDGER = Place()


def retry_delay_s(attempts: int) -> float:
    """Seconds before the next try after `attempts` failures in a row (1 for the first)."""
    return min(FIRST_RETRY_S * 2 ** max(attempts - 1, 0), MAX_RETRY_S)


@dataclass(frozen=True)
class Episode:
    """A place that has been faulty since `since`; `detail` is its latest fault."""

    place: Place
    detail: StorageDetail
    since: datetime
    attempts: int
    retry_at: datetime

    def describe(self) -> str:
        """For the status line: `share of flow courrier full since 10:42`."""
        return f"{self.place} {_WORDS[self.detail.kind]} since {self.since.strftime('%H:%M')}"

    def due(self, now: datetime) -> bool:
        return now >= self.retry_at


class Say(StrEnum):
    """What to report about an episode, once each."""

    STARTED = "storage_fault"
    CHANGED = "storage_fault_changed"
    ENDED = "storage_fault_cleared"


@dataclass(frozen=True)
class Notice:
    """One thing to say in the logs, with its structured fields."""

    say: Say
    episode: Episode
    at: datetime

    def fields(self) -> dict[str, object]:
        detail = self.episode.detail
        facts: dict[str, object] = {
            "place": str(self.episode.place),
            "flow": self.episode.place.flow,
            "path": detail.path,
            "error": detail.code,
            "kind": str(detail.kind),
            "since": self.episode.since.isoformat(timespec="seconds"),
        }
        if self.say is Say.ENDED:
            facts["lasted_s"] = round((self.at - self.episode.since).total_seconds(), 1)
        else:
            facts["waits"] = self.episode.place.waits
            facts["do"] = _ADVICE[detail.kind]
            facts["retry_in_s"] = retry_delay_s(self.episode.attempts)
        return facts


def failed(
    episode: Episode | None, place: Place, detail: StorageDetail, now: datetime
) -> tuple[Episode, Notice | None]:
    """A step failed at `place` with `detail`: the episode now, and what to say (at its
    start, and when its cause changes kind; not at every retry)."""
    if episode is None:
        started = Episode(place, detail, now, 1, now + timedelta(seconds=retry_delay_s(1)))
        return started, Notice(Say.STARTED, started, now)
    attempts = episode.attempts + 1
    going = replace(
        episode,
        detail=detail,
        attempts=attempts,
        retry_at=now + timedelta(seconds=retry_delay_s(attempts)),
    )
    if detail.kind is not episode.detail.kind:
        return going, Notice(Say.CHANGED, going, now)
    return going, None


def succeeded(episode: Episode | None, now: datetime) -> Notice | None:
    """A step succeeded where `episode` was: what to say (its end), if there was one."""
    return None if episode is None else Notice(Say.ENDED, episode, now)


class Episodes:
    """Every place's current episode, held by the daemon (no I/O, no clock of its own)."""

    def __init__(self) -> None:
        self._current: dict[Place, Episode] = {}

    def failed(self, place: Place, detail: StorageDetail, now: datetime) -> Notice | None:
        episode, notice = failed(self._current.get(place), place, detail, now)
        self._current[place] = episode
        return notice

    def succeeded(self, place: Place, now: datetime) -> Notice | None:
        return succeeded(self._current.pop(place, None), now)

    def get(self, place: Place) -> Episode | None:
        return self._current.get(place)

    def current(self) -> list[Episode]:
        """The ledger's episode first, then the shares' by start (for the status line and
        the metrics)."""
        return sorted(
            self._current.values(),
            key=lambda e: (e.place.flow is not None, e.since, e.place.flow or ""),
        )

    def claiming_paused(self, flow: str) -> bool:
        """No letter is claimed from `flow` while its share or the ledger is faulty."""
        return Place(flow) in self._current or LEDGER in self._current

    def deposits_paused(self) -> bool:
        """No deposit starts while the ledger cannot record it."""
        return LEDGER in self._current

    def status(self) -> str:
        """The status line's part: `paused: share of flow courrier full since 10:42`, or
        empty when every place is well."""
        episodes = self.current()
        if not episodes:
            return ""
        return "paused: " + "; ".join(episode.describe() for episode in episodes)
