"""Durable state: letters, their transitions, their status history (SQLite)."""

from imprimfip.ledger.states import LetterState
from imprimfip.ledger.store import Ledger, Letter

__all__ = ["Ledger", "Letter", "LetterState"]
