"""The report made from the ledger's stored lines is the same, byte for byte, as the one
made from `Line`s, whatever the machine's zone (summer time, half-hour offsets)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from imprimfip.letter_lines import Line
from imprimfip.outputs.report_csv import render, render_stored

# Around France's change to summer time (2025-03-30 01:00 UTC) and back (10-26 01:00 UTC).
MOMENTS = [
    datetime(2025, 3, 30, 0, 0, tzinfo=UTC) + timedelta(minutes=7 * step, seconds=step)
    for step in range(40)
] + [
    datetime(2025, 10, 26, 0, 30, 59, 999999, tzinfo=UTC) + timedelta(minutes=step)
    for step in range(90)
]


def stored(when: datetime | None) -> str | None:
    return when.isoformat(timespec="microseconds") if when else None


def pair(index: int, deposited: datetime | None, dated: datetime | None) -> tuple[Line, tuple]:
    hostile = ("=1+1", "@x", "-2", "ordinaire")[index % 4]
    line = Line(
        letter_id=index,
        flow="courrier",
        file=f"{hostile}.pdf",
        internal_ref=None if index % 3 else f"ref-{index}",
        reference=hostile if index % 2 else "",
        sending_type=(None, "LRAR", "STD", "inconnu")[index % 4],
        deposited_at=deposited,
        status="Distribué",
        status_date=dated,
        message=hostile,
        attention=None,
        followed=False,
    )
    row = (
        stored(deposited),
        line.file,
        line.internal_ref,
        line.sending_type,
        line.status,
        stored(dated),
        line.message,
        line.reference,
    )
    return line, row


@pytest.mark.parametrize(
    "zone", ["Europe/Paris", "Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe", "UTC"]
)
def test_stored_lines_render_as_lines_do(zone, monkeypatch):
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        pairs = [
            pair(i, at if i % 5 else None, at + timedelta(hours=i) if i % 7 else None)
            for i, at in enumerate(MOMENTS)
        ]
        assert render_stored(row for _, row in pairs) == render(line for line, _ in pairs)
    finally:
        monkeypatch.undo()
        time.tzset()
