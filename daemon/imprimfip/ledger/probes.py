"""The ledger's record of a search for an uncertain deposit (migration 4).

Each internalRef IMPRIM'FIP answered "unknown" for, once the request it could belong to was
over, stays unknown: recorded as it is learnt, it is not asked about again when the search
is cut short and resumed (after a stop, or an outage). Companion of `Ledger`: same
connection, committed before each method returns.
"""

from __future__ import annotations

from imprimfip.ledger.store import Ledger


class AbsentRefs:
    """The references a letter's deposit is known not to have received."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def of(self, letter_id: int) -> frozenset[str]:
        rows = self._ledger.connection.execute(
            "SELECT ref FROM absent_refs WHERE letter_id = ?", (letter_id,)
        )
        return frozenset(row[0] for row in rows)

    def record(self, letter_id: int, ref: str) -> None:
        with self._ledger.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO absent_refs (letter_id, ref) VALUES (?, ?)",
                (letter_id, ref),
            )
