"""pypdf's walk over a page's content (and the forms it draws), following the text state:
which fonts draw visible text. Bounded, since it reads files before PDFium may: forms nested
too deep or drawn too often make the page `too_complex` rather than hang the reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pypdf.generic import DictionaryObject

from imprimfip.validation.content import PageContent, declares_unembedded, get, is_embedded
from imprimfip.validation.document import TooComplex
from imprimfip.validation.textlines import INVISIBLE_MODES

_MAX_FORM_DEPTH = 12
"""Forms nest rarely more than 2 or 3 deep; deeper is a loop or an attack."""
_MAX_FORMS_PER_PAGE = 1000
"""Form invocations per page; a form drawing itself several times grows exponentially."""

TextState = tuple[DictionaryObject | None, int]
"""(current font, text render mode): the part of the graphics state that matters here."""


def font_name(font: DictionaryObject) -> str:
    """The font's name as staff know it: /BaseFont without the subset tag ("ABCDEF+")."""
    name = str(get(font, "/BaseFont") or "sans nom").lstrip("/")
    return re.sub(r"^[A-Z]{6}\+", "", name)


def _shows_glyphs(operator: bytes, operands: list[Any]) -> bool:
    if operator == b"TJ":
        return any(isinstance(item, str | bytes) and item for item in (operands or [[]])[0])
    text = operands[-1] if operands else ""
    return isinstance(text, str | bytes) and len(text) > 0


_SHOW_OPERATORS = (b"Tj", b"TJ", b"'", b'"')

Handler = Callable[[list[Any], Any, TextState, int], TextState]


class _Walker:
    """Follows the text state through a content stream and the forms it draws."""

    def __init__(self, content: PageContent) -> None:
        self.content = content
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
                visible = font is not None and mode not in INVISIBLE_MODES
                if visible and _shows_glyphs(operator, operands):
                    self.drawing[id(font)] = font
            elif operator in self.handlers:
                state = self.handlers[operator](operands, resources, state, depth)

    def _set_font(self, operands: list[Any], resources: Any, state: TextState, _: int) -> TextState:
        font = get(get(resources, "/Font"), str(operands[0])) if operands else None
        return (font if isinstance(font, dict) else None), state[1]

    def _set_mode(self, operands: list[Any], _: Any, state: TextState, __: int) -> TextState:
        mode = operands[0] if operands else None
        return state[0], int(mode) if isinstance(mode, int | float) else state[1]

    def _set_graphics_state(
        self, operands: list[Any], resources: Any, state: TextState, _: int
    ) -> TextState:
        params = get(get(resources, "/ExtGState"), str(operands[0])) if operands else None
        entry = get(params, "/Font")
        font = entry[0].get_object() if isinstance(entry, list) and entry else None
        return (font, state[1]) if isinstance(font, dict) else state

    def _draw_form(
        self, operands: list[Any], resources: Any, state: TextState, depth: int
    ) -> TextState:
        form = get(get(resources, "/XObject"), str(operands[0])) if operands else None
        if get(form, "/Subtype") != "/Form":
            return state
        self.invocations += 1
        if depth >= _MAX_FORM_DEPTH or self.invocations > _MAX_FORMS_PER_PAGE:
            raise TooComplex(f"forms nested {depth} deep, drawn {self.invocations} times")
        inner = get(form, "/Resources") or resources
        self.walk(self.content.form_operations(form), inner, state, depth + 1)
        return state


def unembedded_fonts_drawing(page: Any, content: PageContent) -> list[str]:
    """Names of the fonts that draw visible text on `page` without being embedded."""
    if not declares_unembedded(get(page, "/Resources")):
        return []
    return walk(page, content)


def walk(page: Any, content: PageContent) -> list[str]:
    """Names of the fonts that draw visible text on `page` without being embedded, whatever
    its resources declare; TooComplex past the walk's bounds."""
    return _drawing(content.page_operations(page), get(page, "/Resources"), content, 0)


def _drawing(operations: list[Any], resources: Any, content: PageContent, depth: int) -> list[str]:
    walker = _Walker(content)
    walker.walk(operations, resources, (None, 0), depth)
    return sorted({font_name(f) for f in walker.drawing.values() if not is_embedded(f)})


def unembedded_fonts_in_form(form: Any, content: PageContent) -> list[str]:
    """Names of the fonts that draw visible text in a form XObject without being embedded:
    an annotation's appearance, which prints over the page like a form the page draws."""
    resources = get(form, "/Resources")
    if not declares_unembedded(resources):
        return []
    return _drawing(content.form_operations(form), resources, content, 1)
