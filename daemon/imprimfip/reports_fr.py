"""Everything staff read about their letters after the deposit, in French: the words of the
CSV report and the status page, and the alerts' texts. Codes (alert kinds, statuses) stay
as they are; this catalogue turns them into sentences."""

from __future__ import annotations

from datetime import datetime

from imprimfip import dates_fr

RECEIVED = "Reçu"
RECEIVED_MESSAGE = "Déposé : IMPRIM'FIP ne l'a pas encore analysé."
UNCERTAIN = "Dépôt incertain"
UNCERTAIN_MESSAGE = (
    "Le dépôt n'a pas pu être confirmé : il est vérifié avant tout nouvel envoi "
    "(imprimfip resolve)."
)
REFUSED_BEFORE = "Refusé avant envoi"
NOT_FOLLOWED = "Plus suivi : aucun statut final {days:g} jours après le dépôt."

SENDING_TYPES = {
    "STD": "Courrier simple",
    "LRE": "Recommandé électronique",
    "LRAR": "Recommandé avec AR",
}

# Where a letter stands in the daemon (the status page's letter history), by the ledger's
# state of a letter (`ledger.states.LetterState`).
LETTER_STATES = {
    "claimed": "Pris en charge",
    "submitting": "En cours de dépôt",
    "deposited": "Déposé",
    "rejected": "Refusé avant envoi",
    "uncertain": "Dépôt incertain",
    "void": "Annulé (remis dans la boîte de dépôt)",
}

# Why a letter is listed first on the status page (`letter_lines.Attention`).
ATTENTION_LABELS = {
    "uncertain": "Dépôt incertain",
    "rejected": "Refusé avant envoi",
    "error": "Erreur",
    "overdue": "En retard",
    "delivery": "Non distribué",
    "not_followed": "Plus suivi",
}

_SUBJECTS = {
    "file_error": "Fichier refusé par IMPRIM'FIP",
    "submitted_with_errors": "Courrier en erreur chez IMPRIM'FIP",
    "document_error": "Courrier en erreur chez IMPRIM'FIP",
    "overdue": "Courrier pas encore remis à La Poste",
    "refused": "Recommandé refusé par son destinataire",
    "neglected": "Recommandé non réclamé par son destinataire",
    "delivery_failed": "Recommandé non distribué",
}

_TEXTS = {
    "file_error": (
        "Le fichier {what} a été refusé par IMPRIM'FIP à l'analyse ; aucun courrier n'est "
        "parti.{why} Corrigez-le puis déposez-le de nouveau."
    ),
    "submitted_with_errors": (
        "Le fichier {what} a été accepté avec des erreurs : ce courrier ne sera pas envoyé."
        "{why} Déposez-le de nouveau une fois corrigé."
    ),
    "document_error": (
        "Le courrier {what} est en erreur chez IMPRIM'FIP et ne sera pas envoyé.{why} "
        "Déposez-le de nouveau une fois corrigé."
    ),
    "overdue": (
        "Le courrier {what}, déposé le {deposited}, n'est toujours pas remis à La Poste "
        "(statut : {status}). IMPRIM'FIP s'engage à le faire dans les 2 jours : "
        "signalez-le au support IMPRIM'FIP."
    ),
    "refused": "Le recommandé {what} a été refusé par son destinataire.{why}",
    "neglected": "Le recommandé {what} n'a pas été réclamé par son destinataire à temps.{why}",
    "delivery_failed": "Le recommandé {what} n'a pas pu être distribué.{why}",
}


def letter_name(file_name: str, reference: str) -> str:
    """« lettre.pdf », or « lot.pdf » (pli REF) for one document of a multi-document file."""
    return f"« {file_name} »" + (f" (pli {reference})" if reference else "")


def alert_title(kind: str) -> str:
    return _SUBJECTS.get(kind, kind)


def alert_subject(kind: str, file_name: str) -> str:
    return f"[IMPRIM'FIP] {_SUBJECTS[kind]} : {file_name}"


def alert_text(kind: str, *, what: str, status: str, message: str, deposited: datetime) -> str:
    """The alert as one French paragraph; `what` comes from `letter_name`."""
    why = f" Motif donné par IMPRIM'FIP : {message}" if message else ""
    return _TEXTS[kind].format(
        what=what, why=why, status=status or RECEIVED, deposited=dates_fr.in_sentence(deposited)
    )
