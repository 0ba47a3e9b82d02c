"""`fonts_not_embedded`: fonts that draw visible text and whose glyphs are not in the file.

A font that is only declared in a page's resources, or selected and never used to show a
string, or used only for invisible text (render modes 3 and 7: OCR layers of scans), prints
nothing, so it does not count. Text drawn inside form XObjects counts.
"""

from __future__ import annotations

from collections.abc import Iterator

from imprimfip.config.rules import ValidationRules
from imprimfip.validation import survey
from imprimfip.validation.content import get, sets_font_by_graphics_state
from imprimfip.validation.document import Document, Unreadable
from imprimfip.validation.fontwalk import unembedded_fonts_drawing
from imprimfip.validation.report import Problem


def _may_draw_unembedded(doc: Document, rules: ValidationRules) -> list[bool]:
    """For each page, whether pypdf must read it: when PDFium's survey finds visible text
    in a font that is not embedded, or cannot tell (a font chosen by a graphics state, a
    file PDFium cannot read)."""
    try:
        drawn = survey.drawings(doc, rules, range(doc.pages))
    except Unreadable:
        return [True] * doc.pages
    return [
        drawing.unembedded_text or sets_font_by_graphics_state(get(page, "/Resources"))
        for drawing, page in zip(drawn, doc.reader.pages, strict=True)
    ]


def fonts_rule(doc: Document, rules: ValidationRules) -> Iterator[Problem]:
    """One problem listing every unembedded font that draws text, and the pages concerned.
    pypdf reads only the pages PDFium's survey cannot clear."""
    fonts: set[str] = set()
    pages: list[int] = []
    maybe = _may_draw_unembedded(doc, rules)
    for number, page in enumerate(doc.reader.pages, start=1):
        names = unembedded_fonts_drawing(page, doc.content) if maybe[number - 1] else []
        if names:
            fonts.update(names)
            pages.append(number)
    if pages:
        yield Problem("fonts_not_embedded", pages[0], {"fonts": sorted(fonts), "pages": pages})
