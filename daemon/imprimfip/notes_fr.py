"""The French notes written beside a letter in error/, and their machine-readable twins.

Staff read these without help: each says what is wrong, how to fix it and what to do next,
and names the letter as they saved it, never an internal path.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from imprimfip import dates_fr


@dataclass(frozen=True)
class Reason:
    """One thing wrong with a letter: a stable code and its French explanation."""

    code: str
    message: str
    page: int | None = None


RESEND = (
    "Corrigez le document puis enregistrez-le à nouveau dans le dossier « inbox » du flux : "
    "il sera vérifié et envoyé automatiquement."
)


# What an inbox entry is when it is not a plain file (the values of intake.claim.EntryKind).
ENTRY_KINDS = {
    "symlink": "lien symbolique (raccourci)",
    "directory": "dossier",
    "fifo": "tube nommé (FIFO)",
    "device": "périphérique",
    "special": "fichier spécial",
    "hard_link": "lien physique vers un fichier situé ailleurs",
    "replaced": "fichier remplacé pendant la lecture",
}

# The answer of a deposit refused with the status "Erreur" and no message.
REFUSED_WITHOUT_REASON = (
    "IMPRIM'FIP a refusé le fichier au dépôt sans en donner la raison : vérifiez qu'il "
    "s'ouvre correctement, puis déposez-le de nouveau."
)


def not_regular_file(kind: str) -> Reason:
    return Reason(
        "not_regular_file",
        f"« {ENTRY_KINDS[kind]} » n'est pas un fichier ordinaire : pour votre sécurité, le service "
        "n'envoie que des fichiers PDF enregistrés directement dans le dossier "
        "(pas de raccourci, de lien ni de dossier). Enregistrez une copie du document "
        "lui-même dans « inbox ».",
    )


def api_rejected(message: str) -> Reason:
    detail = message.strip() or "sans autre précision"
    return Reason(
        "api_rejected",
        f"IMPRIM'FIP a refusé ce courrier. Sa réponse : « {detail} ». Corrigez ce qu'elle "
        "signale avant de renvoyer le courrier.",
    )


def duplicate(earlier_name: str, when: datetime, internal_ref: str | None) -> Reason:
    ref = f" (référence IMPRIM'FIP {internal_ref})" if internal_ref else ""
    on = dates_fr.in_sentence(when)
    return Reason(
        "duplicate",
        f"Ce document est identique au courrier « {earlier_name} » déjà déposé le {on}{ref}. "
        "Pour ne pas l'envoyer deux fois, il n'a pas été déposé. S'il faut vraiment l'envoyer "
        "une seconde fois, demandez à l'administrateur du service.",
    )


def uncertain(when: datetime, submit_name: str) -> Reason:
    on = dates_fr.in_sentence(when)
    return Reason(
        "uncertain",
        f"L'envoi de ce courrier à IMPRIM'FIP a été interrompu le {on} et on ne sait pas "
        f"s'il a été reçu (nom de dépôt « {submit_name} »). Il n'a pas été renvoyé, pour ne "
        "pas l'expédier deux fois. Vérifiez dans IMPRIM'FIP s'il y figure, puis demandez à "
        "l'administrateur de le marquer comme envoyé ou de le renvoyer (commande "
        "« imprimfip resolve »). Ne le remettez pas vous-même dans « inbox ».",
    )


def address_unreadable() -> Reason:
    return Reason(
        "address_unreadable",
        "Pour une lettre recommandée (LRAR), IMPRIM'FIP a besoin de l'adresse du destinataire, "
        "lue dans le bloc adresse de la première page (zone de la fenêtre de l'enveloppe). Ce "
        "bloc n'a pas pu être lu : placez l'adresse dans la fenêtre, de 3 à 6 lignes, la "
        "dernière avec le code postal à 5 chiffres puis la ville. Si elle y est déjà, un de "
        "ses caractères ne se lit pas dans le PDF (police sans correspondance de caractères) : "
        "choisissez une police courante pour l'adresse, puis réexportez le PDF.",
    )


def changed_after_claim() -> Reason:
    return Reason(
        "changed_after_claim",
        "Le fichier a encore été modifié après sa prise en charge : il était sans doute encore "
        "en cours d'écriture. Pour ne pas envoyer un courrier incomplet, il n'a pas été "
        "déposé. Attendez que le logiciel ait fini d'écrire le fichier, puis enregistrez-le "
        "à nouveau dans « inbox ».",
    )


def picture_note(picture: str) -> str:
    return (
        f"L'image « {picture} », à côté de ce message, montre la page concernée telle qu'elle "
        "sera imprimée : en bleu ce qui est attendu (la fenêtre de l'enveloppe, les zones à "
        "laisser blanches), en rouge ce qui a été trouvé."
    )


def render(
    name: str,
    reasons: Sequence[Reason],
    when: datetime,
    advice: str = RESEND,
    picture: str | None = None,
) -> str:
    """The text of `<name>.erreur.txt`; `picture` names the image drawn beside it."""
    lines = [
        f"Le courrier « {name} » n'a pas été envoyé.",
        f"Date : {dates_fr.in_sentence(when)}",
        "",
        "Ce qui ne va pas :",
        *(f"  - {reason.message}" for reason in reasons),
    ]
    if picture:
        lines += ["", f"  {picture_note(picture)}"]
    if advice:
        lines += ["", "Que faire :", f"  {advice}"]
    return "\n".join(lines) + "\n"


def render_json(
    name: str,
    reasons: Sequence[Reason],
    when: datetime,
    picture: str | None = None,
    **facts: object,
) -> str:
    """The machine-readable twin, `<name>.erreur.json`, for scripts and the status page;
    `picture` is the file name of the image beside it, or null."""
    document = {
        "file": name,
        "at": when.isoformat(),
        "reasons": [asdict(reason) for reason in reasons],
        "picture": picture,
        **facts,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
