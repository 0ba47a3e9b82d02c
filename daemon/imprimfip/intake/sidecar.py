"""Per-letter data written by the producing application: `<letter stem>.json` beside it.

An LRE letter needs its recipient (email, name or company); an LRAR letter may give its
recipient address here instead of having it read from the address block. The shape follows
the API's own `recipient` object, so an application developer reads one document:

    {"recipient": {"information": {"emailAddress": "...", "type": "PARTICULIER",
                                   "lastname": "...", "firstname": "..."},
                   "address": {"name": "...", "line2": "...", "zipCode": "69002",
                               "town": "LYON", "country": ""}}}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from imprimfip.api.models import RecipientInformation
from imprimfip.outputs.notes_fr import Reason
from imprimfip.postal import PostalAddress

MAX_SIDECAR_BYTES = 64 * 1024
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Recipient:
    """What a sidecar says about the letter's recipient."""

    information: RecipientInformation | None = None
    address: PostalAddress | None = None


def sidecar_name(letter_name: str) -> str:
    """`lettre.json` for `lettre.pdf`, in the same folder (`sous/lettre.json`)."""
    return str(PurePath(letter_name).with_suffix(".json"))


def _fault(message: str) -> Reason:
    return Reason("sidecar_invalid", message)


def _information(data: Any) -> RecipientInformation | Reason:
    if not isinstance(data, dict):
        return _fault("« recipient.information » doit être un objet JSON.")
    email, kind = data.get("emailAddress"), data.get("type")
    if not isinstance(email, str) or not _EMAIL.match(email):
        return _fault(
            "L'adresse électronique du destinataire (emailAddress) manque ou est "
            "invalide : indiquez une adresse de la forme nom@domaine.fr."
        )
    if kind not in {"PARTICULIER", "PROFESSIONNEL"}:
        return _fault("Le type de destinataire (type) doit être PARTICULIER ou PROFESSIONNEL.")
    needed = ("lastname", "firstname") if kind == "PARTICULIER" else ("socialReason",)
    missing = [key for key in needed if not str(data.get(key) or "").strip()]
    if missing:
        return _fault(f"Pour un destinataire {kind}, indiquez aussi : {', '.join(missing)}.")
    return RecipientInformation(
        email_address=email,
        type=kind,
        lastname=str(data.get("lastname") or ""),
        firstname=str(data.get("firstname") or ""),
        social_reason=str(data.get("socialReason") or ""),
    )


def _address(data: Any) -> PostalAddress | Reason:
    if not isinstance(data, dict):
        return _fault("« recipient.address » doit être un objet JSON.")
    name, zip_code, town = (str(data.get(k) or "").strip() for k in ("name", "zipCode", "town"))
    country = str(data.get("country") or "").strip()
    if not name or not town or (not country and not re.fullmatch(r"\d{5}", zip_code)):
        return _fault(
            "L'adresse du destinataire doit avoir au moins un nom (name), une ville "
            "(town) et, en France, un code postal à 5 chiffres (zipCode)."
        )
    return PostalAddress(
        name=name,
        line2=str(data.get("line2") or ""),
        line3=str(data.get("line3") or ""),
        line4=str(data.get("line4") or ""),
        line5=str(data.get("line5") or ""),
        zip_code=zip_code,
        town=town,
        country=country,
    )


def parse(raw: bytes) -> Recipient | Reason:
    """Read a sidecar's bytes; a Reason (in French) says what is wrong with it."""
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _fault(f"Le fichier de données JSON associé est illisible ({exc}).")
    recipient = document.get("recipient") if isinstance(document, dict) else None
    if not isinstance(recipient, dict):
        return _fault("Le fichier de données JSON associé doit contenir un objet « recipient ».")
    information = address = None
    if "information" in recipient:
        information = _information(recipient["information"])
        if isinstance(information, Reason):
            return information
    if "address" in recipient:
        address = _address(recipient["address"])
        if isinstance(address, Reason):
            return address
    return Recipient(information=information, address=address)


def missing_for_lre(letter_name: str) -> Reason:
    return Reason(
        "sidecar_missing",
        f"Une lettre recommandée électronique (LRE) a besoin des coordonnées de son "
        f"destinataire, dans un fichier « {sidecar_name(letter_name)} » enregistré à côté du "
        "PDF, avant lui. Ce fichier manque : enregistrez-le puis le PDF à nouveau.",
    )
