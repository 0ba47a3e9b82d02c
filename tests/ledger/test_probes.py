"""The references an uncertain deposit is known not to have: kept across restarts."""

from __future__ import annotations

from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.probes import AbsentRefs


def test_absent_references_are_kept_per_letter_and_survive_a_restart(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    first = ledger.add("courrier", "a.pdf", LetterState.CLAIMED)
    second = ledger.add("courrier", "b.pdf", LetterState.CLAIMED)
    absent = AbsentRefs(ledger)
    assert absent.of(first.id) == frozenset()
    absent.record(first.id, "a_000001_03022026100000@agent.pdf")
    absent.record(first.id, "a_000001_03022026100001@agent.pdf")
    absent.record(first.id, "a_000001_03022026100001@agent.pdf")
    ledger.close()

    reopened = Ledger(path)
    again = AbsentRefs(reopened)
    assert again.of(first.id) == {
        "a_000001_03022026100000@agent.pdf",
        "a_000001_03022026100001@agent.pdf",
    }
    assert again.of(second.id) == frozenset()
