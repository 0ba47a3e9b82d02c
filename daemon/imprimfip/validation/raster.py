"""Pages as PDFium prints them: each page as a picture, and where its text sits (its
lines for the address, textlines; its runs for the window).

The boundary with pypdfium2, as document.py is with pypdf: PDFium failing on a file that
pypdf opened raises `Unreadable` (the file is damaged). Pictures are in the page's displayed
orientation (its /Rotate applied) at `px_per_mm` pixels a millimetre; positions are boxes in
mm from the displayed top-left corner, as geometry.PageFrame gives them.

Annotations and form fields are drawn as a printer draws them: those without the Print flag
are left out (PDFium leaves out such annotations when printing, but not such form fields,
which are hidden here before drawing).

PDFium and Pillow are imported when the first page is opened: a worker checking a letter
whose flow reads and draws no page (and `imprimfip validate` waiting for it) does without
them.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING

from imprimfip.validation.document import Unreadable
from imprimfip.validation.geometry import PageFrame, display_box
from imprimfip.validation.textlines import INVISIBLE_MODES, TextLine, page_runs

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
_HAIR = 1e-3
"""A thousandth of a unit (0.35 µm at 72 units an inch)."""
MAX_OBJECTS_LOOKED_AT = 100_000
"""Objects of one page (forms included) looked at for their fonts; past that, the page's
fonts are read by pypdf, whose own bounds decide."""
_CLIP_MARGIN_PX = 4
"""Pixels drawn around part of a page, then cut off (see Pages.picture)."""


@dataclass(frozen=True)
class Picture:
    """A page as printed, in its displayed orientation, `px_per_mm` pixels a millimetre:
    the whole page, or the part of it whose top-left pixel is (`left_px`, `top_px`) in the
    whole page's picture."""

    image: Image.Image
    px_per_mm: float
    left_px: int = 0
    top_px: int = 0


@dataclass(frozen=True)
class Drawing:
    """What a page draws, as far as the checks that skip reading it need to know."""

    reaches_zone: bool
    """Something may put ink in one of the zones asked about."""
    unembedded_text: bool
    """Visible text may be drawn in a font that is not embedded."""


@dataclass(frozen=True)
class TextRun:
    """A run of text on one line, as PDFium groups characters: its box and its words (the
    address check reads its lines with their baselines and sizes instead: textlines)."""

    box: Box
    text: str


def widened(box: Box, by: float) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def within(inner: Box, outer: Box) -> bool:
    """Whether `inner` lies wholly inside `outer` (edges included)."""
    return all(inner[i] >= outer[i] for i in (0, 1)) and all(inner[i] <= outer[i] for i in (2, 3))


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def picture_scale(frame: PageFrame, px_per_mm: float) -> float:
    """The pixels a millimetre of a picture of the page asked at `px_per_mm`."""
    return min(px_per_mm, MAX_SIDE_PX / max(*frame.size_mm, 1.0))


def _pixels(
    box: Sequence[float], px_per_mm: float, size: tuple[int, int], margin: int = 0
) -> tuple[int, int, int, int] | None:
    """The pixels (left, top, right, bottom) under `box` (in mm, or in pixels with
    `px_per_mm` 1) widened by `margin` pixels, within a picture of `size`, rounded as
    ink._Region.of rounds them; None when none are."""
    left, top, right, bottom = (round(value * px_per_mm) for value in box)
    left, top = max(left - margin, 0), max(top - margin, 0)
    right, bottom = min(right + margin, size[0]), min(bottom + margin, size[1])
    return (left, top, right, bottom) if right > left and bottom > top else None


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
        self._text: pdfium.PdfTextPage | None = None
        """The loaded page's text, read once for its lines and the window's text."""
        self._runs: list[TextLine] | None = None
        self._pictures: dict[tuple[float, bool, Box | None], Picture] = {}
        """The loaded page's runs of text and pictures, for each check that asks."""

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
        self._unload()
        self._pdf.close()

    def _unload(self) -> None:
        self._runs = None
        self._pictures = {}
        if self._text is not None:
            self._text.close()
            self._text = None
        if self._loaded is not None:
            self._loaded[1].close()
            self._loaded = None

    def _page(self, index: int) -> pdfium.PdfPage:
        import pypdfium2 as pdfium  # noqa: PLC0415

        if self._loaded is not None and self._loaded[0] == index:
            return self._loaded[1]
        self._unload()
        try:
            page = self._pdf[index]
        except pdfium.PdfiumError as exc:
            raise Unreadable(f"PDFium, page {index + 1}: {exc}") from exc
        _hide_unprinted_fields(page)
        self._loaded = (index, page)
        return page

    def picture(
        self,
        index: int,
        frame: PageFrame,
        px_per_mm: float,
        *,
        color: bool = False,
        only: Box | None = None,
    ) -> Picture:
        """The page as printed, grey ("L") or in colour ("RGB"), at `px_per_mm` unless
        the page is too large for MAX_SIDE_PX; with `only`, just the pixels of the whole
        page's picture that lie under that box (the same pixels: PDFium draws the page at
        the same place and leaves out what falls outside them, which is quicker). Drawn
        once for the checks that ask for the same picture of the loaded page."""
        page = self._page(index)
        key = (px_per_mm, color, only)
        if key not in self._pictures:
            self._pictures[key] = self._picture(page, frame, px_per_mm, color, only)
        return self._pictures[key]

    def _picture(
        self,
        page: pdfium.PdfPage,
        frame: PageFrame,
        px_per_mm: float,
        color: bool,
        only: Box | None,
    ) -> Picture:
        px_per_mm = picture_scale(frame, px_per_mm)
        scale = px_per_mm * frame.mm_per_unit
        size = (math.ceil(page.get_width() * scale), math.ceil(page.get_height() * scale))
        wanted = _pixels(only, px_per_mm, size) if only is not None else None
        if wanted is None:
            return Picture(
                self._render(page, scale, size, (0, 0, *size), color).to_pil(), px_per_mm
            )
        # PDFium smooths the edges of what it leaves out a little differently: a margin of
        # pixels drawn around the part wanted, then cut off, keeps its pixels the same.
        drawn = _pixels(wanted, 1.0, size, margin=_CLIP_MARGIN_PX)
        assert drawn is not None
        image = self._render(page, scale, size, drawn, color).to_pil()
        left, top = wanted[0] - drawn[0], wanted[1] - drawn[1]
        image = image.crop((left, top, left + wanted[2] - wanted[0], top + wanted[3] - wanted[1]))
        return Picture(image, px_per_mm, wanted[0], wanted[1])

    @staticmethod
    def _render(
        page: pdfium.PdfPage,
        scale: float,
        size: tuple[int, int],
        part: tuple[int, int, int, int],
        color: bool,
    ) -> pdfium.PdfBitmap:
        """The pixels `part` (left, top, right, bottom) of the page's picture of `size`."""
        left, top, right, bottom = part
        # pypdfium2 cuts ceil(amount * scale) pixels off each side: half a pixel less than
        # the pixels to cut makes that count exact.
        crop = (left, size[1] - bottom, size[0] - right, top)
        return page.render(
            scale=scale,
            crop=tuple((pixels - 0.5) / scale if pixels else 0 for pixels in crop),
            grayscale=not color,
            rev_byteorder=color,
            draw_annots=True,
            may_draw_forms=True,
            optimize_mode="print",
        )

    def reaches(self, index: int, frame: PageFrame, zones: Sequence[Box]) -> bool:
        """Whether anything on page `index` may reach one of `zones`, as `drawing` tells,
        on the page as loaded for its picture (one load for both)."""
        return (
            bool(zones) and _drawing(self._page(index).raw, frame, zones, fonts=False).reaches_zone
        )

    def _textpage(self, index: int) -> pdfium.PdfTextPage:
        page = self._page(index)
        if self._text is None:
            self._text = page.get_textpage()
        return self._text

    def runs(self, index: int, frame: PageFrame) -> list[TextLine]:
        """The runs of text of page `index`, with their baselines and sizes (textlines),
        read once for the checks that ask."""
        textpage = self._textpage(index)
        if self._runs is None:
            self._runs = page_runs(textpage.raw, frame)
        return self._runs

    def text_runs(self, index: int, frame: PageFrame, near: Box) -> list[TextRun]:
        """The lines of text whose box overlaps `near`, top to bottom."""
        textpage = self._textpage(index)
        lines = []
        for number in range(textpage.count_rects()):
            rect = textpage.get_rect(number)
            box = display_box(frame, rect)
            if overlaps(box, near):
                text = " ".join(textpage.get_text_bounded(*rect).split())
                if text:
                    lines.append(TextRun(box, text))
        return sorted(lines, key=lambda line: (line.box[1], line.box[0]))

    def drawing(
        self, index: int, frame: PageFrame, zones: Sequence[Box], *, fonts: bool, keep: bool
    ) -> Drawing:
        """What page `index` draws, from one walk over the objects PDFium parsed: whether
        anything may reach one of `zones` (an annotation, or an object whose bounds overlap
        one), and, with `fonts`, whether visible text is drawn in a font PDFium finds not
        embedded. Never wrong the other way: bounds contain what an object draws, and
        whatever PDFium cannot tell counts as found. With `keep`, the page stays loaded
        for the checks that read its text or draw it next."""
        import pypdfium2.raw as pdfium_c  # noqa: PLC0415

        if keep or (self._loaded is not None and self._loaded[0] == index):
            return _drawing(self._page(index).raw, frame, zones, fonts=fonts)
        # Loaded bare, without the form environment a picture needs: quicker, and the
        # objects and annotations are the same.
        page = pdfium_c.FPDF_LoadPage(self._pdf.raw, index)
        if not page:
            raise Unreadable(f"PDFium, page {index + 1}: cannot load it")
        try:
            return _drawing(page, frame, zones, fonts=fonts)
        finally:
            pdfium_c.FPDF_ClosePage(page)


def _drawing(
    page: ctypes.c_void_p, frame: PageFrame, zones: Sequence[Box], *, fonts: bool
) -> Drawing:
    import pypdfium2.raw as pdfium_c  # noqa: PLC0415

    reaches = bool(zones) and pdfium_c.FPDFPage_GetAnnotCount(page) > 0
    unembedded = False
    bounds = [ctypes.c_float() for _ in range(4)]
    budget = [MAX_OBJECTS_LOOKED_AT]
    # The zones in user space, a hair wider so that rounding never hides a touch.
    user_zones = [widened(frame.to_user(zone), _HAIR) for zone in zones]
    for number in range(pdfium_c.FPDFPage_CountObjects(page)):
        item = pdfium_c.FPDFPage_GetObject(page, number)
        if zones and not reaches and pdfium_c.FPDFPageObj_GetBounds(item, *bounds):
            left, bottom, right, top = (value.value for value in bounds)
            reaches = any(
                left < z[2] and z[0] < right and bottom < z[3] and z[1] < top for z in user_zones
            )
        unembedded = unembedded or (fonts and _unembedded_text(pdfium_c, item, budget))
        if (reaches or not zones) and (unembedded or not fonts):
            break
    return Drawing(reaches, unembedded)


def _unembedded_text(pdfium_c: ModuleType, item: ctypes.c_void_p, budget: list[int]) -> bool:
    """Whether a page object (a form: any object in it) shows visible text in a font that
    is not embedded; True too when more objects than `budget` were looked at. PDFium's
    bindings come from the caller, which imported them once for the page: this runs for
    every object."""
    kind = pdfium_c.FPDFPageObj_GetType(item)
    if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
        budget[0] -= 1
        if pdfium_c.FPDFTextObj_GetTextRenderMode(item) in INVISIBLE_MODES:
            return False
        font = pdfium_c.FPDFTextObj_GetFont(item)
        return not font or pdfium_c.FPDFFont_GetIsEmbedded(font) != 1
    if kind != pdfium_c.FPDF_PAGEOBJ_FORM:
        return False
    for number in range(pdfium_c.FPDFFormObj_CountObjects(item)):
        budget[0] -= 1
        inner = pdfium_c.FPDFFormObj_GetObject(item, number)
        if budget[0] < 0 or _unembedded_text(pdfium_c, inner, budget):
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
