"""Calls counted per endpoint and per answer, for `GET /_sandbox/stats`."""

from __future__ import annotations

from collections import Counter
from typing import Any

#: Counted in place of an HTTP status when the connection was closed without an answer.
DROPPED = "dropped"


class Stats:
    """Counters keyed by endpoint (`"POST /api/v1/file/submission"`) and by status."""

    def __init__(self) -> None:
        self._calls: Counter[tuple[str, str]] = Counter()

    def record(self, endpoint: str, outcome: int | str) -> None:
        self._calls[(endpoint, str(outcome))] += 1

    def clear(self) -> None:
        self._calls.clear()

    def as_json(self) -> dict[str, Any]:
        """`total`, `by_endpoint`, `by_status` and `by_endpoint_status` (nested)."""
        by_endpoint: Counter[str] = Counter()
        by_status: Counter[str] = Counter()
        nested: dict[str, dict[str, int]] = {}
        for (endpoint, outcome), count in sorted(self._calls.items()):
            by_endpoint[endpoint] += count
            by_status[outcome] += count
            nested.setdefault(endpoint, {})[outcome] = count
        return {
            "total": sum(by_endpoint.values()),
            "by_endpoint": dict(by_endpoint),
            "by_status": dict(by_status),
            "by_endpoint_status": nested,
        }
