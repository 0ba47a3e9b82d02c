"""`fonts_not_embedded`: fonts that draw visible text and whose glyphs are not in the file.

A font that is only declared in a page's resources, or selected and never used to show a
string, or used only for invisible text (render modes 3 and 7: OCR layers of scans), prints
nothing, so it does not count. Text drawn inside form XObjects counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject, PdfObject

from imprimfip.config.rules import ValidationRules
from imprimfip.validation.document import Document, TooComplex
from imprimfip.validation.report import Problem

_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
_INVISIBLE_MODES = (3, 7)
_MAX_FORM_DEPTH = 12
"""Forms nest rarely more than 2 or 3 deep; deeper is a loop or an attack."""
_MAX_FORMS_PER_PAGE = 1000
"""Form invocations per page; a form drawing itself several times grows exponentially."""

TextState = tuple[DictionaryObject | None, int]
"""(current font, text render mode): the part of the graphics state that matters here."""


def _get(obj: Any, key: str) -> Any:
    """obj[key] resolved, or None when obj is not a dictionary or lacks the key."""
    if not isinstance(obj, dict):
        return None
    value = obj.get(key)
    return value.get_object() if isinstance(value, PdfObject) else value


def is_embedded(font: DictionaryObject) -> bool:
    """Whether the font program is in the file (Type 3 fonts are drawn by the file itself)."""
    subtype = _get(font, "/Subtype")
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        descendants = _get(font, "/DescendantFonts")
        font = descendants[0].get_object() if descendants else None
    descriptor = _get(font, "/FontDescriptor")
    return isinstance(descriptor, dict) and any(key in descriptor for key in _FONT_FILES)


def font_name(font: DictionaryObject) -> str:
    """The font's name as staff know it: /BaseFont without the subset tag ("ABCDEF+")."""
    name = str(_get(font, "/BaseFont") or "sans nom").lstrip("/")
    return re.sub(r"^[A-Z]{6}\+", "", name)


def _has_unembedded(resources: Any, seen: set[int]) -> bool:
    """Whether these resources, or a form's below them, declare a font that is not embedded;
    when none does, the page's content need not be parsed at all. `seen` holds the forms
    already looked at, so that forms referring to each other are visited once."""
    fonts = _get(resources, "/Font")
    if isinstance(fonts, dict) and any(
        not is_embedded(font.get_object()) for font in fonts.values()
    ):
        return True
    xobjects = _get(resources, "/XObject")
    if not isinstance(xobjects, dict):
        return False
    forms = [x.get_object() for x in xobjects.values()]
    forms = [f for f in forms if _get(f, "/Subtype") == "/Form" and id(f) not in seen]
    seen.update(id(form) for form in forms)
    return any(_has_unembedded(_get(form, "/Resources"), seen) for form in forms)


def _shows_glyphs(operator: bytes, operands: list[Any]) -> bool:
    if operator == b"TJ":
        return any(isinstance(item, str | bytes) and item for item in (operands or [[]])[0])
    text = operands[-1] if operands else ""
    return isinstance(text, str | bytes) and len(text) > 0


_SHOW_OPERATORS = (b"Tj", b"TJ", b"'", b'"')

Handler = Callable[[list[Any], Any, TextState, int], TextState]


class _Walker:
    """Follows the text state through a content stream and the forms it draws."""

    def __init__(self, reader: PdfReader, forms: dict[int, list[Any]]) -> None:
        self.reader = reader
        self.forms = forms
        self.invocations = 0
        self.drawing: dict[int, DictionaryObject] = {}
        self.handlers: dict[bytes, Handler] = {
            b"Tf": self._set_font,
            b"Tr": self._set_mode,
            b"gs": self._set_graphics_state,
            b"Do": self._draw_form,
        }

    def walk(self, operations: list[Any], resources: Any, state: TextState, depth: int) -> None:
        saved: list[TextState] = []
        for operands, operator in operations:
            if operator == b"q":
                saved.append(state)
            elif operator == b"Q":
                state = saved.pop() if saved else state
            elif operator in _SHOW_OPERATORS:
                font, mode = state
                visible = font is not None and mode not in _INVISIBLE_MODES
                if visible and _shows_glyphs(operator, operands):
                    self.drawing[id(font)] = font
            elif operator in self.handlers:
                state = self.handlers[operator](operands, resources, state, depth)

    def _set_font(self, operands: list[Any], resources: Any, state: TextState, _: int) -> TextState:
        font = _get(_get(resources, "/Font"), str(operands[0])) if operands else None
        return (font if isinstance(font, dict) else None), state[1]

    def _set_mode(self, operands: list[Any], _: Any, state: TextState, __: int) -> TextState:
        mode = operands[0] if operands else None
        return state[0], int(mode) if isinstance(mode, int | float) else state[1]

    def _set_graphics_state(
        self, operands: list[Any], resources: Any, state: TextState, _: int
    ) -> TextState:
        params = _get(_get(resources, "/ExtGState"), str(operands[0])) if operands else None
        entry = _get(params, "/Font")
        font = entry[0].get_object() if isinstance(entry, list) and entry else None
        return (font, state[1]) if isinstance(font, dict) else state

    def _draw_form(
        self, operands: list[Any], resources: Any, state: TextState, depth: int
    ) -> TextState:
        form = _get(_get(resources, "/XObject"), str(operands[0])) if operands else None
        if _get(form, "/Subtype") != "/Form":
            return state
        self.invocations += 1
        if depth >= _MAX_FORM_DEPTH or self.invocations > _MAX_FORMS_PER_PAGE:
            raise TooComplex(f"forms nested {depth} deep, drawn {self.invocations} times")
        if id(form) not in self.forms:
            # A letterhead drawn as a form on every page is parsed once per file.
            self.forms[id(form)] = ContentStream(form, self.reader).operations
        inner = _get(form, "/Resources") or resources
        self.walk(self.forms[id(form)], inner, state, depth + 1)
        return state


def unembedded_fonts_drawing(
    page: Any, reader: PdfReader, forms: dict[int, list[Any]] | None = None
) -> list[str]:
    """Names of the fonts that draw visible text on `page` without being embedded.

    `forms` caches the parsed content of form XObjects across the pages of one file.
    """
    resources = _get(page, "/Resources")
    if not _has_unembedded(resources, set()):
        return []
    contents = page.get_contents()
    if contents is None:
        return []
    walker = _Walker(reader, {} if forms is None else forms)
    walker.walk(contents.operations, resources, (None, 0), 0)
    fonts = walker.drawing.values()
    return sorted({font_name(font) for font in fonts if not is_embedded(font)})


def fonts_rule(doc: Document, rules: ValidationRules) -> Iterator[Problem]:
    """One problem listing every unembedded font that draws text, and the pages concerned."""
    fonts: set[str] = set()
    pages: list[int] = []
    forms: dict[int, list[Any]] = {}
    for number, page in enumerate(doc.reader.pages, start=1):
        names = unembedded_fonts_drawing(page, doc.reader, forms)
        if names:
            fonts.update(names)
            pages.append(number)
    if pages:
        yield Problem("fonts_not_embedded", pages[0], {"fonts": sorted(fonts), "pages": pages})


def unembedded_fonts_in_form(
    form: Any, reader: PdfReader, forms: dict[int, list[Any]] | None = None
) -> list[str]:
    """Names of the fonts that draw visible text in a form XObject without being embedded:
    an annotation's appearance, which prints over the page like a form the page draws."""
    resources = _get(form, "/Resources")
    if not _has_unembedded(resources, set()):
        return []
    forms = {} if forms is None else forms
    if id(form) not in forms:
        forms[id(form)] = ContentStream(form, reader).operations
    walker = _Walker(reader, forms)
    walker.walk(forms[id(form)], resources, (None, 0), 1)
    return sorted({font_name(font) for font in walker.drawing.values() if not is_embedded(font)})
