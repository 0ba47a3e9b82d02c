"""What a status answer changes: only what differs from the latest status seen (pure)."""

from __future__ import annotations

from imprimfip.ledger.history import WHOLE_FILE, Status
from imprimfip.tracking.observe import changes


def test_only_what_differs_from_the_latest_status_is_a_change():
    latest = {
        WHOLE_FILE: Status(WHOLE_FILE, "Soumis", "d1", ""),
        "A": Status("A", "En attente de traitement", "d1", ""),
    }
    seen = [
        Status(WHOLE_FILE, "Soumis", "d1", ""),
        Status("A", "En cours de traitement", "d2", ""),
        Status("B", "En attente de traitement", "d1", ""),
    ]
    assert changes(latest, seen) == seen[1:]
    assert changes({}, seen) == seen
