"""What every page draws, read in one PDFium pass shared by the checks that would otherwise
read each page's content themselves.

PDFium parses each page's content (in C, quicker than pypdf can) and the walk over the
objects it found answers two questions at once: may anything reach a reserved zone (if not,
the page is not drawn for the ink checks) and may visible text be drawn in a font that is
not embedded (if not, pypdf need not parse the page for the fonts check). A page that asks
neither question (its resources declare only embedded fonts, and no zone is checked on it)
is not loaded at all. The answers are kept for the file, in `Document.content`.

The first page of each letter is the exception for fonts: pypdf reads it anyway for the
address, and reads it first, since its bounds on hostile content (a decompression bomb, a
form drawing itself) fail gracefully where PDFium would crash or hang.
"""

from __future__ import annotations

from collections.abc import Iterable

from imprimfip.config.rules import ValidationRules
from imprimfip.validation.content import declares_unembedded, get
from imprimfip.validation.document import Document
from imprimfip.validation.geometry import page_frame
from imprimfip.validation.raster import Box, Drawing, Pages

_NOTHING = Drawing(reaches_zone=False, unembedded_text=False)
_UNKNOWN = Drawing(reaches_zone=True, unembedded_text=True)
MAX_FORM_NESTING = 2
"""Forms nested deeper (or in a loop) can make PDFium's parse explode, where pypdf's walk
for fonts stops at its bounds: such a page is left to pypdf first."""


def zones_checked(index: int, doc: Document, rules: ValidationRules) -> list[Box]:
    """The reserved zones checked on page `index` (from 0); none when that check is off."""
    if rules.severity_of("reserved_zone_ink") == "off":
        return []
    first = index in rules.first_pages(doc.pages)
    return [zone.box for zone in rules.reserved_zones.on_page(first)]


def drawings(doc: Document, rules: ValidationRules, indexes: Iterable[int]) -> list[Drawing]:
    """What pages `indexes` (from 0) draw, in that order: each page is looked at once per
    file, the pages not yet seen in one PDFium pass."""
    indexes = list(indexes)
    known = doc.content.drawings
    missing = [index for index in indexes if index not in known]
    if missing:
        fonts_on = rules.severity_of("fonts_not_embedded") != "off"
        with Pages(doc.data) as pages:
            for index in missing:
                known[index] = _drawing(pages, index, doc, rules, fonts=fonts_on)
    return [known[index] for index in indexes]


def _drawing(
    pages: Pages, index: int, doc: Document, rules: ValidationRules, *, fonts: bool
) -> Drawing:
    page = doc.reader.pages[index]
    zones = zones_checked(index, doc, rules)
    fonts = fonts and declares_unembedded(get(page, "/Resources"))
    if not zones and not fonts:
        return _NOTHING
    if fonts and doc.content.form_nesting(get(page, "/Resources")) > MAX_FORM_NESTING:
        return _UNKNOWN
    return pages.drawing(index, page_frame(page), zones, fonts=fonts)
