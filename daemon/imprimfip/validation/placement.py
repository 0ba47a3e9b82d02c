"""What the envelope and the print centre's machines need blank, checked on the pages as
PDFium prints them.

- `window_clutter`: ink in the envelope window that is neither text nor a form field (a
  logo, a rule, a barcode, a stamp): the sorting machines read all the window shows. Text
  in the window is the address check's business; a live form field, the forms check's.
- `address_near_edge`: the text in the window closer to its edges than
  `address_clearance_mm`, or across them: the sheet moves a little in the envelope, and
  the address may hide behind the paper. A block the address check finds sticking out is
  refused there, and `check_pdf` tells it only once, as that refusal.
- `reserved_zone_ink`: ink where the flow keeps the page blank (`reserved_zones`; by
  default the outer 5 mm of every page, where the print centre prints its own marks).

Pages that only have reserved zones to check are drawn only when something on them reaches
a zone, so a long file costs little more than PDFium reading it. On a letter's first page,
only the envelope window is drawn unless something there may reach a zone too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from imprimfip.config.rules import ValidationRules
from imprimfip.validation import forms, ink, survey
from imprimfip.validation.document import Document
from imprimfip.validation.geometry import page_frame
from imprimfip.validation.raster import (
    Box,
    Picture,
    TextRun,
    overlaps,
    picture_scale,
    widened,
    within,
)
from imprimfip.validation.report import Problem
from imprimfip.validation.survey import WINDOW_CODES

CHECK_PX_PER_MM = 2.0
"""Half a millimetre a pixel: finer than any clearance asked, coarse enough to be quick."""
_GLYPH_MARGIN = 0.4
"""Around a line of text, as a share of its height: anti-aliasing, accents, underlines."""
_FIELD_MARGIN_MM = 0.5
"""Around a form field: its edges fall between pixels."""


def rounded(box: Box) -> list[float]:
    return [round(value, 1) for value in box]


def window_text(lines: Sequence[TextRun], window: Box) -> list[TextRun]:
    """The lines of text that show, at least in part, through the window."""
    return [line for line in lines if overlaps(line.box, window)]


def window_problems(
    picture: Picture,
    lines: Sequence[TextRun],
    fields: Sequence[Box],
    rules: ValidationRules,
    page: int,
) -> Iterator[Problem]:
    """`window_clutter` and `address_near_edge` on the first page of a letter."""
    window = rules.address_zone.box
    shown = window_text(lines, window)
    if rules.severity_of("window_clutter") != "off":
        text = [widened(line.box, _GLYPH_MARGIN * (line.box[3] - line.box[1])) for line in shown]
        found = ink.marks(picture, window, blank=[*text, *fields])
        if found:
            details = {
                "zone": list(window),
                "boxes": [rounded(mark.box) for mark in found],
                "area_mm2": round(sum(mark.area_mm2 for mark in found), 1),
            }
            yield Problem("window_clutter", page, details)
    if shown and rules.severity_of("address_near_edge") != "off":
        yield from _clearance(shown, rules, page)


def _clearance(shown: Sequence[TextRun], rules: ValidationRules, page: int) -> Iterator[Problem]:
    window = rules.address_zone.box
    block = (
        min(line.box[0] for line in shown),
        min(line.box[1] for line in shown),
        max(line.box[2] for line in shown),
        max(line.box[3] for line in shown),
    )
    gaps = {
        "left": block[0] - window[0],
        "top": block[1] - window[1],
        "right": window[2] - block[2],
        "bottom": window[3] - block[3],
    }
    side = min(gaps, key=lambda name: gaps[name])
    if gaps[side] < rules.address_clearance_mm:
        details = {
            "zone": list(window),
            "box": rounded(block),
            "side": side,
            "distance_mm": round(gaps[side], 1),
            "min_mm": rules.address_clearance_mm,
        }
        yield Problem("address_near_edge", page, details)


def _outermost(found: Sequence[ink.Mark]) -> list[ink.Mark]:
    """The marks not inside another one: a band across two overlapping zones is one mark."""
    kept: list[ink.Mark] = []
    for mark in sorted(found, key=lambda m: -(m.box[2] - m.box[0]) * (m.box[3] - m.box[1])):
        if not any(within(mark.box, other.box) for other in kept):
            kept.append(mark)
    return kept


def _shared_area(a: Box, b: Box) -> float:
    width, height = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
    return max(width, 0) * max(height, 0)


def _zones_of(found: Sequence[ink.Mark], zones: Sequence[Box]) -> list[list[float]]:
    """For each mark, the zone holding most of it (each zone named once)."""
    named: list[list[float]] = []
    for mark in found:
        zone = rounded(max(zones, key=lambda zone: _shared_area(zone, mark.box)))
        if zone not in named:
            named.append(zone)
    return named


def placement_rule(doc: Document, rules: ValidationRules) -> Iterator[Problem]:
    """The window checks on the first page of each letter, the reserved zones on every
    page; ink in reserved zones is one problem for the whole file."""
    window_on = any(rules.severity_of(code) != "off" for code in WINDOW_CODES)
    zones_on = rules.severity_of("reserved_zone_ink") != "off"
    first_pages = rules.first_pages(doc.pages)
    reserved: dict[int, list[ink.Mark]] = {}
    # A page drawn for the window checks needs no survey; the others are drawn only when
    # something on them may reach a reserved zone.
    surveyed = [i for i in range(doc.pages) if zones_on and not (window_on and i in first_pages)]
    drawn = dict(zip(surveyed, survey.drawings(doc, rules, surveyed), strict=True))
    pages = survey.opened(doc, rules)
    for index in range(doc.pages):
        window = window_on and index in first_pages
        zones = survey.zones_checked(index, doc, rules)
        if not window and not (zones and drawn[index].reaches_zone):
            continue
        page = doc.reader.pages[index]
        frame = page_frame(page)
        # On a page drawn for the window, the zones count only where something may
        # reach them, with a pixel's margin: a pixel of a zone's edge may lie outside
        # it. Else only the window is drawn, which is quicker.
        pixel = 1 / picture_scale(frame, CHECK_PX_PER_MM)
        if window and not pages.reaches(index, frame, [widened(z, pixel) for z in zones]):
            zones = []
        only = rules.address_zone.box if window and not zones else None
        picture = pages.picture(index, frame, CHECK_PX_PER_MM, only=only)
        if window:
            lines = pages.text_runs(index, frame, rules.address_zone.box)
            fields = [widened(box, _FIELD_MARGIN_MM) for box in forms.field_boxes(page)]
            yield from window_problems(picture, lines, fields, rules, index + 1)
        found = [m for z in zones if (m := ink.measure(picture, z)) is not None]
        if found:
            reserved[index + 1] = _outermost(found)
    if reserved:
        first = min(reserved)
        details = {
            "pages": sorted(reserved),
            "boxes": [rounded(mark.box) for mark in reserved[first]],
            "zones": _zones_of(
                reserved[first],
                [z.box for z in rules.reserved_zones.on_page(first - 1 in first_pages)],
            ),
        }
        yield Problem("reserved_zone_ink", first, details)
