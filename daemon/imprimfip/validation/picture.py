"""The picture beside a refused letter (`<name>.erreur.png`): the page concerned as printed,
what was expected in blue (the envelope window, the zones to keep blank, the A4 sheet), what
was found in red (the lines the address check read, ink out of its place, the page's own
edge when its size is wrong), and a short French legend.

Drawn from the Report's data, so the picture shows what the checks decided, not a second
opinion: the address lines are the boxes the address check gave with its findings (or, for
a recipient read without fault, the block it read); ink marks are the boxes the ink checks
measured.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader

from imprimfip.config.rules import A4_MM, ALWAYS_ERRORS, ValidationRules
from imprimfip.validation import address, messages_fr
from imprimfip.validation.geometry import page_frame
from imprimfip.validation.raster import Box, Pages, Picture, widened
from imprimfip.validation.report import Finding, Report

PICTURE_PX_PER_MM = 3.0
"""76 dpi: 10-point text stays readable, an A4 page is 630 x 891 pixels."""
PNG_COMPRESS_LEVEL = 6
MAX_PNG_BYTES = 300_000
"""A picture larger than this is drawn again with fewer colours, then smaller."""

LAYOUT_CODES = (
    "page_size",
    "orientation",
    "address_block",
    "address_lowercase",
    "address_accents",
    "window_clutter",
    "address_near_edge",
    "reserved_zone_ink",
)
"""The findings about where things sit on the page: those a picture explains."""
ADDRESS_CODES = ("address_block", "address_lowercase", "address_accents")
"""The findings whose details give the boxes of the address lines they concern."""

EXPECTED = (30, 100, 220)
FOUND = (220, 30, 30)
_OUTSIDE = (225, 225, 225)
_TYPEFACE = Path(__file__).with_name("typeface") / "Vera.ttf"
"""Bitstream Vera (the ancestor of DejaVu): small, free to ship, with French accents."""
_FONT_PX = 15
_LINE_PX = 22
_MARGIN_PX = 10


def is_drawable(report: Report) -> bool:
    """Whether the file's pages can be drawn at all."""
    return report.pages > 0 and not any(f.code in ALWAYS_ERRORS for f in report.findings)


def explains_refusal(report: Report, *, address_needed: bool) -> bool:
    """Whether a picture helps with this report: an error about the layout, or an address
    that a registered letter needs and that could not be read."""
    if not is_drawable(report):
        return False
    if any(f.code in LAYOUT_CODES for f in report.errors):
        return True
    return address_needed and report.ok and report.address is None


def page_shown(report: Report) -> int:
    """The page the picture shows: that of the first layout error, else of the first layout
    finding, else the first page."""
    for findings in (report.errors, report.findings):
        for finding in findings:
            if finding.code in LAYOUT_CODES and finding.page is not None:
                return finding.page
    return 1


def draw(data: bytes, report: Report, rules: ValidationRules) -> bytes:
    """The PNG picture of `report`'s page (see `page_shown`), at most MAX_PNG_BYTES."""
    number = page_shown(report)
    page = PdfReader(io.BytesIO(data), strict=False).pages[number - 1]
    frame = page_frame(page)
    letter_start = number - 1 in rules.first_pages(report.pages)
    findings = [f for f in report.findings if f.page == number and f.code in LAYOUT_CODES]
    read = _address_boxes(findings)
    with Pages(data) as pages:
        if not read and report.address is not None and number == 1:
            lines = address.printed_lines(pages, 0, frame, rules.address_zone)
            block = address.find_block(lines, rules.address_zone)
            read = [tuple(line.box()) for line in block.lines]  # type: ignore[misc]
        picture = pages.picture(number - 1, frame, PICTURE_PX_PER_MM, color=True)
    shown = _Shown(picture, frame.size_mm, tuple(findings), letter_start, tuple(read))
    return _png(_compose(shown, rules, number))


def _address_boxes(findings: Sequence[Finding]) -> list[Box]:
    """The boxes of the address lines that the address check's findings name."""
    return [
        tuple(box)  # type: ignore[misc]
        for finding in findings
        if finding.code in ADDRESS_CODES
        for box in finding.details.get("boxes") or ()
    ]


@dataclass(frozen=True)
class _Shown:
    """The page drawn, and what to mark on it."""

    picture: Picture
    page_mm: tuple[float, float]
    findings: tuple[Finding, ...]
    letter_start: bool
    read_boxes: tuple[Box, ...]


def _compose(shown: _Shown, rules: ValidationRules, number: int) -> Image.Image:
    """The page, what was expected and what was found drawn over it, the legend below."""
    picture, page_mm, findings = shown.picture, shown.page_mm, shown.findings
    scale = picture.px_per_mm
    wrong_size = any(f.code in ("page_size", "orientation") for f in findings)
    sheet_mm = (max(page_mm[0], A4_MM[0]), max(page_mm[1], A4_MM[1])) if wrong_size else page_mm
    width, height = round(sheet_mm[0] * scale), round(sheet_mm[1] * scale)
    zones = _shown_zones(shown, rules)
    legend = _legend_lines(number, findings, zones, width)
    whole = Image.new("RGB", (width, height + len(legend) * _LINE_PX + 2 * _MARGIN_PX), "white")
    pen = ImageDraw.Draw(whole, "RGBA")
    if wrong_size:
        pen.rectangle((0, 0, width - 1, height - 1), fill=_OUTSIDE)
    whole.paste(picture.image, (0, 0))
    for zone in zones:
        pen.rectangle(_pixels(zone, scale), fill=(*EXPECTED, 50))
    for box in _ink_boxes(findings):
        pen.rectangle(_pixels(box, scale), fill=(*FOUND, 70))
    line = max(2, round(scale * 0.7))
    if wrong_size:
        pen.rectangle(_pixels((0, 0, *A4_MM), scale), outline=EXPECTED, width=line)
        pen.rectangle(_pixels((0, 0, *page_mm), scale), outline=FOUND, width=line)
    if shown.letter_start:
        pen.rectangle(_pixels(rules.address_zone.box, scale), outline=EXPECTED, width=line)
    for box in [*shown.read_boxes, *_ink_boxes(findings), *_blocks(findings)]:
        pen.rectangle(_pixels(widened(box, 0.5), scale), outline=FOUND, width=line)
    for row, (colour, text) in enumerate(legend):
        y = height + _MARGIN_PX + row * _LINE_PX
        if colour is not None:
            pen.rectangle((_MARGIN_PX, y + 3, _MARGIN_PX + 14, y + 17), fill=colour)
        whole.paste("black", (_MARGIN_PX + (24 if colour else 0), y), _written(text))
    return whole


def _shown_zones(shown: _Shown, rules: ValidationRules) -> list[Box]:
    """The reserved zones of the page, when ink was found in one of them."""
    if not any(f.code == "reserved_zone_ink" for f in shown.findings):
        return []
    return [zone.box for zone in rules.reserved_zones.on_page(shown.letter_start)]


def _pixels(box: Box, scale: float) -> tuple[int, int, int, int]:
    left, top, right, bottom = (round(value * scale) for value in box)
    return left, top, max(right - 1, left), max(bottom - 1, top)


def _ink_boxes(findings: Sequence[Finding]) -> list[Box]:
    boxes: list[Box] = []
    for finding in findings:
        if finding.code in ("window_clutter", "reserved_zone_ink"):
            boxes.extend(tuple(box) for box in finding.details.get("boxes") or ())  # type: ignore[misc]
    return boxes


def _blocks(findings: Sequence[Finding]) -> list[Box]:
    """The address block of `address_near_edge`, framed whole."""
    return [
        tuple(finding.details["box"])  # type: ignore[misc]
        for finding in findings
        if finding.code == "address_near_edge" and finding.details.get("box")
    ]


def _legend_lines(
    number: int, findings: Sequence[Finding], zones: Sequence[Box], width: int
) -> list[tuple[tuple[int, int, int] | None, str]]:
    """The legend's lines, each with the colour it explains (None for the title)."""
    words = messages_fr.PICTURE_LEGEND
    labels = dict.fromkeys(messages_fr.PICTURE_LABELS[f.code] for f in findings)
    title = f"Page {number}" + (" : " + ", ".join(labels) if labels else "")
    expected = [words["window"]]
    if any(f.code in ("page_size", "orientation") for f in findings):
        expected.insert(0, words["a4"])
    if zones:
        expected.append(words["zones"])
    parts = (
        ", ".join(expected[:-1]) + f" {words['and']} " + expected[-1]
        if len(expected) > 1
        else expected[0]
    )
    rows = [
        (None, title),
        (EXPECTED, f"{words['expected']} {parts}"),
        (FOUND, words["found"]),
    ]
    return [(colour, part) for colour, text in rows for part in _wrapped(text, width - 40)]


@functools.cache
def _font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_TYPEFACE), _FONT_PX)


@functools.lru_cache(maxsize=64)
def _written(text: str) -> Image.Image:
    """`text` as a mask, kept: legends repeat the same few lines."""
    font = _font()
    mask = Image.new("L", (round(font.getlength(text)) + 2, _LINE_PX))
    ImageDraw.Draw(mask).text((0, 0), text, fill=255, font=font)
    return mask


@functools.lru_cache(maxsize=64)
def _wrapped(text: str, width: int) -> tuple[str, ...]:
    font = _font()
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return tuple(lines)


def _png(image: Image.Image) -> bytes:
    """PNG bytes of `image`: with fewer colours, then smaller, until under MAX_PNG_BYTES."""
    while True:
        for reduce in (False, True):
            out = io.BytesIO()
            (image.quantize(colors=32) if reduce else image).save(
                out, "PNG", compress_level=PNG_COMPRESS_LEVEL
            )
            if out.tell() <= MAX_PNG_BYTES:
                return out.getvalue()
        image = image.resize((image.width // 2, image.height // 2))
