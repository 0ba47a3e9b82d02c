"""The internalRefs a lost submission could have received (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from imprimfip.api.clock import ClockOffset
from imprimfip.api.probe import AFTER_S, candidate_refs, flight, internal_ref, ref_stem

PARIS = ZoneInfo("Europe/Paris")
IN_STEP = ClockOffset(0.0, 0.0)


def test_the_spec_example():
    moment = datetime(2022, 6, 16, 10, 24, 0, tzinfo=PARIS)
    assert internal_ref("MonFichier.pdf", "jerome.barrat", moment) == (
        "MonFichier_06162022102400@jerome.barrat.pdf"
    )
    assert ref_stem("a.b.pdf") == "a.b"
    assert ref_stem("sans-extension") == "sans-extension"


def test_every_second_of_the_flight_on_the_servers_clock_and_one_more():
    start = datetime(2026, 3, 2, 9, 0, 10, 400_000, tzinfo=UTC)  # 10:00:10.4 in Paris
    end = start + timedelta(seconds=2)  # 10:00:12.4
    refs = candidate_refs("lettre.pdf", "agent", start, end, server_tz=PARIS, offset=IN_STEP)
    assert refs == [f"lettre_030220261000{s}@agent.pdf" for s in (10, 11, 12, 13)]
    assert AFTER_S == 1


def test_the_servers_offset_and_its_error_move_and_widen_the_window():
    start = datetime(2026, 3, 2, 9, 0, 10, 400_000, tzinfo=UTC)
    ahead = candidate_refs(
        "l.pdf", "a", start, start, server_tz=PARIS, offset=ClockOffset(30.0, 0.0)
    )
    assert ahead == ["l_03022026100040@a.pdf", "l_03022026100041@a.pdf"]
    narrow = candidate_refs("l.pdf", "a", start, start, server_tz=PARIS, offset=IN_STEP)
    wide = candidate_refs("l.pdf", "a", start, start, server_tz=PARIS, offset=ClockOffset(0.0, 3.0))
    assert len(wide) == len(narrow) + 6
    assert set(narrow) < set(wide)


def test_the_flight_ends_when_the_request_did_or_at_its_deadline():
    since = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
    later = since + timedelta(hours=1)
    seen_end = since + timedelta(seconds=2.5)
    assert flight(since, seen_end, 120, later) == (since, seen_end)
    assert flight(since, None, 10, later) == (since, since + timedelta(seconds=10))
    # Right after a restart the request cannot have lasted beyond now.
    soon = since + timedelta(seconds=4)
    assert flight(since, None, 10, soon) == (since, soon)
    assert flight(since, since + timedelta(minutes=5), 10, later)[1] == since + timedelta(
        seconds=10
    )


def test_the_repeated_hour_of_autumn_gives_each_reference_once():
    # 2026-10-25: in Paris 03:00 CEST becomes 02:00 CET; 00:59:59 UTC is 02:59:59 CEST.
    start = datetime(2026, 10, 25, 0, 59, 58, tzinfo=UTC)
    refs = candidate_refs(
        "l.pdf", "a", start, start + timedelta(seconds=4), server_tz=PARIS, offset=IN_STEP
    )
    assert "l_10252026025959@a.pdf" in refs
    assert "l_10252026020000@a.pdf" in refs
    assert len(refs) == len(set(refs))


def test_naive_or_reversed_intervals_are_refused():
    start = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
    with pytest.raises(ValueError):
        candidate_refs(
            "l.pdf", "a", start.replace(tzinfo=None), start, server_tz=PARIS, offset=IN_STEP
        )
    with pytest.raises(ValueError):
        candidate_refs(
            "l.pdf", "a", start, start - timedelta(seconds=1), server_tz=PARIS, offset=IN_STEP
        )
