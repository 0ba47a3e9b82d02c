"""Which statuses end a letter's life, per sending type (docs/letter-life.md, 'After the
deposit: tracking').

A file whose own status is "Erreur" is over; otherwise it is over once every document has a
final status for its sending type: "Expédié" ends an ordinary letter, a registered letter
goes on until it is delivered, refused, not collected or returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

# File statuses.
SUBMITTING = "En cours de soumission"
SUBMITTED = "Soumis"
SUBMITTED_WITH_WARNINGS = "Soumis avec des avertissements"
SUBMITTED_WITH_ERRORS = "Soumis avec des erreurs"
ERROR = "Erreur"  # also a document status

# Document statuses.
WAITING = "En attente de traitement"
DELETED = "Supprimé"
IN_PRODUCTION = "En cours de traitement"
SHIPPED = "Expédié"
OUT_FOR_DELIVERY = "Mis en distribution"
DELIVERY_FAILED = "Echec de distribution"
DELIVERED = "Distribué"
REFUSED = "Refusé"
NEGLECTED = "Négligé"

# The document has left the print centre: La Poste (or the LRE platform) has it.
HANDED_OVER = frozenset({SHIPPED, OUT_FOR_DELIVERY, DELIVERY_FAILED, DELIVERED, REFUSED, NEGLECTED})
# Statuses after which no hand-over is expected: nothing can be late.
NOT_TO_BE_SHIPPED = frozenset({DELETED, ERROR})

_REGISTERED_ENDS = frozenset({DELIVERY_FAILED, DELIVERED, REFUSED, NEGLECTED})
FINAL_DOCUMENT_STATUSES: dict[str, frozenset[str]] = {
    # Handed over ends an ordinary letter, whatever the post does with it afterwards.
    "STD": NOT_TO_BE_SHIPPED | HANDED_OVER,
    "LRE": NOT_TO_BE_SHIPPED | _REGISTERED_ENDS,
    "LRAR": NOT_TO_BE_SHIPPED | _REGISTERED_ENDS,
}


class Phase(StrEnum):
    """Where a letter is in its life, as far as the statuses seen tell."""

    ANALYSIS = "analysis"  # deposited, the file not analysed yet
    PRODUCTION = "production"  # analysed, some document not handed over yet
    DELIVERY = "delivery"  # every open document handed over, a registered one not ended
    FINAL = "final"  # nothing more can happen to the file and its documents


def analysed(file_status: str | None) -> bool:
    return file_status is not None and file_status != SUBMITTING


def is_final(sending_type: str, file_status: str | None, documents: Iterable[str]) -> bool:
    """Whether nothing more can happen to the file and its documents."""
    return phase(sending_type, file_status, documents) is Phase.FINAL


def phase(sending_type: str, file_status: str | None, documents: Iterable[str]) -> Phase:
    """The phase of a file from its latest file status and its documents' latest statuses.

    An unknown status (the service may grow new ones) counts as not final, in production.
    """
    if file_status == ERROR:
        return Phase.FINAL
    statuses = list(documents)
    if not analysed(file_status) or not statuses:
        return Phase.ANALYSIS
    final = FINAL_DOCUMENT_STATUSES[sending_type]
    open_statuses = [s for s in statuses if s not in final]
    if not open_statuses:
        return Phase.FINAL
    if all(s in HANDED_OVER for s in open_statuses):
        return Phase.DELIVERY
    return Phase.PRODUCTION


def awaiting_hand_over(file_status: str | None, documents: Iterable[str]) -> bool:
    """Whether some document is still expected to be handed over to the post (overdue check)."""
    if file_status == ERROR:
        return False
    statuses = list(documents)
    if not analysed(file_status) or not statuses:
        return True
    return any(s not in HANDED_OVER and s not in NOT_TO_BE_SHIPPED for s in statuses)
