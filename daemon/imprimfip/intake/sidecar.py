"""Per-letter data written by the producing application: `<letter stem>.json` beside it,
checked like the letter itself.

An LRE letter needs its recipient (email, name or company); an LRAR letter may give its
recipient address here instead of having it read from the address block:

    {"recipient": {"information": {"emailAddress": "...", "type": "PARTICULIER",
                                   "lastname": "...", "firstname": "..."},
                   "address": {"name": "...", "line2": "...", "zipCode": "69002",
                               "town": "LYON", "country": ""}}}

The file is bounded in size and nesting before it is parsed, parsed into a strict model
(`sidecar_model`), and its postal address held to the rules of an address block read from
a PDF (`imprimfip.postal`, with the flow's limits and severities). Every fault is a French
`Reason` for the error/ note: nothing in a data file can stop the daemon.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePath

from pydantic import ValidationError

from imprimfip import postal
from imprimfip.api.models import RecipientInformation
from imprimfip.config.rules import ValidationRules
from imprimfip.intake.sidecar_model import (
    AddressData,
    InformationData,
    SidecarData,
    describe,
    valid_email,
)
from imprimfip.notes_fr import Reason
from imprimfip.postal import PostalAddress

MAX_SIDECAR_BYTES = 64 * 1024
MAX_DEPTH = 8
"""The data nests 3 levels deep; JSON nested deeper is refused before it is parsed."""


@dataclass(frozen=True)
class Recipient:
    """What a sidecar says about the letter's recipient; `warnings` are finding codes that
    do not stop the letter (`address_lowercase`, `address_accents`)."""

    information: RecipientInformation | None = None
    address: PostalAddress | None = None
    warnings: tuple[str, ...] = ()


def sidecar_name(letter_name: str) -> str:
    """`lettre.json` for `lettre.pdf`, in the same folder (`sous/lettre.json`)."""
    return str(PurePath(letter_name).with_suffix(".json"))


def _fault(message: str) -> Reason:
    return Reason("sidecar_invalid", f"Fichier de données JSON du courrier : {message}")


def nesting_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in `raw`, counted without parsing it (strings
    skipped), so that a hostile file costs one linear pass."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def parse(raw: bytes, rules: ValidationRules) -> Recipient | Reason:
    """Read a sidecar's bytes against the flow's `rules`; a Reason (in French) says what is
    wrong with it."""
    document = _read(raw)
    if isinstance(document, Reason):
        return document
    try:
        data = SidecarData.model_validate(document)
    except ValidationError as error:
        return _fault(" ; ".join(describe(error)) + ".")
    information = address = None
    warnings: list[str] = []
    if data.recipient.information is not None:
        information = _information(data.recipient.information)
        if isinstance(information, Reason):
            return information
    if data.recipient.address is not None:
        address = _address(data.recipient.address, rules, warnings)
        if isinstance(address, Reason):
            return address
    return Recipient(information=information, address=address, warnings=tuple(warnings))


def _read(raw: bytes) -> object | Reason:
    """The JSON document in `raw`, once its size and nesting are known to be bounded."""
    if len(raw) > MAX_SIDECAR_BYTES:
        return _fault(
            f"il dépasse {MAX_SIDECAR_BYTES // 1024} Ko ; il ne doit contenir que les "
            "coordonnées du destinataire."
        )
    if nesting_depth(raw) > MAX_DEPTH:
        return _fault(
            "ses objets et listes sont imbriqués trop profondément ; il ne doit contenir que "
            "l'objet « recipient » décrit dans la documentation."
        )
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _fault(f"il est illisible ({exc}) ; enregistrez-le en JSON, encodé en UTF-8.")


def _information(data: InformationData) -> RecipientInformation | Reason:
    email = data.email_address.strip()
    if not valid_email(email):
        return _fault(
            f"l'adresse électronique du destinataire (emailAddress) « {email} » n'est pas "
            "valide : indiquez une adresse de la forme nom@domaine.fr."
        )
    needed = ("lastname", "firstname") if data.type == "PARTICULIER" else ("socialReason",)
    values = data.model_dump(by_alias=True)
    missing = [key for key in needed if not values[key].strip()]
    if missing:
        return _fault(f"pour un destinataire {data.type}, indiquez aussi : {', '.join(missing)}.")
    return RecipientInformation(
        email_address=email,
        type=data.type,
        lastname=data.lastname.strip(),
        firstname=data.firstname.strip(),
        social_reason=data.social_reason.strip(),
    )


def _address(
    data: AddressData, rules: ValidationRules, warnings: list[str]
) -> PostalAddress | Reason:
    """The address, held to the rules of an address block; style findings go to `warnings`
    or refuse the letter, as the flow's severities say."""
    address = data.postal()
    faults = postal.address_faults(
        address,
        min_lines=rules.address_min_lines,
        max_lines=rules.address_max_lines,
        max_chars=rules.address_max_chars,
    )
    severity = rules.severity_of("address_block")
    if faults and severity == "error":
        return _fault(" ; ".join(_address_fault(fault) for fault in faults) + ".")
    if faults and severity == "warning":
        warnings.append("address_block")
    style = (
        ("address_lowercase", postal.lowercase_lines(address.lines()), "des minuscules"),
        ("address_accents", postal.accented_lines(address.lines()), "des accents"),
    )
    for code, lines, found in style:
        if lines and rules.severity_of(code) == "error":
            return _fault(
                f"l'adresse du destinataire (recipient.address) contient {found} "
                f"(« {' / '.join(lines)} ») ; écrivez-la en majuscules sans accents."
            )
        if lines and rules.severity_of(code) == "warning":
            warnings.append(code)
    return address


def _address_fault(fault: postal.Fault) -> str:
    problem = fault["problem"]
    if problem in ("too_few_lines", "too_many_lines"):
        return (
            f"l'adresse du destinataire (recipient.address) ferait {fault['count']} lignes "
            f"imprimées, alors qu'une adresse en compte de {fault['min']} à {fault['max']} "
            "(name, line2 à line5, puis zipCode et town, et country à l'étranger)"
        )
    if problem == "no_name":
        return "le nom du destinataire (recipient.address.name) est vide"
    if problem == "line_too_long":
        return (
            f"la ligne « {fault['line']} » de recipient.address compte {fault['length']} "
            f"caractères, La Poste en admet au plus {fault['max']}"
        )
    return (
        "l'adresse du destinataire (recipient.address) doit avoir une ville (town) et, en "
        "France, un code postal à 5 chiffres (zipCode) ; à l'étranger, indiquez le pays "
        "(country)"
    )


def missing_for_lre(letter_name: str) -> Reason:
    return Reason(
        "sidecar_missing",
        f"Une lettre recommandée électronique (LRE) a besoin des coordonnées de son "
        f"destinataire, dans un fichier « {sidecar_name(letter_name)} » enregistré à côté du "
        "PDF, avant lui. Ce fichier manque : enregistrez-le puis le PDF à nouveau.",
    )
