"""The internalRefs a lost submission could have received (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from imprimfip.api.probe import AFTER_S, BEFORE_S, candidate_refs, internal_ref, ref_stem

PARIS = ZoneInfo("Europe/Paris")


def test_the_spec_example():
    moment = datetime(2022, 6, 16, 10, 24, 0, tzinfo=PARIS)
    assert internal_ref("MonFichier.pdf", "jerome.barrat", moment) == (
        "MonFichier_06162022102400@jerome.barrat.pdf"
    )
    assert ref_stem("a.b.pdf") == "a.b"
    assert ref_stem("sans-extension") == "sans-extension"


def test_every_second_of_the_flight_on_the_servers_clock():
    start = datetime(2026, 3, 2, 9, 0, 10, 400_000, tzinfo=UTC)  # 10:00:10.4 in Paris
    refs = candidate_refs(
        "lettre.pdf", "agent", start, start + timedelta(seconds=2), server_tz=PARIS
    )
    assert refs[0] == "lettre_03022026100009@agent.pdf"
    assert refs[-1] == "lettre_03022026100016@agent.pdf"
    assert len(refs) == len(set(refs)) == 8
    assert len(refs) >= 2 + BEFORE_S + AFTER_S


def test_tolerance_widens_both_sides():
    start = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
    narrow = candidate_refs("l.pdf", "a", start, start, server_tz=PARIS)
    wide = candidate_refs("l.pdf", "a", start, start, server_tz=PARIS, tolerance_s=3)
    assert len(wide) == len(narrow) + 6
    assert set(narrow) < set(wide)


def test_the_repeated_hour_of_autumn_gives_each_reference_once():
    # 2026-10-25: in Paris 03:00 CEST becomes 02:00 CET; 00:59:59 UTC is 02:59:59 CEST.
    start = datetime(2026, 10, 25, 0, 59, 58, tzinfo=UTC)
    refs = candidate_refs("l.pdf", "a", start, start + timedelta(seconds=4), server_tz=PARIS)
    assert "l_10252026025959@a.pdf" in refs
    assert "l_10252026020000@a.pdf" in refs
    assert len(refs) == len(set(refs))


def test_naive_or_reversed_intervals_are_refused():
    start = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
    with pytest.raises(ValueError):
        candidate_refs("l.pdf", "a", start.replace(tzinfo=None), start, server_tz=PARIS)
    with pytest.raises(ValueError):
        candidate_refs("l.pdf", "a", start, start - timedelta(seconds=1), server_tz=PARIS)
