"""The text lines of a page, with where each sits as the page is displayed (mm).

pypdf hands each run of text with the position where it starts, its size and its font, not
its width: a line's right end and its glyphs' height are estimated from the size with
Helvetica's widths and common cap heights. Those estimates err by a few per cent of the
line; the envelope-window checks allow for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pypdf import mult

from imprimfip.validation.geometry import page_frame

CAP_HEIGHT = 0.72
"""Height of capitals, in em: 0.66 (Times, Libertinus) to 0.73 (Latin Modern, DejaVu)."""
DESCENT = 0.21
"""Depth of descenders below the baseline, in em."""
_DESCENDERS = frozenset("gjpqy,;()[]{}/|QJ")
_WIDTHS = {
    **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (
        667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
        722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611), strict=True)),
    **dict.fromkeys("0123456789", 556),
    **dict.fromkeys(" .,:;!'/|", 278),
    **dict.fromkeys("-()[]", 333),
    **dict.fromkeys("fijlrt", 278),
    **dict.fromkeys("mw", 800),
}  # fmt: skip
"""Helvetica's advance widths (per 1000 em) of the characters addresses are made of."""
_DEFAULT_WIDTH = 556
_SAME_ROW = 0.5
"""Runs whose baselines differ by less than this many em share a row (superscripts too)."""
_COLUMN_GAP = 2.5
"""A wider horizontal gap than this many em between runs of a row starts another line."""
_LINE_SPACING = 1.2
"""Where pypdf hands several lines in one run, the next sits this many em lower."""


@dataclass(frozen=True)
class TextLine:
    """One line of text; positions in mm from the displayed page's top-left corner."""

    text: str
    left_mm: float
    right_mm: float
    baseline_mm: float
    size_mm: float

    @property
    def top_mm(self) -> float:
        """Where its capitals start."""
        return self.baseline_mm - CAP_HEIGHT * self.size_mm

    @property
    def bottom_mm(self) -> float:
        """Where its lowest glyph ends: the baseline, or below it for descenders."""
        deep = any(ch in _DESCENDERS for ch in self.text)
        return self.baseline_mm + (DESCENT * self.size_mm if deep else 0.0)

    def box(self) -> list[float]:
        """[left, top, right, bottom] in mm, rounded to 0.1 mm, for details and pictures."""
        return [round(v, 1) for v in (self.left_mm, self.top_mm, self.right_mm, self.bottom_mm)]


def text_width_em(text: str) -> float:
    """The advance width of `text` in em, with Helvetica's widths."""
    return sum(_WIDTHS.get(ch, _DEFAULT_WIDTH) for ch in text) / 1000


def page_lines(page: Any) -> list[TextLine]:
    """The visible text of `page` as lines, top to bottom then left to right."""
    frame = page_frame(page)
    runs: list[TextLine] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        if not text.strip():
            return
        matrix = mult(tm, cm)
        scale = math.sqrt(abs(matrix[0] * matrix[3] - matrix[1] * matrix[2])) or 1.0
        size_mm = float(size) * scale * frame.mm_per_unit
        for index, part in enumerate(text.split("\n")):
            if not part.strip():
                continue
            # Text space: the run starts at (0, -index lines) and advances along x.
            down = -index * float(size) * _LINE_SPACING
            advance = text_width_em(part) * float(size)
            start = _display(frame, matrix, 0.0, down)
            end = _display(frame, matrix, advance, down)
            left, right = sorted((start[0], end[0]))
            runs.append(TextLine(part, left, right, start[1], size_mm))

    page.extract_text(visitor_text=visit)
    return _rows(runs)


def _display(frame: Any, matrix: list[float], x: float, y: float) -> tuple[float, float]:
    """A text-space point through the text matrix to mm on the displayed page."""
    user_x = matrix[0] * x + matrix[2] * y + matrix[4]
    user_y = matrix[1] * x + matrix[3] * y + matrix[5]
    return frame.to_display_mm(user_x, user_y)  # type: ignore[no-any-return]


def _rows(runs: list[TextLine]) -> list[TextLine]:
    """Runs on one baseline joined into lines, split where a wide gap parts two columns."""
    rows: list[list[TextLine]] = []
    for run in sorted(runs, key=lambda r: (r.baseline_mm, r.left_mm)):
        if rows and run.baseline_mm - rows[-1][0].baseline_mm <= _SAME_ROW * run.size_mm:
            rows[-1].append(run)
        else:
            rows.append([run])
    lines: list[TextLine] = []
    for row in rows:
        current: list[TextLine] = []
        for run in sorted(row, key=lambda r: r.left_mm):
            if current and run.left_mm - current[-1].right_mm > _COLUMN_GAP * run.size_mm:
                lines.append(_join(current))
                current = []
            current.append(run)
        lines.append(_join(current))
    return lines


def _join(runs: list[TextLine]) -> TextLine:
    first = runs[0]
    text = " ".join(" ".join(run.text for run in runs).split())
    return TextLine(
        text=text,
        left_mm=first.left_mm,
        right_mm=max(run.right_mm for run in runs),
        baseline_mm=first.baseline_mm,
        size_mm=max(run.size_mm for run in runs),
    )
