"""A postal address, and the French rules its lines follow on an envelope.

One type for every postal address the daemon handles: the sender's return address in the
config, the recipient read from a letter's address block or given in its per-letter data,
and the `returnAddress` / `recipient.address` objects sent to IMPRIM'FIP. The rules (3 to 6
lines of at most 38 characters, the last one "<5-digit postal code> <town>" or a country
for abroad, plain capitals recommended) are La Poste's, as the README's "The recipient's
address" lists them; they apply alike to an address block read from a PDF and to one
given as data, so both are refused for the same reasons.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_FRENCH_POSTAL_LINE = re.compile(r"^(\d{5})\s+(\D.*)$")
_COUNTRY_LINE = re.compile(r"^[A-Z][A-Z '-]*$")
_NEVER_COUNTRY = re.compile(
    r"\b(?:CEDEX|BP|TSA|CS|SERVICES?|DIRECTION|BUREAU|POLE|CENTRE|AGENCE|ATTENTION)\b"
)
"""Words of French addresses that no country's name holds: a last line with one of them
after a postal line is misplaced (CEDEX goes after the town), never sent as a country."""
_FOREIGN_LOCALITY = re.compile(r"^(\S*\d\S*(?:\s\S*\d\S*)?)\s+(\D.*)$")
_STREET = re.compile(
    r"^\d+\s*(BIS|TER|QUATER|[A-Z])?\s+(RUE|AVENUE|AV|BOULEVARD|BD|PLACE|CHEMIN|IMPASSE|"
    r"ALLEE|ROUTE|QUAI|COURS|SQUARE|PASSAGE|RESIDENCE|VOIE|FAUBOURG|HAMEAU|CITE|VILLA)\b"
)
"""A French street line: ending an address with it then a town means a missing postal code,
not an address abroad."""
MAX_MIDDLE_LINES = 4
"""IMPRIM'FIP's fields between the name and the postal line: line2 to line5."""

Fault = dict[str, object]
"""One thing wrong with an address's lines: {"problem": <name>, ...measured values}."""


@dataclass(frozen=True, kw_only=True)
class PostalAddress:
    """An address as IMPRIM'FIP takes it; "" where a part is absent, an empty country
    meaning France."""

    name: str
    line2: str = ""
    line3: str = ""
    line4: str = ""
    line5: str = ""
    zip_code: str = ""
    town: str = ""
    country: str = ""

    def lines(self) -> tuple[str, ...]:
        """The lines as printed on the envelope, top to bottom."""
        middle = [line for line in (self.line2, self.line3, self.line4, self.line5) if line]
        postal = " ".join(part for part in (self.zip_code, self.town) if part)
        return (self.name, *middle, postal, *([self.country] if self.country else []))

    def to_json(self) -> dict[str, str]:
        """The spec's address object (`returnAddress`, `recipient.address`)."""
        lines = {f"line{i}": getattr(self, f"line{i}") for i in range(2, 6)}
        return {
            "name": self.name,
            **{key: value for key, value in lines.items() if value},
            "zipCode": self.zip_code,
            "town": self.town,
            **({"country": self.country} if self.country else {}),
        }


UNREADABLE = "\ufffd"
"""Stands in a line read from a page for a character with no readable value."""


def plain(text: str) -> str:
    """Upper case without accents, as the patterns below expect."""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def from_lines(lines: Sequence[str]) -> PostalAddress | None:
    """The parts of an address block, or None when it ends with no postal line, has more
    lines than IMPRIM'FIP's fields (name, line2 to line5, postal line, country), or holds
    a character that could not be read: a recipient is sent only as the letter shows it."""
    if any(UNREADABLE in line for line in lines):
        return None
    tail = _split_tail(lines)
    if tail is None or not 1 <= len(tail[0]) <= 1 + MAX_MIDDLE_LINES:
        return None
    head, zip_code, town, country = tail
    middle = dict(zip(("line2", "line3", "line4", "line5"), head[1:], strict=False))
    return PostalAddress(name=head[0], **middle, zip_code=zip_code, town=town, country=country)


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
        and not _NEVER_COUNTRY.search(last)
        and any(ch.isdigit() for ch in above)
        and not _STREET.match(above)
    )


def layout_faults(
    lines: Sequence[str], *, min_lines: int, max_lines: int, max_chars: int
) -> list[Fault]:
    """What stops the lines of an address block being an address La Poste can sort, in the
    order staff fix it: the line count, each line too long, the last line."""
    if not lines:
        return [{"problem": "empty"}]
    faults = _line_faults(lines, min_lines, max_lines, max_chars)
    if _split_tail(lines) is None:
        faults.append({"problem": "no_postal_line", "line": lines[-1]})
    return faults


def address_faults(
    address: PostalAddress, *, min_lines: int, max_lines: int, max_chars: int
) -> list[Fault]:
    """The same rules for an address given field by field: its printed lines, a name, and
    a town with a 5-digit postal code in France (a country abroad)."""
    lines = address.lines()
    faults = _line_faults(lines, min_lines, max_lines, max_chars)
    if not address.name:
        faults.append({"problem": "no_name"})
    in_france = not address.country or plain(address.country) == "FRANCE"
    if not address.town or (in_france and not re.fullmatch(r"\d{5}", address.zip_code)):
        faults.append({"problem": "no_postal_line", "line": lines[-1]})
    return faults


def _line_faults(
    lines: Sequence[str], min_lines: int, max_lines: int, max_chars: int
) -> list[Fault]:
    faults: list[Fault] = []
    count = len(lines)
    if not min_lines <= count <= max_lines:
        problem = "too_few_lines" if count < min_lines else "too_many_lines"
        faults.append({"problem": problem, "count": count, "min": min_lines, "max": max_lines})
    for line in lines:
        if len(line) > max_chars:
            faults.append(
                {"problem": "line_too_long", "line": line, "length": len(line), "max": max_chars}
            )
    return faults


def lowercase_lines(lines: Sequence[str]) -> list[str]:
    """The lines with lower case letters (La Poste recommends capitals)."""
    return [line for line in lines if any(ch.islower() for ch in line)]


def accented_lines(lines: Sequence[str]) -> list[str]:
    """The lines with accents or other signs beyond plain ASCII."""
    return [line for line in lines if not line.isascii()]
