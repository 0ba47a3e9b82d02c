"""`address_block`: the recipient's address, read from the text inside the envelope window.

On the first page of each letter, text fragments whose starting point falls inside the
flow's address zone are grouped into lines (top to bottom, left to right). The block must
have 3 to 6 lines of at most 38 characters and end with "<5-digit postal code> <town>", or
with a country for abroad; lower case and accents are reported separately (warnings by
default), as La Poste recommends plain capitals.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pypdf import mult

from imprimfip.config.rules import AddressZone, ValidationRules
from imprimfip.validation.document import Document
from imprimfip.validation.geometry import page_frame
from imprimfip.validation.report import ExtractedAddress, Problem

_FRENCH_POSTAL_LINE = re.compile(r"^(\d{5})\s+(\D.*)$")
_COUNTRY_LINE = re.compile(r"^[A-Z][A-Z '-]*$")
_FOREIGN_LOCALITY = re.compile(r"^(\S*\d\S*(?:\s\S*\d\S*)?)\s+(\D.*)$")
_STREET = re.compile(
    r"^\d+\s*(BIS|TER|QUATER|[A-Z])?\s+(RUE|AVENUE|AV|BOULEVARD|BD|PLACE|CHEMIN|IMPASSE|"
    r"ALLEE|ROUTE|QUAI|COURS|SQUARE|PASSAGE|RESIDENCE|VOIE|FAUBOURG|HAMEAU|CITE|VILLA)\b"
)
"""A French street line: ending an address with it then a town means a missing postal code,
not an address abroad."""
_LINE_SPACING = 1.2
_MAX_MIDDLE_LINES = 4


@dataclass(frozen=True)
class _Fragment:
    x_mm: float
    y_mm: float
    size_mm: float
    text: str


def zone_lines(page: Any, zone: AddressZone) -> list[str]:
    """The text lines whose fragments start inside `zone` on `page`, top to bottom."""
    frame = page_frame(page)
    fragments: list[_Fragment] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        if not text.strip():
            return
        matrix = mult(tm, cm)
        scale = math.sqrt(abs(matrix[0] * matrix[3] - matrix[1] * matrix[2])) or 1.0
        size_mm = float(size) * scale * frame.mm_per_unit
        x_mm, y_mm = frame.to_display_mm(matrix[4], matrix[5])
        # pypdf may hand several lines at once; the next ones sit one line spacing lower.
        for index, part in enumerate(text.split("\n")):
            if part.strip():
                offset = index * size_mm * _LINE_SPACING
                fragments.append(_Fragment(x_mm, y_mm + offset, size_mm, part))

    page.extract_text(visitor_text=visit)
    inside = [
        f
        for f in fragments
        if zone.left_mm <= f.x_mm <= zone.right_mm and zone.top_mm <= f.y_mm <= zone.bottom_mm
    ]
    return _group_lines(inside)


def _group_lines(fragments: list[_Fragment]) -> list[str]:
    """Fragments whose baselines are closer than half their size share one line."""
    lines: list[list[_Fragment]] = []
    for fragment in sorted(fragments, key=lambda f: (f.y_mm, f.x_mm)):
        tolerance = max(0.5, fragment.size_mm / 2)
        if lines and fragment.y_mm - lines[-1][0].y_mm <= tolerance:
            lines[-1].append(fragment)
        else:
            lines.append([fragment])
    texts = (" ".join(f.text for f in sorted(line, key=lambda f: f.x_mm)) for line in lines)
    return [" ".join(text.split()) for text in texts]


def plain(text: str) -> str:
    """Upper case without accents, as the patterns below expect."""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def split_address(lines: Sequence[str]) -> ExtractedAddress | None:
    """The parts of an address block, or None when it ends with no postal line or has
    more lines than IMPRIM'FIP's fields (name, line2 to line5, postal line, country)."""
    tail = _split_tail(lines)
    if tail is None or not 1 <= len(tail[0]) <= 1 + _MAX_MIDDLE_LINES:
        return None
    head, zip_code, town, country = tail
    padded = [*head[1:], "", "", "", ""][:_MAX_MIDDLE_LINES]
    return ExtractedAddress(head[0], *padded, zip_code=zip_code, town=town, country=country)


def _split_tail(lines: Sequence[str]) -> tuple[list[str], str, str, str] | None:
    """(the lines above the postal line, postal code, town, country), or None.

    A last line of letters only is a country when the line above it holds digits and is
    not a French street line ("10 RUE DES LILAS" then "PARIS" lacks a postal code).
    "FRANCE" alone on the last line is accepted after a French postal line.
    """
    lines = list(lines)
    if len(lines) >= 3 and plain(lines[-1]) == "FRANCE":
        lines = lines[:-1]
    if len(lines) < 2:
        return None
    match = _FRENCH_POSTAL_LINE.match(lines[-1])
    if match is not None:
        return lines[:-1], match.group(1), match.group(2), ""
    if not _is_country(lines):
        return None
    country, locality = lines[-1], lines[-2]
    # A foreign postal code may be two tokens (UK: "SW1A 1AA"), or absent.
    match = _FOREIGN_LOCALITY.match(locality)
    zip_code, town = (match.group(1), match.group(2)) if match else ("", locality)
    return lines[:-2], zip_code, town, country


def _is_country(lines: Sequence[str]) -> bool:
    if len(lines) < 3:
        return False
    last, above = plain(lines[-1]), plain(lines[-2])
    return (
        bool(_COUNTRY_LINE.match(last))
        and any(ch.isdigit() for ch in above)
        and not _STREET.match(above)
    )


def block_problems(lines: Sequence[str], rules: ValidationRules, page: int) -> Iterator[Problem]:
    """Everything wrong with one address block, as read from page `page`."""
    zone = rules.address_zone
    base = {"zone": [zone.left_mm, zone.top_mm, zone.right_mm, zone.bottom_mm], "lines": lines}
    if not lines:
        yield Problem("address_block", page, {**base, "problem": "empty"})
        return
    count, low, high = len(lines), rules.address_min_lines, rules.address_max_lines
    if not low <= count <= high:
        problem = "too_few_lines" if count < low else "too_many_lines"
        details = {"problem": problem, "count": count, "min": low, "max": high}
        yield Problem("address_block", page, {**base, **details})
    for line in lines:
        if len(line) > rules.address_max_chars:
            details = {"line": line, "length": len(line), "max": rules.address_max_chars}
            yield Problem("address_block", page, {**base, "problem": "line_too_long", **details})
    if _split_tail(lines) is None:
        details = {"problem": "no_postal_line", "line": lines[-1]}
        yield Problem("address_block", page, {**base, **details})
    lower = [line for line in lines if any(ch.islower() for ch in line)]
    if lower:
        yield Problem("address_lowercase", page, {"lines": lower})
    accented = [line for line in lines if not line.isascii()]
    if accented:
        yield Problem("address_accents", page, {"lines": accented})


def _first_pages(doc: Document, rules: ValidationRules) -> range:
    return range(0, doc.pages, rules.pages_per_letter or doc.pages)


def address_rule(doc: Document, rules: ValidationRules) -> Iterator[Problem]:
    """Check the address block on the first page of each letter in the file."""
    for index in _first_pages(doc, rules):
        lines = zone_lines(doc.reader.pages[index], rules.address_zone)
        yield from block_problems(lines, rules, page=index + 1)


def read_address(doc: Document, rules: ValidationRules) -> ExtractedAddress | None:
    """The recipient of the (first) letter, for sending types that need it (LRAR)."""
    return split_address(zone_lines(doc.reader.pages[0], rules.address_zone))
