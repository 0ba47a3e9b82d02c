"""Dates for staff: one shape inside a sentence, one in a table cell."""

from __future__ import annotations

from datetime import UTC, datetime

from imprimfip import dates_fr


def test_a_date_reads_day_first_with_a_in_a_sentence_and_without_in_a_table():
    local = datetime(2024, 12, 31, 14, 5).astimezone()
    assert dates_fr.in_sentence(local) == "31/12/2024 à 14:05"
    assert dates_fr.in_table(local) == "31/12/2024 14:05"


def test_a_date_is_shown_in_the_machine_time_zone_whatever_zone_it_comes_in():
    local = datetime(2024, 12, 31, 14, 5).astimezone()
    assert dates_fr.in_table(local.astimezone(UTC)) == dates_fr.in_table(local)
