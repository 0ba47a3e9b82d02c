"""Measuring ink on a page's picture (grey, "L"): where it is, and how much.

A pixel counts as ink when darker than INK_LEVEL, weighted by its darkness, so that a pale
background is not ink and a hairline counts for its real width. Less than MIN_INK_MM2 of
ink is dust, not a mark. Boxes are in mm from the picture's top-left corner.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imprimfip.validation.raster import Box, Picture

if TYPE_CHECKING:
    from PIL import Image

INK_LEVEL = 230
"""Grey level (0 black, 255 white) below which a pixel carries ink."""
MIN_INK_MM2 = 1.0
"""A 0.1 mm rule 10 mm long; a speck of dust or a full stop is much less."""
CELL_MM = 2.0
"""Ink closer than this belongs to one mark (a logo, a barcode) when marks are told apart."""
_CONTRAST = 6
"""Grey levels between the lightest and darkest pixels of a place where something shows."""
_DARKNESS = [255 - grey if grey < INK_LEVEL else 0 for grey in range(256)]
"""Each grey level's darkness, fainter than INK_LEVEL dropped."""
_INKED = [255 if grey < INK_LEVEL else 0 for grey in range(256)]


@dataclass(frozen=True)
class Mark:
    """Ink found in one place: its tight box (mm) and its area (mm² of full black)."""

    box: Box
    area_mm2: float


@dataclass(frozen=True)
class _Region:
    """Part of a picture and where it lies on the page."""

    image: Image.Image
    left_mm: float
    top_mm: float
    px_per_mm: float

    @classmethod
    def of(cls, picture: Picture, box: Box) -> _Region:
        """The part of `picture` under `box`, in pixels of the whole page's picture (of
        which `picture` may be a part)."""
        scale, image = picture.px_per_mm, picture.image
        x, y = picture.left_px, picture.top_px
        left, top, right, bottom = (round(value * scale) for value in box)
        left, top = max(left, x), max(top, y)
        right = max(min(right, x + image.width), left)
        bottom = max(min(bottom, y + image.height), top)
        part = image.crop((left - x, top - y, right - x, bottom - y))
        return cls(part, left / scale, top / scale, scale)

    @property
    def empty(self) -> bool:
        return not self.image.width or not self.image.height

    def pixels(self, box: Box) -> tuple[int, int, int, int]:
        origin = (self.left_mm, self.top_mm)
        left, top, right, bottom = (
            round((box[i] - origin[i % 2]) * self.px_per_mm) for i in range(4)
        )
        width, height = self.image.size
        return max(left, 0), max(top, 0), min(right, width), min(bottom, height)

    def mark(self, box: Box | None = None) -> Mark | None:
        """The ink under `box` (all of the region by default) as one mark, or None when
        there is too little."""
        part = self.image
        left = top = 0
        if box is not None:
            left, top, right, bottom = self.pixels(box)
            if right <= left or bottom <= top:
                return None
            part = part.crop((left, top, right, bottom))
        darkness = sum(map(operator.mul, _DARKNESS, part.histogram()))
        area_mm2 = darkness / 255 / self.px_per_mm**2
        inked = part.point(_INKED).getbbox() if area_mm2 >= MIN_INK_MM2 else None
        if inked is None:
            return None
        x = self.left_mm + left / self.px_per_mm
        y = self.top_mm + top / self.px_per_mm
        tight = (
            x + inked[0] / self.px_per_mm,
            y + inked[1] / self.px_per_mm,
            x + inked[2] / self.px_per_mm,
            y + inked[3] / self.px_per_mm,
        )
        return Mark(tight, round(area_mm2, 1))


def measure(picture: Picture, box: Box) -> Mark | None:
    """All the ink under `box` as one mark, or None when there is too little."""
    region = _Region.of(picture, box)
    return None if region.empty else region.mark()


def shows(picture: Picture, box: Box) -> bool:
    """Whether anything shows under `box`: a pixel of ink, however little, or pixels that
    differ from each other (pale type thinner than a pixel, white type on a tint)."""
    region = _Region.of(picture, box)
    if region.empty:
        return False
    darkest, lightest = region.image.getextrema()
    return darkest < INK_LEVEL or lightest - darkest >= _CONTRAST


def marks(picture: Picture, box: Box, *, blank: Sequence[Box] = ()) -> list[Mark]:
    """The separate marks of ink under `box`, leaving out what lies inside `blank` boxes.

    Ink is gathered into cells of CELL_MM; touching inked cells make one mark.
    """
    region = _Region.of(picture, box)
    if region.empty:
        return []
    # Pillow is loaded with the first picture (raster.py), not for a letter never drawn.
    from PIL import ImageDraw  # noqa: PLC0415

    draw = ImageDraw.Draw(region.image)
    for hidden in blank:
        left, top, right, bottom = region.pixels(hidden)
        if right > left and bottom > top:
            draw.rectangle((left, top, right - 1, bottom - 1), fill=255)
    if region.mark() is None:
        return []
    cell = max(1, round(CELL_MM * picture.px_per_mm))
    cells = region.image.point(_DARKNESS).reduce(cell)
    width = cells.width
    inked = {(i % width, i // width) for i, value in enumerate(cells.tobytes()) if value}
    size_mm = cell / picture.px_per_mm
    found = []
    for group in _touching(inked):
        xs, ys = [c[0] for c in group], [c[1] for c in group]
        span = (
            region.left_mm + min(xs) * size_mm,
            region.top_mm + min(ys) * size_mm,
            region.left_mm + (max(xs) + 1) * size_mm,
            region.top_mm + (max(ys) + 1) * size_mm,
        )
        mark = region.mark(span)
        if mark is not None:
            found.append(mark)
    return sorted(found, key=lambda mark: (mark.box[1], mark.box[0]))


def _touching(cells: set[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    """Groups of cells touching each other (diagonals included)."""
    remaining = set(cells)
    while remaining:
        group, todo = [], [remaining.pop()]
        while todo:
            x, y = todo.pop()
            group.append((x, y))
            for near in ((x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
                if near in remaining:
                    remaining.remove(near)
                    todo.append(near)
        yield group
