"""What a submission's parameters must hold, per sending type (pure functions).

Each check returns French sentences naming the field and what to send; the submission is
refused with all of them at once, so that one correction round is enough.
"""

from __future__ import annotations

import re
from typing import Any

PAPERS = ("DUPLEX", "DUPLEX_TIP_MICRO")
SENDING_TYPES = ("STD", "LRE", "LRAR")
RECIPIENT_TYPES = ("PARTICULIER", "PROFESSIONNEL")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ZIP = re.compile(r"^\d{5}$")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _required(obj: dict[str, Any], path: str, names: tuple[str, ...]) -> list[str]:
    return [
        f"Le champ {path}.{name} est obligatoire et ne peut pas être vide."
        for name in names
        if _blank(obj.get(name))
    ]


def _enum(value: Any, path: str, allowed: tuple[str, ...]) -> list[str]:
    if _blank(value):
        return [f"Le champ {path} est obligatoire (valeurs possibles : {', '.join(allowed)})."]
    if value not in allowed:
        return [
            f"La valeur « {value} » du champ {path} n'est pas autorisée "
            f"(valeurs possibles : {', '.join(allowed)})."
        ]
    return []


def problems(params: dict[str, Any], annex_parts: int) -> list[str]:
    """Every reason to refuse these canonical jsonParameters; empty when they are fine."""
    found = _required(params, "jsonParameters", ("filename",))
    options = params.get("options") or {}
    found += _enum(options.get("paper"), "jsonParameters.options.paper", PAPERS)
    found += _enum(options.get("sendingType"), "jsonParameters.options.sendingType", SENDING_TYPES)
    if options.get("sendingType") == "LRE":
        found += _lre_recipient(params)
    if options.get("sendingType") == "LRAR":
        found += _lrar_addresses(params)
    found += _annexes(params.get("annexes"), annex_parts)
    return found


def _lre_recipient(params: dict[str, Any]) -> list[str]:
    path = "jsonParameters.recipient.information"
    information = (params.get("recipient") or {}).get("information")
    if not information:
        return [
            f"Le champ {path} est obligatoire pour un envoi LRE : indiquez l'adresse "
            "électronique et l'identité du destinataire."
        ]
    found = _required(information, path, ("emailAddress",))
    email = information.get("emailAddress")
    if not _blank(email) and not _EMAIL.match(email):
        found.append(
            f"L'adresse électronique « {email} » du champ {path}.emailAddress est invalide."
        )
    kind = information.get("type")
    found += _enum(kind, f"{path}.type", RECIPIENT_TYPES)
    if kind == "PARTICULIER":
        found += _required(information, path, ("lastname", "firstname"))
    if kind == "PROFESSIONNEL":
        found += _required(information, path, ("socialReason",))
    return found


def _lrar_addresses(params: dict[str, Any]) -> list[str]:
    recipient = (params.get("recipient") or {}).get("address")
    sender = (params.get("sender") or {}).get("returnAddress")
    return _address(recipient, "jsonParameters.recipient.address", "du destinataire") + _address(
        sender, "jsonParameters.sender.returnAddress", "de retour de l'expéditeur"
    )


def _address(address: dict[str, Any] | None, path: str, whose: str) -> list[str]:
    if not address:
        return [f"Le champ {path} est obligatoire pour un envoi LRAR : indiquez l'adresse {whose}."]
    found = _required(address, path, ("name", "zipCode", "town"))
    zip_code = address.get("zipCode")
    abroad = not _blank(address.get("country")) and address["country"].upper() != "FRANCE"
    if not abroad and not _blank(zip_code) and not _ZIP.match(zip_code):
        found.append(
            f"Le code postal « {zip_code} » du champ {path}.zipCode doit avoir 5 chiffres."
        )
    return found


def _annexes(annexes: list[dict[str, Any]] | None, annex_parts: int) -> list[str]:
    if annexes is None or len(annexes) == annex_parts:
        return []
    return [
        f"jsonParameters.annexes décrit {len(annexes)} annexe(s) mais la requête contient "
        f"{annex_parts} partie(s) anxFile : envoyez une description par annexe."
    ]
