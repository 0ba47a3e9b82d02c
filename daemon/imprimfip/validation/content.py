"""A file's page content, parsed with pypdf at most once for all the checks that read it.

The fonts check walks a page's operations only where PDFium's survey cannot clear it; a form
XObject (a letterhead drawn on every page) is parsed once per file, however many pages draw
it. Nothing here is written back to the file.

Also here: what a page's resources declare, which tells whether its content needs reading
for fonts at all, and the file as PDFium opened it, shared by the checks that read or draw
its pages.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    NameObject,
    PdfObject,
    StreamObject,
)

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader

    from imprimfip.validation.raster import Drawing, Pages

_CONTENTS = NameObject("/Contents")
_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def get(obj: Any, key: str) -> Any:
    """obj[key] resolved, or None when obj is not a dictionary or lacks the key."""
    if not isinstance(obj, dict):
        return None
    value = obj.get(key)
    return value.get_object() if isinstance(value, PdfObject) else value


def is_embedded(font: DictionaryObject) -> bool:
    """Whether the font program is in the file (Type 3 fonts are drawn by the file itself)."""
    subtype = get(font, "/Subtype")
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        descendants = get(font, "/DescendantFonts")
        font = descendants[0].get_object() if descendants else None
    descriptor = get(font, "/FontDescriptor")
    return isinstance(descriptor, dict) and any(key in descriptor for key in _FONT_FILES)


def declares_unembedded(resources: Any) -> bool:
    """Whether these resources, or a form's below them, declare a font that is not
    embedded; when none does, the content need not be read for fonts at all."""
    return _below(resources, _unembedded_font, set())


def sets_font_by_graphics_state(resources: Any) -> bool:
    """Whether an ExtGState in these resources, or a form's below them, selects a font
    (`gs` with /Font): PDFium ignores that entry, so only pypdf's walk can follow it."""
    return _below(resources, _font_state, set())


def _unembedded_font(resources: Any) -> bool:
    fonts = get(resources, "/Font")
    return isinstance(fonts, dict) and any(not is_embedded(f.get_object()) for f in fonts.values())


def _font_state(resources: Any) -> bool:
    states = get(resources, "/ExtGState")
    return isinstance(states, dict) and any(get(s.get_object(), "/Font") for s in states.values())


def _below(resources: Any, holds: Callable[[Any], bool], seen: set[int]) -> bool:
    """Whether `holds` is true of these resources or of a form's below them. `seen` holds
    the forms already looked at, so that forms referring to each other are visited once."""
    if holds(resources):
        return True
    xobjects = get(resources, "/XObject")
    if not isinstance(xobjects, dict):
        return False
    forms = [x.get_object() for x in xobjects.values()]
    forms = [f for f in forms if get(f, "/Subtype") == "/Form" and id(f) not in seen]
    seen.update(id(form) for form in forms)
    return any(_below(get(form, "/Resources"), holds, seen) for form in forms)


def _resolved(contents: Any) -> Any:
    return contents.get_object() if isinstance(contents, PdfObject) else None


class PageContent:
    """One file's parsed content streams, what PDFium found drawn on its pages, and the
    file as PDFium opened it."""

    def __init__(self, reader: PdfReader) -> None:
        self.reader = reader
        self._forms: dict[object, list[Any]] = {}
        self.form_parses = 0
        """How many form XObjects were parsed: each at most once per file."""
        self._nesting: dict[int, float] = {}
        self._inflated: set[int] = set()
        self.drawings: dict[int, Drawing] = {}
        """What PDFium found drawn on each page looked at (survey.drawings), by index."""
        self.pdfium: Pages | None = None
        """The file as PDFium opened it (survey.opened), once for all the checks."""

    def form_nesting(self, resources: Any) -> float:
        """How deep forms nest below these resources (0 without forms), or infinity when a
        form is among its own descendants; each form is looked at once per file."""
        xobjects = get(resources, "/XObject")
        if not isinstance(xobjects, dict):
            return 0
        deepest = 0.0
        for item in xobjects.values():
            form = item.get_object()
            if get(form, "/Subtype") != "/Form":
                continue
            if id(form) not in self._nesting:
                self._nesting[id(form)] = math.inf  # until known: a form met again is a loop
                self._nesting[id(form)] = 1 + self.form_nesting(get(form, "/Resources"))
            deepest = max(deepest, self._nesting[id(form)])
        return deepest

    def page_operations(self, page: PageObject) -> list[Any]:
        """The operations of `page`'s content (none when it has no content)."""
        resolved = _resolved(page.get(_CONTENTS))
        if not isinstance(resolved, ArrayObject | StreamObject):
            return []
        return ContentStream(resolved, self.reader, "bytes").operations

    def inflate(self, page: PageObject) -> None:
        """Decompress `page`'s content and that of every form below its resources (each
        form once per file) within pypdf's bounds on what a stream may inflate to: a
        decompression bomb raises LimitReachedError here rather than fill memory."""
        resolved = _resolved(page.get(_CONTENTS))
        streams = resolved if isinstance(resolved, ArrayObject) else [resolved]
        for item in streams:
            stream = item.get_object() if isinstance(item, PdfObject) else item
            if isinstance(stream, StreamObject):
                stream.get_data()
        _below(get(page, "/Resources"), self._inflate_forms, self._inflated)

    def _inflate_forms(self, resources: Any) -> bool:
        xobjects = get(resources, "/XObject")
        for item in xobjects.values() if isinstance(xobjects, dict) else ():
            form = item.get_object()
            if get(form, "/Subtype") == "/Form" and isinstance(form, StreamObject):
                form.get_data()
        return False

    def close(self) -> None:
        """Close the file as PDFium opened it, if a check did."""
        if self.pdfium is not None:
            self.pdfium.close()
            self.pdfium = None

    def form_operations(self, form: Any) -> list[Any]:
        """The operations of a form XObject, parsed on its first use in this file."""
        reference = getattr(form, "indirect_reference", None)
        key = (reference.idnum, reference.generation) if reference is not None else id(form)
        if key not in self._forms:
            self.form_parses += 1
            self._forms[key] = ContentStream(form, self.reader, "bytes").operations
        return self._forms[key]
