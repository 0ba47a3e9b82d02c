"""The text lines of a page, with where each sits as the page is displayed (mm).

Read from PDFium's text page (the page as the window checks load it, parsed once): each
character with its Unicode value, its baseline point and its box as the font's metrics
give them (advance width, ascent, descent), PDFium's own spaces where it sees a gap between
words. A run is the consecutive characters of one text object (one string the page shows),
its left and right ends those of its glyphs' boxes. Runs on one baseline are joined into
lines; how high capitals reach and how deep descenders go are estimated from the size, the
same for every font.
"""

from __future__ import annotations

import ctypes
import math
import sys
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from imprimfip.postal import UNREADABLE
from imprimfip.validation.geometry import PageFrame, display_box

CAP_HEIGHT = 0.72
"""Height of capitals, in em: 0.66 (Times, Libertinus) to 0.73 (Latin Modern, DejaVu)."""
DESCENT = 0.21
"""Depth of descenders below the baseline, in em."""
_DESCENDERS = frozenset("gjpqy,;()[]{}/|QJ")
_SAME_ROW = 0.5
"""Runs whose baselines differ by less than this many em share a row (superscripts too)."""
_COLUMN_GAP = 2.5
"""A wider horizontal gap than this many em between runs of a row starts another line."""
_NO_OBJECT = bytes(ctypes.c_void_p())
"""A null pointer's bytes: the text object PDFium gives for the line ends it adds."""
INVISIBLE_MODES = (3, 7)
"""The PDF's text render modes that print nothing (Tr 3, and 7: clip only), PDFium's
FPDF_TEXTRENDERMODE_INVISIBLE and _CLIP, spelled out so that the module loads without it."""
_LINE_END_HYPHEN = 0x02
"""What PDFium gives for a hyphen it finds ending a line (it takes it for a word cut)."""
_WORD_GAP = 0.15
"""Runs of a line further apart than this many em are two words; closer, one word written
in two strings (a change of font or kerning inside a word)."""


@dataclass(frozen=True)
class TextLine:
    """One line of text; positions in mm from the displayed page's top-left corner."""

    text: str
    left_mm: float
    right_mm: float
    baseline_mm: float
    size_mm: float
    invisible: bool = False
    """Drawn in an invisible render mode, as the text a scanner recognised is."""
    gaps_em: tuple[float, ...] = ()
    """The gaps between the runs joined into this line, in em of its text: negative where
    one overlaps the one before (see address.py, which refuses a block with wide ones)."""

    @property
    def top_mm(self) -> float:
        """Where its capitals start."""
        return self.baseline_mm - CAP_HEIGHT * self.size_mm

    @property
    def bottom_mm(self) -> float:
        """Where its lowest glyph ends: the baseline, or below it for descenders."""
        deep = any(ch in _DESCENDERS for ch in self.text)
        return self.baseline_mm + (DESCENT * self.size_mm if deep else 0.0)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) in mm, as raster.Box."""
        return (self.left_mm, self.top_mm, self.right_mm, self.bottom_mm)

    def box(self) -> list[float]:
        """[left, top, right, bottom] in mm, rounded to 0.1 mm, for details and pictures."""
        return [round(v, 1) for v in self.bounds]


def page_runs(textpage: Any, frame: PageFrame) -> list[TextLine]:
    """The runs of text of a page, in the order PDFium reads them, from its text page (its
    raw handle) of the page in `frame`; `rows` makes them lines."""
    import pypdfium2.raw as pdfium_c  # noqa: PLC0415

    runs: list[TextLine] = []
    first, owner, chars, item = 0, _NO_OBJECT, list[str](), None
    for index in range(pdfium_c.FPDFText_CountChars(textpage)):
        # The object's address, as the pointer's bytes: quicker than ctypes.cast. Line
        # ends PDFium adds belong to no object, and end a run like another object.
        found = pdfium_c.FPDFText_GetTextObject(textpage, index)
        key = bytes(found)
        if key != owner:
            if owner != _NO_OBJECT:
                runs.extend(_run(pdfium_c, textpage, frame, first, chars, item=item))
            first, owner, chars, item = index, key, [], found
        chars.append(character(pdfium_c.FPDFText_GetUnicode(textpage, index)))
    if owner != _NO_OBJECT:
        runs.extend(_run(pdfium_c, textpage, frame, first, chars, item=item))
    return runs


def character(code: int) -> str:
    """The text of a character whose Unicode value PDFium gives as `code`; UNREADABLE for
    a code with no readable value (a control code, half a surrogate pair, a private-use
    code from a symbol font), so that none reaches a note, a terminal or a recipient."""
    if code == _LINE_END_HYPHEN:
        return "-"
    if code > sys.maxunicode:
        return UNREADABLE
    char = chr(code)
    if char.isspace() or char.isprintable():
        return char
    # Unassigned code points are left as they are: a newer font may know them. Format
    # characters (a zero-width joiner, a direction override) print nothing themselves.
    return UNREADABLE if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") else char


def _run(
    pdfium_c: Any, textpage: Any, frame: PageFrame, first: int, chars: list[str], *, item: Any
) -> list[TextLine]:
    """The run of `chars` (characters `first`, `first` + 1... of `textpage`, shown by the
    text object `item`), without the spaces around it: none when it is blank."""
    text = "".join(chars)
    start = first + len(text) - len(text.lstrip())
    end = first + len(text.rstrip()) - 1
    if end < start:
        return []
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharOrigin(textpage, start, x, y)
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFText_GetMatrix(textpage, start, matrix)
    # The glyphs' height: horizontal scaling (Tz) makes them narrower, not smaller.
    scale = math.hypot(matrix.c, matrix.d) or 1.0
    size = pdfium_c.FPDFText_GetFontSize(textpage, start) * scale
    # Every glyph's box, not only the first and last ones': a string can move back left.
    rect, edges = pdfium_c.FS_RECTF(), [math.inf, math.inf, -math.inf, -math.inf]
    for index in range(start, end + 1):
        if chars[index - first].isspace():
            continue
        pdfium_c.FPDFText_GetLooseCharBox(textpage, index, rect)
        edges = [
            min(edges[0], rect.left),
            min(edges[1], rect.bottom),
            max(edges[2], rect.right),
            max(edges[3], rect.top),
        ]
    left, _, right, _ = display_box(frame, edges)
    baseline = frame.to_display_mm(x.value, y.value)[1]
    invisible = pdfium_c.FPDFTextObj_GetTextRenderMode(item) in INVISIBLE_MODES
    return [TextLine(text.strip(), left, right, baseline, size * frame.mm_per_unit, invisible)]


def rows(runs: list[TextLine]) -> list[TextLine]:
    """Runs on one baseline joined into lines, split where a wide gap parts two columns,
    top to bottom then left to right."""
    found: list[list[TextLine]] = []
    for run in sorted(runs, key=lambda r: (r.baseline_mm, r.left_mm)):
        if found and run.baseline_mm - found[-1][0].baseline_mm <= _SAME_ROW * run.size_mm:
            found[-1].append(run)
        else:
            found.append([run])
    lines: list[TextLine] = []
    for row in found:
        current: list[TextLine] = []
        for run in sorted(row, key=lambda r: r.left_mm):
            if current and run.left_mm - current[-1].right_mm > _COLUMN_GAP * run.size_mm:
                lines.append(_join(current))
                current = []
            current.append(run)
        lines.append(_join(current))
    return lines


def _join(runs: list[TextLine]) -> TextLine:
    """One line from the runs of a row, left to right: a space between two runs only where
    their glyphs are apart."""
    text = runs[0].text
    gaps = []
    for before, run in pairwise(runs):
        gaps.append((run.left_mm - before.right_mm) / run.size_mm)
        text += (" " if gaps[-1] > _WORD_GAP else "") + run.text
    return TextLine(
        text=" ".join(text.split()),
        left_mm=runs[0].left_mm,
        right_mm=max(run.right_mm for run in runs),
        baseline_mm=runs[0].baseline_mm,
        size_mm=max(run.size_mm for run in runs),
        invisible=all(run.invisible for run in runs),
        gaps_em=tuple(gaps),
    )
