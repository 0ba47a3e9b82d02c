"""Form fields and annotations: what they print, checked like the page's own content.

A printable annotation (Print flag set, Hidden not set) prints its normal appearance, a
form XObject drawn over the page. Its fonts are checked like the page's
(`fonts_not_embedded`), its ink by the ink checks (PDFium draws it). A form whose fields
are still live (`form_not_flattened`) prints only if the print centre's software draws
fields at all, and as that software sees fit: staff are asked to flatten it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pypdf import PageObject
from pypdf.generic import PdfObject, StreamObject

from imprimfip.config.rules import ValidationRules
from imprimfip.validation import fontwalk
from imprimfip.validation.document import Document, TooComplex
from imprimfip.validation.geometry import display_box, page_frame
from imprimfip.validation.raster import HIDDEN_FLAG, PRINT_FLAG, Box
from imprimfip.validation.report import Problem

_MAX_ANNOTATIONS_PER_PAGE = 2000
"""A page of a real form has tens of fields; thousands are an attack on the reader."""


def _resolved(value: Any) -> Any:
    return value.get_object() if isinstance(value, PdfObject) else value


def printable_annotations(page: PageObject) -> list[dict[Any, Any]]:
    """The annotations of `page` that a printer prints."""
    annotations = _resolved(page.get("/Annots"))
    if not isinstance(annotations, list):
        return []
    if len(annotations) > _MAX_ANNOTATIONS_PER_PAGE:
        raise TooComplex(f"{len(annotations)} annotations on one page")
    printable = []
    for item in annotations:
        annotation = _resolved(item)
        if not isinstance(annotation, dict):
            continue
        flags = _resolved(annotation.get("/F", 0))
        flags = int(flags) if isinstance(flags, int | float) else 0
        if flags & PRINT_FLAG and not flags & HIDDEN_FLAG:
            printable.append(annotation)
    return printable


def appearance(annotation: dict[Any, Any]) -> StreamObject | None:
    """The normal appearance an annotation prints: the stream, or the one of its state."""
    normal = _resolved(_resolved(annotation.get("/AP", {})).get("/N"))
    if isinstance(normal, dict) and not isinstance(normal, StreamObject):
        normal = _resolved(normal.get(str(_resolved(annotation.get("/AS"))), None))
    return normal if isinstance(normal, StreamObject) else None


def is_field(annotation: dict[Any, Any]) -> bool:
    return _resolved(annotation.get("/Subtype")) == "/Widget"


def field_boxes(page: PageObject) -> list[Box]:
    """Where the page's printable form fields print, as displayed boxes in mm."""
    frame = page_frame(page)
    boxes = []
    for annotation in filter(is_field, printable_annotations(page)):
        rect = _resolved(annotation.get("/Rect"))
        if isinstance(rect, list) and len(rect) == 4:
            x1, y1, x2, y2 = (float(_resolved(v)) for v in rect)
            boxes.append(display_box(frame, (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))))
    return boxes


def fields_rule(doc: Document, rules: ValidationRules) -> Iterator[Problem]:
    """`form_not_flattened` for the pages that print live form fields, all in one problem."""
    pages, count = [], 0
    for number, page in enumerate(doc.reader.pages, start=1):
        fields = [a for a in printable_annotations(page) if is_field(a)]
        if fields:
            pages.append(number)
            count += len(fields)
    if pages:
        yield Problem("form_not_flattened", pages[0], {"fields": count, "pages": pages})


def annotation_fonts_rule(doc: Document, rules: ValidationRules) -> Iterator[Problem]:
    """`fonts_not_embedded` for fonts that printable annotations and fields draw text with."""
    found: set[str] = set()
    pages: list[int] = []
    for number, page in enumerate(doc.reader.pages, start=1):
        names: set[str] = set()
        for annotation in printable_annotations(page):
            stream = appearance(annotation)
            if stream is not None:
                names.update(fontwalk.unembedded_fonts_in_form(stream, doc.content))
        if names:
            found |= names
            pages.append(number)
    if pages:
        details = {"fonts": sorted(found), "pages": pages, "in_annotations": True}
        yield Problem("fonts_not_embedded", pages[0], details)
