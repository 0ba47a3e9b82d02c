"""The one catalogue of French messages for staff: code + details -> what was found, what is
expected, what to do. The same text goes to the error/ note and `--json`.

A finding whose severity a flow may set gives its advice apart (`Advice`): as an error it
asks to correct the letter and save it again; as a warning it says that the letter goes
out anyway and that the correction is for the next letters, so that nobody sends a
registered letter twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Details = Mapping[str, Any]


@dataclass(frozen=True)
class Advice:
    """What was found (and what is expected), then the correction, in the imperative."""

    found: str
    correction: str
    then: str = "redéposez-le"


WARNING_ONLY = "Ce n'est qu'un avertissement : le courrier est envoyé quand même."

_NOT_PDF_KINDS = {
    "empty": "le fichier est vide",
    "html": "il s'agit d'une page web (HTML)",
    "zip": "il s'agit d'une archive ZIP ou d'un document Word, Excel ou LibreOffice",
    "office": "il s'agit d'un document Word ou Excel",
    "image": "il s'agit d'une image",
    "text": "il s'agit d'un fichier texte",
    "unknown": "son contenu n'est pas reconnu",
}

_TOO_COMPLEX_REASONS = {
    "time": "sa lecture a dépassé le temps permis",
    "memory": "sa lecture a dépassé la mémoire permise",
    "limit": "il contient des données démesurées (flux compressés, objets imbriqués)",
    "nesting": "il contient des objets imbriqués trop profondément",
    "crash": "sa lecture a interrompu le programme de vérification",
}

_FORMAT_LABELS = {"Letter": "Letter américain", "Legal": "Legal américain"}

_ADDRESS_FIX = "corrigez l'adresse du destinataire dans le modèle de courrier"

_FLATTEN = (
    "aplatissez le formulaire, c'est-à-dire imprimez-le en PDF (imprimante « Microsoft Print "
    "to PDF » ou « Adobe PDF », ou « Aplatir » dans Acrobat), ou réexportez le courrier en PDF "
    "depuis Word ou LibreOffice sans cocher « Créer un formulaire PDF »"
)
_FLATTENED_THEN = "déposez ce PDF"

_SIDES = {
    "left": "gauche",
    "top": "du haut",
    "right": "droit",
    "bottom": "du bas",
}

PICTURE_LEGEND = {
    "expected": "En bleu :",
    "window": "la fenêtre de l'enveloppe",
    "a4": "la page A4 portrait attendue",
    "zones": "les zones à laisser blanches",
    "and": "et",
    "found": "En rouge : ce qui a été trouvé",
}
"""The words of the legend under the picture of a refused letter."""

PICTURE_LABELS = {
    "page_size": "format de page",
    "orientation": "page en paysage",
    "address_block": "adresse lue",
    "address_lowercase": "adresse en minuscules",
    "address_accents": "adresse accentuée",
    "window_clutter": "autre chose que l'adresse dans la fenêtre",
    "address_near_edge": "adresse trop près du bord de la fenêtre",
    "reserved_zone_ink": "encre dans une zone réservée",
}
"""What the picture's title names for each finding it shows."""


def page_list(pages: Sequence[int], *, limit: int = 8) -> str:
    """ "la page 3", "les pages 1 à 3, 7 et 9", shortened after `limit` groups."""
    groups: list[tuple[int, int]] = []
    for page in sorted(set(pages)):
        if groups and page == groups[-1][1] + 1:
            groups[-1] = (groups[-1][0], page)
        else:
            groups.append((page, page))
    if len(groups) == 1 and groups[0][0] == groups[0][1]:
        return f"la page {groups[0][0]}"
    texts: list[str] = []
    for a, b in groups[:limit]:
        texts.extend([str(a)] if a == b else [str(a), str(b)] if b == a + 1 else [f"{a} à {b}"])
    if len(groups) > limit:
        rest = sum(b - a + 1 for a, b in groups[limit:])
        texts.append(f"{rest} autre{'s' if rest > 1 else ''}")
    body = texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " et " + texts[-1]
    return f"les pages {body}"


def _pages_subject(details: Details) -> tuple[str, bool]:
    """The pages as the subject of a sentence, capitalised, and whether it is plural."""
    pages = details.get("pages") or []
    text = page_list(pages)
    return text[0].upper() + text[1:], not text.startswith("la page")


def _not_pdf(d: Details) -> str:
    kind = _NOT_PDF_KINDS.get(str(d.get("kind")), _NOT_PDF_KINDS["unknown"])
    return (
        f"Ce fichier n'est pas un PDF : {kind}. IMPRIM'FIP n'accepte que des PDF : "
        "enregistrez ou exportez le courrier en PDF depuis votre logiciel (« Enregistrer "
        "sous » puis PDF) au lieu de renommer un autre fichier en .pdf, puis redéposez-le."
    )


def _damaged(d: Details) -> str:
    return (
        "Le fichier PDF est endommagé ou incomplet : il n'a pas pu être lu. Il a peut-être été "
        "copié en partie ou mal enregistré : enregistrez à nouveau le courrier en PDF depuis "
        "votre logiciel, puis redéposez-le."
    )


def _encrypted(d: Details) -> str:
    how = "protégé par un mot de passe" if d.get("password_required") else "protégé (chiffré)"
    return (
        f"Le PDF est {how}. IMPRIM'FIP n'accepte que des PDF sans protection : enregistrez "
        "le courrier sans mot de passe ni restriction, puis redéposez-le."
    )


def _no_pages(d: Details) -> str:
    return (
        "Le PDF ne contient aucune page. Vérifiez l'export du courrier depuis votre logiciel, "
        "puis redéposez-le."
    )


def _too_many_pages(d: Details) -> Advice:
    return Advice(
        f"Le fichier contient {d['pages']} pages ; ce dossier en accepte au plus {d['max_pages']}.",
        f"découpez-le en plusieurs fichiers de {d['max_pages']} pages au plus",
        "déposez-les",
    )


def _file_too_large(d: Details) -> Advice:
    return Advice(
        f"Le fichier pèse {d['size_mb']:.1f} Mo ; ce dossier accepte au plus {d['max_mb']:g} Mo.",
        "réduisez sa taille (export PDF « taille réduite », images moins lourdes) ou "
        "découpez-le en plusieurs fichiers",
    )


def _page_size(d: Details) -> Advice:
    subject, plural = _pages_subject(d)
    verb = "mesurent" if plural else "mesure"
    label = _FORMAT_LABELS.get(d.get("format") or "", d.get("format"))
    named = f" (format {label})" if label else ""
    return Advice(
        f"{subject} {verb} {d['width_mm']} × {d['height_mm']} mm{named}. IMPRIM'FIP "
        "n'imprime que le format A4 (210 × 297 mm), en portrait :",
        "réimprimez ou réexportez le document en A4 portrait",
    )


def _orientation(d: Details) -> Advice:
    subject, plural = _pages_subject(d)
    verb = "sont en paysage" if plural else "est en paysage"
    return Advice(
        f"{subject} {verb} ({d['width_mm']} × {d['height_mm']} mm). IMPRIM'FIP imprime en "
        "portrait :",
        "réexportez le document avec toutes les pages en portrait",
    )


def _fonts_not_embedded(d: Details) -> Advice:
    fonts = ", ".join(d.get("fonts") or [])
    where = page_list(d.get("pages") or [])
    if d.get("in_annotations"):
        return Advice(
            "Des champs de formulaire ou des annotations écrivent avec des polices qui ne sont "
            f"pas incorporées au PDF ({fonts}, sur {where}). L'imprimerie les remplacerait et "
            "le texte pourrait se décaler :",
            _FLATTEN,
            _FLATTENED_THEN,
        )
    return Advice(
        f"Des polices utilisées ne sont pas incorporées au PDF ({fonts}, sur {where}). "
        "L'imprimerie les remplacerait et le texte pourrait se décaler :",
        "réexportez le PDF en cochant « incorporer les polices » (ou en PDF/A)",
    )


def _box_words(box: Sequence[float]) -> str:
    left, top, right, bottom = box
    return (
        f"de {left:g} à {right:g} mm du bord gauche et de {top:g} à {bottom:g} mm du haut "
        "de la page"
    )


def _zone(d: Details) -> str:
    zone = d.get("zone") or (0, 0, 0, 0)
    return f"bloc adresse (la zone de la fenêtre de l'enveloppe, {_box_words(zone)})"


def _mm(value: Any) -> str:
    return f"{float(value):.1f}".replace(".", ",")


_OUTSIDE = {
    "top": ("dépasse du haut de la fenêtre", "descendez le bloc adresse"),
    "bottom": ("dépasse du bas de la fenêtre", "remontez le bloc adresse"),
    "left": ("commence à gauche de la fenêtre", "décalez le bloc adresse vers la droite"),
    "right": ("dépasse à droite de la fenêtre", "décalez le bloc adresse vers la gauche"),
}


def _address_fault(fault: Details) -> str:
    """One fault of an address block, as a clause of the block's message."""
    problem = fault.get("problem")
    if problem == "empty":
        return (
            "il ne contient aucun texte, alors que l'adresse du destinataire doit s'y "
            "trouver pour paraître dans la fenêtre"
        )
    if problem in ("too_few_lines", "too_many_lines"):
        count = fault["count"]
        return (
            f"il contient {count} ligne{'s' if count > 1 else ''}, alors qu'une adresse en "
            f"compte de {fault['min']} à {fault['max']}"
        )
    if problem == "line_too_long":
        return (
            f"la ligne « {fault['line']} » compte {fault['length']} caractères, La Poste en "
            f"admet au plus {fault['max']}"
        )
    if problem == "outside":
        where, move = _OUTSIDE.get(str(fault.get("side")), _OUTSIDE["top"])
        by = _mm(fault["by_mm"])
        return (
            f"la ligne « {fault['line']} » {where} de {by} mm, l'enveloppe en cacherait une "
            f"partie ({move} d'au moins {by} mm, ou réduisez la taille du texte)"
        )
    clause = _CLAUSES.get(str(problem))
    if clause is not None:
        return clause(fault)
    return (
        f"sa dernière ligne est « {fault.get('line', '')} », alors qu'elle doit contenir le "
        "code postal à 5 chiffres suivi de la ville (ex. « 75011 PARIS »), ou le pays seul "
        "pour l'étranger"
    )


def _apart(fault: Details) -> str:
    """Lines set apart from the rest of the address: by a blank line ("split", the lines
    above it in `detached`), or by their size ("mixed_sizes", in `lines`)."""
    split = fault.get("problem") == "split"
    lines = list(fault.get("detached" if split else "lines") or [])
    state = "séparée" if split else "écrite"
    which = (
        f"la ligne « {lines[0]} » est {state}"
        if len(lines) == 1
        else f"les lignes « {' / '.join(lines)} » sont {state}s"
    )
    if split:
        return (
            f"l'adresse est coupée par une ligne vide : {which} du reste de l'adresse "
            "(supprimez la ligne vide, pour que toute l'adresse forme un seul bloc)"
        )
    belongs = "elle en fait partie" if len(lines) == 1 else "elles en font partie"
    return (
        f"{which} dans une autre taille que le reste de l'adresse, juste à côté : on ne "
        f"peut pas savoir si {belongs} (écrivez toute l'adresse dans la même police et la "
        "même taille)"
    )


def _crowded(fault: Details) -> str:
    """Other text mixed with the address: on its lines ("glued", "overlapping"), or a
    second address in the window ("two_addresses", its lines in `other`)."""
    problem = fault.get("problem")
    if problem == "two_addresses":
        other = " / ".join(fault.get("other") or [])
        return (
            f"la fenêtre montre une deuxième adresse (« {other} ») : on ne peut pas savoir "
            "laquelle est celle du destinataire (ne laissez dans la fenêtre que son adresse)"
        )
    lines = " / ".join(f"« {line} »" for line in fault.get("lines") or [])
    if problem == "glued":
        return (
            f"{lines} réunit des textes séparés par un grand espace (une autre colonne, une "
            "tabulation) : écrivez chaque ligne de l'adresse d'un seul tenant, avec des "
            "espaces simples, et rien à côté d'elle dans la fenêtre"
        )
    return (
        f"{lines} est faite de textes écrits les uns sur les autres : gardez une seule "
        "fois le texte de l'adresse"
    )


_CLAUSES: dict[str, Callable[[Details], str]] = {
    "split": _apart,
    "mixed_sizes": _apart,
    "glued": _crowded,
    "overlapping": _crowded,
    "two_addresses": _crowded,
}
"""The faults told by a clause of their own, for other text near or on the address."""


def _address_block(d: Details) -> Advice:
    faults = " ; ".join(_address_fault(fault) for fault in d.get("faults") or [])
    return Advice(f"Page {d.get('page', 1)}, {_zone(d)} : {faults}.", _ADDRESS_FIX)


def _address_style(found: str, advice: str) -> Callable[[Details], Advice]:
    def render(d: Details) -> Advice:
        lines = " / ".join(d.get("lines") or [])
        return Advice(
            f"Page {d.get('page', 1)} : l'adresse du destinataire contient {found} "
            f"(« {lines} »). La Poste recommande {advice} pour un meilleur tri.",
            _ADDRESS_FIX,
        )

    return render


def _window_clutter(d: Details) -> Advice:
    count = len(d.get("boxes") or [])
    places = "à un endroit" if count == 1 else f"à {count} endroits"
    return Advice(
        f"Page {d.get('page', 1)} : la fenêtre de l'enveloppe ({_box_words(d['zone'])}) montre "
        f"autre chose que l'adresse du destinataire, {places} : un logo, un trait, un cadre ou "
        "un code-barres. Les machines de tri lisent tout ce qui paraît dans la fenêtre :",
        "ne laissez dans cette zone du modèle de courrier que l'adresse du destinataire",
    )


def _address_near_edge(d: Details) -> Advice:
    side, distance = _SIDES.get(str(d.get("side")), ""), float(d["distance_mm"])
    if distance < 0:
        where = f"dépasse de {_mm(-distance)} mm le bord {side} de la fenêtre de l'enveloppe"
    else:
        where = f"n'est qu'à {_mm(distance)} mm du bord {side} de la fenêtre de l'enveloppe"
    return Advice(
        f"Page {d.get('page', 1)} : l'adresse du destinataire {where} ({_box_words(d['zone'])})"
        f" ; il faut au moins {d['min_mm']:g} mm, car la feuille bouge un peu dans "
        "l'enveloppe et l'adresse pourrait être en partie cachée.",
        "éloignez l'adresse de ce bord dans le modèle de courrier",
    )


def _reserved_zone_ink(d: Details) -> Advice:
    subject, plural = _pages_subject(d)
    zones = " ; ".join(_box_words(zone) for zone in d.get("zones") or [])
    verb = "portent" if plural else "porte"
    return Advice(
        f"{subject} {verb} de l'encre dans une zone que l'imprimerie garde blanche pour ses "
        f"propres marques de mise sous pli ({zones}).",
        "éloignez du bord de la feuille, dans le modèle de courrier, l'en-tête, le pied de "
        "page, les fonds de couleur et les images",
    )


def _form_not_flattened(d: Details) -> Advice:
    count = int(d.get("fields") or 0)
    fields, its = ("un champ", "son") if count == 1 else (f"{count} champs", "leur")
    return Advice(
        f"Le PDF contient {fields} de formulaire encore modifiable{'s' if count != 1 else ''} "
        f"(sur {page_list(d.get('pages') or [])}) : selon le logiciel de l'imprimerie, {its} "
        "contenu pourrait ne pas s'imprimer ou changer d'aspect.",
        _FLATTEN,
        _FLATTENED_THEN,
    )


def _too_complex(d: Details) -> str:
    reason = _TOO_COMPLEX_REASONS.get(str(d.get("reason")), _TOO_COMPLEX_REASONS["limit"])
    return (
        f"Le PDF est trop complexe pour être vérifié : {reason}. Il est peut-être endommagé "
        "ou malveillant : réexportez-le depuis le logiciel d'origine (ou imprimez-le en PDF), "
        "puis redéposez-le. Si cela se reproduit, prévenez l'administrateur."
    )


CATALOGUE: Mapping[str, Callable[[Details], str | Advice]] = {
    "not_pdf": _not_pdf,
    "damaged": _damaged,
    "encrypted": _encrypted,
    "no_pages": _no_pages,
    "too_complex": _too_complex,
    "too_many_pages": _too_many_pages,
    "file_too_large": _file_too_large,
    "page_size": _page_size,
    "orientation": _orientation,
    "fonts_not_embedded": _fonts_not_embedded,
    "address_block": _address_block,
    "address_lowercase": _address_style("des minuscules", "une adresse en majuscules"),
    "address_accents": _address_style(
        "des accents ou des signes spéciaux", "une adresse sans accents"
    ),
    "window_clutter": _window_clutter,
    "address_near_edge": _address_near_edge,
    "reserved_zone_ink": _reserved_zone_ink,
    "form_not_flattened": _form_not_flattened,
}


def message(code: str, page: int | None, details: Details, severity: str = "error") -> str:
    """The French text for a finding of `severity`; `page` is given to messages about one
    page."""
    text = CATALOGUE[code]({**details, "page": page} if page is not None else details)
    if isinstance(text, str):
        return text if severity == "error" else f"{text} {WARNING_ONLY}"
    if severity == "error":
        return f"{_then(text.found, text.correction)}, puis {text.then}."
    later = f"pour les prochains courriers, {text.correction}"
    return f"{_then(text.found, later)}. {WARNING_ONLY}"


def _then(found: str, clause: str) -> str:
    """`found` followed by `clause`, capitalised after a full stop, not after a colon."""
    return (
        f"{found} {clause}" if found.endswith(":") else f"{found} {clause[:1].upper()}{clause[1:]}"
    )
