"""Final statuses per sending type, as docs/letter-life.md lists them."""

from __future__ import annotations

import pytest

from imprimfip.tracking import finality as f
from imprimfip.tracking.finality import Phase, awaiting_hand_over, is_final, phase

TABLE = {
    # status: final for STD, final for LRE/LRAR ("yes for STD" once handed over to the post)
    f.WAITING: (False, False),
    f.DELETED: (True, True),
    f.IN_PRODUCTION: (False, False),
    f.ERROR: (True, True),
    f.SHIPPED: (True, False),
    f.OUT_FOR_DELIVERY: (True, False),
    f.DELIVERY_FAILED: (True, True),
    f.DELIVERED: (True, True),
    f.REFUSED: (True, True),
    f.NEGLECTED: (True, True),
}


@pytest.mark.parametrize("status", TABLE)
def test_each_document_status_is_final_or_not_as_the_table_says(status):
    std, registered = TABLE[status]
    assert is_final("STD", f.SUBMITTED, [status]) is std
    assert is_final("LRE", f.SUBMITTED, [status]) is registered
    assert is_final("LRAR", f.SUBMITTED, [status]) is registered


def test_a_file_in_error_is_over_whatever_its_documents_say():
    assert is_final("LRAR", f.ERROR, [])
    assert is_final("STD", f.ERROR, [f.WAITING])


def test_a_file_not_analysed_or_without_documents_is_in_analysis():
    assert phase("STD", None, []) is Phase.ANALYSIS
    assert phase("STD", f.SUBMITTING, []) is Phase.ANALYSIS
    assert phase("STD", f.SUBMITTED, []) is Phase.ANALYSIS


def test_a_multi_document_file_ends_when_its_last_document_does():
    assert phase("STD", f.SUBMITTED_WITH_ERRORS, [f.ERROR, f.WAITING]) is Phase.PRODUCTION
    assert phase("STD", f.SUBMITTED_WITH_ERRORS, [f.ERROR, f.SHIPPED]) is Phase.FINAL
    assert phase("LRAR", f.SUBMITTED, [f.DELIVERED, f.OUT_FOR_DELIVERY]) is Phase.DELIVERY
    assert phase("LRAR", f.SUBMITTED, [f.SHIPPED, f.IN_PRODUCTION]) is Phase.PRODUCTION


def test_an_unknown_status_is_not_final_and_counts_as_production():
    assert phase("STD", f.SUBMITTED, ["Statut inédit"]) is Phase.PRODUCTION


def test_what_still_awaits_its_hand_over_to_the_post():
    assert awaiting_hand_over(None, [])
    assert awaiting_hand_over(f.SUBMITTED, [f.WAITING])
    assert awaiting_hand_over(f.SUBMITTED, [f.SHIPPED, f.IN_PRODUCTION])
    assert not awaiting_hand_over(f.SUBMITTED, [f.SHIPPED, f.ERROR])
    assert not awaiting_hand_over(f.SUBMITTED, [f.DELETED])
    assert not awaiting_hand_over(f.ERROR, [])
