"""Pages as PDFium prints them: each page as a picture, and where its text sits.

The boundary with pypdfium2, as document.py is with pypdf: PDFium failing on a file that
pypdf opened raises `Unreadable` (the file is damaged). Pictures are in the page's displayed
orientation (its /Rotate applied) at `px_per_mm` pixels a millimetre; positions are boxes in
mm from the displayed top-left corner, as geometry.PageFrame gives them.

Annotations and form fields are drawn as a printer draws them: those without the Print flag
are left out (PDFium leaves out such annotations when printing, but not such form fields,
which are hidden here before drawing).

PDFium and Pillow are imported when the first page is opened: a worker checking a letter
whose flow draws no page (and `imprimfip validate` waiting for it) does without them.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from imprimfip.validation.document import Unreadable
from imprimfip.validation.geometry import PageFrame

if TYPE_CHECKING:
    import pypdfium2 as pdfium
    from PIL import Image

Box = tuple[float, float, float, float]
"""(left, top, right, bottom) in mm from the displayed page's top-left corner."""

MAX_SIDE_PX = 2400
"""The longest side of a picture: an absurd page size (a 5-metre /UserUnit page) is drawn
coarser rather than filling the worker's memory."""

PRINT_FLAG = 4
HIDDEN_FLAG = 2
"""Annotation flags (ISO 32000 12.5.3): printed when Print is set and Hidden is not."""


@dataclass(frozen=True)
class Picture:
    """A page as printed, in its displayed orientation, `px_per_mm` pixels a millimetre."""

    image: Image.Image
    px_per_mm: float


@dataclass(frozen=True)
class TextRun:
    """A run of text on one line, as PDFium groups characters: its box and its words (the
    address check reads lines with pypdf instead: textlines.TextLine)."""

    box: Box
    text: str


def widened(box: Box, by: float) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def display_box(frame: PageFrame, rect: Iterable[float]) -> Box:
    """A rectangle in user space (left, bottom, right, top) as a displayed box in mm."""
    left, bottom, right, top = rect
    corners = [frame.to_display_mm(x, y) for x in (left, right) for y in (bottom, top)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (min(xs), min(ys), max(xs), max(ys))


class Pages:
    """A PDF opened by PDFium, one page loaded at a time. Use as a context manager."""

    def __init__(self, data: bytes) -> None:
        import pypdfium2 as pdfium  # noqa: PLC0415

        try:
            self._pdf = pdfium.PdfDocument(data)
            # Form fields are drawn only through PDFium's form environment.
            self._pdf.init_forms()
        except pdfium.PdfiumError as exc:
            raise Unreadable(f"PDFium: {exc}") from exc
        self._loaded: tuple[int, pdfium.PdfPage] | None = None

    def __enter__(self) -> Pages:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._loaded is not None:
            self._loaded[1].close()
            self._loaded = None
        self._pdf.close()

    def _page(self, index: int) -> pdfium.PdfPage:
        import pypdfium2 as pdfium  # noqa: PLC0415

        if self._loaded is not None and self._loaded[0] == index:
            return self._loaded[1]
        if self._loaded is not None:
            self._loaded[1].close()
            self._loaded = None
        try:
            page = self._pdf[index]
        except pdfium.PdfiumError as exc:
            raise Unreadable(f"PDFium, page {index + 1}: {exc}") from exc
        _hide_unprinted_fields(page)
        self._loaded = (index, page)
        return page

    def picture(
        self, index: int, frame: PageFrame, px_per_mm: float, *, color: bool = False
    ) -> Picture:
        """The page as printed, grey ("L") or in colour ("RGB"), at `px_per_mm` unless
        the page is too large for MAX_SIDE_PX."""
        page = self._page(index)
        px_per_mm = min(px_per_mm, MAX_SIDE_PX / max(*frame.size_mm, 1.0))
        bitmap = page.render(
            scale=px_per_mm * frame.mm_per_unit,
            grayscale=not color,
            rev_byteorder=color,
            draw_annots=True,
            may_draw_forms=True,
            optimize_mode="print",
        )
        return Picture(bitmap.to_pil(), px_per_mm)

    def text_runs(self, index: int, frame: PageFrame, near: Box) -> list[TextRun]:
        """The lines of text whose box overlaps `near`, top to bottom."""
        textpage = self._page(index).get_textpage()
        try:
            lines = []
            for number in range(textpage.count_rects()):
                rect = textpage.get_rect(number)
                box = display_box(frame, rect)
                if overlaps(box, near):
                    text = " ".join(textpage.get_text_bounded(*rect).split())
                    if text:
                        lines.append(TextRun(box, text))
            return sorted(lines, key=lambda line: (line.box[1], line.box[0]))
        finally:
            textpage.close()

    def may_ink(self, index: int, frame: PageFrame, zones: Iterable[Box]) -> bool:
        """Whether anything drawn on the page may reach one of `zones`: an annotation, or an
        object whose bounds overlap one. Cheaper than drawing the page, and never wrong the
        other way (bounds contain what an object draws)."""
        import pypdfium2.raw as pdfium_c  # noqa: PLC0415

        page = self._page(index)
        if pdfium_c.FPDFPage_GetAnnotCount(page) > 0:
            return True
        zones = list(zones)
        bounds = [ctypes.c_float() for _ in range(4)]
        for number in range(pdfium_c.FPDFPage_CountObjects(page)):
            item = pdfium_c.FPDFPage_GetObject(page, number)
            if not pdfium_c.FPDFPageObj_GetBounds(item, *bounds):
                continue
            box = display_box(frame, (value.value for value in bounds))
            if any(overlaps(box, zone) for zone in zones):
                return True
        return False


def _hide_unprinted_fields(page: pdfium.PdfPage) -> None:
    """Mark hidden, in memory, the form fields a printer leaves out (no Print flag)."""
    import pypdfium2.raw as pdfium_c  # noqa: PLC0415

    for number in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
        annotation = pdfium_c.FPDFPage_GetAnnot(page, number)
        try:
            if pdfium_c.FPDFAnnot_GetSubtype(annotation) != pdfium_c.FPDF_ANNOT_WIDGET:
                continue
            flags = pdfium_c.FPDFAnnot_GetFlags(annotation)
            if not flags & PRINT_FLAG:
                pdfium_c.FPDFAnnot_SetFlags(annotation, flags | HIDDEN_FLAG)
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annotation)
