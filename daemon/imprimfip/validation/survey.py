"""What every page draws, read in one PDFium pass shared by the checks that would otherwise
read each page's content themselves.

PDFium parses each page's content (in C, quicker than pypdf can) and the walk over the
objects it found answers two questions at once: may anything reach a reserved zone (if not,
the page is not drawn for the ink checks) and may visible text be drawn in a font that is
not embedded (if not, pypdf need not parse the page for the fonts check). A page that asks
neither question (its resources declare only embedded fonts, and no zone is checked on it)
is not loaded at all. The answers are kept for the file, in `Document.content`.

The file is opened by PDFium once for all the checks (`opened`), the page the address and
window checks read kept loaded between them. Before that, pypdf reads each letter's first
page within its bounds on hostile content, which fail gracefully where PDFium would crash
or hang: it inflates the page's content and its forms (a decompression bomb stops there),
and walks forms nested deeper than usual (a form drawing itself stops there).
"""

from __future__ import annotations

from collections.abc import Iterable

from imprimfip.config.rules import ValidationRules
from imprimfip.validation import fontwalk
from imprimfip.validation.content import declares_unembedded, get
from imprimfip.validation.document import Document
from imprimfip.validation.geometry import page_frame
from imprimfip.validation.raster import Box, Drawing, Pages

WINDOW_CODES = ("window_clutter", "address_near_edge")
"""The checks of a letter's first page drawn in the envelope window (placement)."""
_NOTHING = Drawing(reaches_zone=False, unembedded_text=False)
_UNKNOWN = Drawing(reaches_zone=True, unembedded_text=True)
MAX_FORM_NESTING = 2
"""Forms nested deeper (or in a loop) can make PDFium's parse explode, where pypdf's walk
for fonts stops at its bounds: such a page is left to pypdf first."""


def opened(doc: Document, rules: ValidationRules) -> Pages:
    """The file as PDFium reads it, opened on the first call for all the checks, after
    pypdf has read each letter's first page (see the module's docstring); `check_pdf`
    closes it (PageContent.close)."""
    if doc.content.pdfium is None:
        for index in rules.first_pages(doc.pages):
            page = doc.reader.pages[index]
            doc.content.inflate(page)
            if doc.content.form_nesting(get(page, "/Resources")) > MAX_FORM_NESTING:
                fontwalk.walk(page, doc.content)
        doc.content.pdfium = Pages(doc.data)
    return doc.content.pdfium


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
        for index in missing:
            known[index] = _drawing(index, doc, rules, fonts=fonts_on)
    return [known[index] for index in indexes]


def _drawing(index: int, doc: Document, rules: ValidationRules, *, fonts: bool) -> Drawing:
    """What page `index` draws; PDFium opens the file only when a page must be loaded."""
    page = doc.reader.pages[index]
    first = index in rules.first_pages(doc.pages)
    # The window checks look for themselves on the page they load (Pages.reaches).
    window = first and any(rules.severity_of(code) != "off" for code in WINDOW_CODES)
    zones = [] if window else zones_checked(index, doc, rules)
    fonts = fonts and declares_unembedded(get(page, "/Resources"))
    if not zones and not fonts:
        return _NOTHING
    if fonts and doc.content.form_nesting(get(page, "/Resources")) > MAX_FORM_NESTING:
        return _UNKNOWN
    return opened(doc, rules).drawing(index, page_frame(page), zones, fonts=fonts, keep=first)
