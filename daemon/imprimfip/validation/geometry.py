"""Pages as they print: the effective box (CropBox within MediaBox), /Rotate and /UserUnit.

Sizes are in mm, as the page is displayed (a 90° /Rotate swaps width and height), and
positions are in mm from the displayed top-left corner, the way staff and print
providers describe an envelope window.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pypdf import PageObject

from imprimfip.config.rules import A4_MM, ValidationRules
from imprimfip.validation.document import Document
from imprimfip.validation.report import Problem

MM_PER_POINT = 25.4 / 72

NAMED_FORMATS = (
    ("A4", 210.0, 297.0),
    ("Letter", 215.9, 279.4),
    ("Legal", 215.9, 355.6),
    ("A3", 297.0, 420.0),
    ("A5", 148.0, 210.0),
)
"""Portrait sizes in mm recognised by name in messages."""


@dataclass(frozen=True)
class PageFrame:
    """A page's effective box in user space, its quarter turns and its unit in mm."""

    left: float
    bottom: float
    right: float
    top: float
    rotation: int
    mm_per_unit: float

    @property
    def size_mm(self) -> tuple[float, float]:
        """(width, height) as displayed."""
        width = (self.right - self.left) * self.mm_per_unit
        height = (self.top - self.bottom) * self.mm_per_unit
        return (height, width) if self.rotation in (90, 270) else (width, height)

    def to_display_mm(self, x: float, y: float) -> tuple[float, float]:
        """A user-space point as (mm from the left edge, mm from the top edge), displayed.

        /Rotate turns the page clockwise for display: at 90° the box's bottom-left corner
        becomes the displayed top-left.
        """
        offsets = {
            0: (x - self.left, self.top - y),
            90: (y - self.bottom, x - self.left),
            180: (self.right - x, y - self.bottom),
            270: (self.top - y, self.right - x),
        }[self.rotation]
        return offsets[0] * self.mm_per_unit, offsets[1] * self.mm_per_unit

    def to_user(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """A displayed box (left, top, right, bottom in mm) as (left, bottom, right, top) in
        user space: the inverse of `to_display_mm`, for comparing many objects with a few
        boxes without converting each object."""
        left, top, right, bottom = (value / self.mm_per_unit for value in box)
        xs, ys = {
            0: ((self.left + left, self.left + right), (self.top - top, self.top - bottom)),
            90: ((self.left + top, self.left + bottom), (self.bottom + left, self.bottom + right)),
            180: (
                (self.right - left, self.right - right),
                (self.bottom + top, self.bottom + bottom),
            ),
            270: ((self.right - top, self.right - bottom), (self.top - left, self.top - right)),
        }[self.rotation]
        return min(xs), min(ys), max(xs), max(ys)


def display_box(frame: PageFrame, rect: Iterable[float]) -> tuple[float, float, float, float]:
    """A rectangle in user space (left, bottom, right, top) as a displayed box in mm
    (left, top, right, bottom)."""
    left, bottom, right, top = rect
    corners = [frame.to_display_mm(x, y) for x in (left, right) for y in (bottom, top)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def page_frame(page: PageObject) -> PageFrame:
    """The frame the printer sees: CropBox clipped to MediaBox, turned by /Rotate."""
    media = _corners(page.mediabox)
    crop = _corners(page.cropbox)
    left, bottom = max(media[0], crop[0]), max(media[1], crop[1])
    right, top = min(media[2], crop[2]), min(media[3], crop[3])
    if right <= left or top <= bottom:
        # A CropBox outside the MediaBox is ignored by viewers; so do we.
        left, bottom, right, top = media
    rotation = (round(float(page.rotation) / 90) * 90) % 360
    unit = float(page.user_unit) * MM_PER_POINT
    return PageFrame(left, bottom, right, top, rotation, unit)


def _corners(box: object) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in box)  # type: ignore[attr-defined]
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def format_name(width_mm: float, height_mm: float, tolerance_mm: float) -> str:
    """The named format of a size in either orientation, or "" when none matches."""
    short, long = sorted((width_mm, height_mm))
    for name, fmt_short, fmt_long in NAMED_FORMATS:
        if abs(short - fmt_short) <= tolerance_mm and abs(long - fmt_long) <= tolerance_mm:
            return name
    return ""


def sizes_rule(doc: Document, rules: ValidationRules) -> Iterator[Problem]:
    """`page_size` for pages that are not A4 in either orientation; `orientation` for A4
    pages wider than tall. A page of the wrong size gets one finding, whatever its shape:
    the size's correction (A4 portrait) covers the orientation. Pages with the same finding
    are grouped into one problem."""
    sizes_checked = rules.severity_of("page_size") != "off"
    wrong_size: dict[tuple[int, int, str], list[int]] = {}
    landscape: dict[tuple[int, int], list[int]] = {}
    for number, page in enumerate(doc.reader.pages, start=1):
        width, height = page_frame(page).size_mm
        found = (round(width), round(height))
        name = format_name(width, height, rules.size_tolerance_mm)
        if name != "A4":
            wrong_size.setdefault((*found, name), []).append(number)
        if width > height and (name == "A4" or not sizes_checked):
            landscape.setdefault(found, []).append(number)
    for (width, height, name), pages in wrong_size.items():
        details = {"pages": pages, "width_mm": width, "height_mm": height, "format": name}
        yield Problem("page_size", pages[0], {**details, "expected_mm": list(A4_MM)})
    for (width, height), pages in landscape.items():
        yield Problem(
            "orientation", pages[0], {"pages": pages, "width_mm": width, "height_mm": height}
        )
