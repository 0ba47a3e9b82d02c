"""Ink checks on the pages as PDFium prints them: the window shows the address and nothing
else, the address keeps clear of the window's edges, reserved zones stay blank."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from pypdf import PdfReader
from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from imprimfip.config.rules import ReservedZones, ValidationRules, Zone
from imprimfip.validation import ink
from imprimfip.validation.check import check_pdf
from imprimfip.validation.geometry import page_frame
from imprimfip.validation.placement import CHECK_PX_PER_MM
from imprimfip.validation.raster import Pages
from tests.fixtures.annotated import HIDDEN, PRINT, make_stamped
from tests.fixtures.pdfs import join, make_letter, make_rotated_letter

PAGE_HEIGHT = 297 * mm


def codes(data: bytes, rules: ValidationRules | None = None) -> dict[str, dict]:
    report = check_pdf(data, rules or ValidationRules())
    return {finding.code: dict(finding.details) for finding in report.findings}


def logo(canvas: Canvas) -> None:
    """A filled 30 x 8 mm block in the window, below the address."""
    canvas.rect(150 * mm, PAGE_HEIGHT - 85 * mm, 30 * mm, 8 * mm, fill=1)


def rule_line(canvas: Canvas) -> None:
    """A thin rule across the window, as templates draw under a header."""
    canvas.setLineWidth(0.5)
    canvas.line(95 * mm, PAGE_HEIGHT - 88 * mm, 190 * mm, PAGE_HEIGHT - 88 * mm)


def barcode(canvas: Canvas) -> None:
    """A Code 128 barcode above the address, as mailing software prints tracking codes."""
    code128.Code128("2D4F5A7788", barHeight=6 * mm).drawOn(canvas, 112 * mm, PAGE_HEIGHT - 56 * mm)


def test_an_ordinary_letter_has_no_ink_finding():
    assert codes(make_letter(pages=3)) == {}


@pytest.mark.parametrize("draw", [logo, rule_line, barcode], ids=["logo", "rule", "barcode"])
def test_ink_in_the_window_other_than_the_address_is_clutter(draw):
    found = codes(make_letter(extra=draw))
    assert set(found) == {"window_clutter"}
    [box] = found["window_clutter"]["boxes"]
    left, top, right, bottom = box
    assert 90 <= left < right <= 197 and 50 <= top < bottom <= 92
    # The address lines themselves are not part of the clutter.
    assert not (left <= 110.5 and right >= 155 and top <= 58 and bottom >= 73)


def test_the_logo_is_found_where_it_is_drawn():
    [box] = codes(make_letter(extra=logo))["window_clutter"]["boxes"]
    assert box == pytest.approx([150, 77, 180, 85], abs=1)


def test_separate_marks_in_the_window_are_told_apart():
    def both(canvas: Canvas) -> None:
        logo(canvas)
        barcode(canvas)

    assert len(codes(make_letter(extra=both))["window_clutter"]["boxes"]) == 2


def test_a_stamp_annotation_in_the_window_is_clutter():
    found = codes(make_stamped((120, 78, 180, 90)))
    assert "window_clutter" in found


@pytest.mark.parametrize(
    ("origin", "side"),
    [((91.0, 60.0), "left"), ((110.0, 53.0), "top")],
    ids=["left", "top"],
)
def test_an_address_close_to_an_edge_of_the_window_is_reported(origin, side):
    found = codes(make_letter(address_origin_mm=origin))
    details = found["address_near_edge"]
    assert details["side"] == side
    assert 0 <= details["distance_mm"] < 3
    assert details["min_mm"] == 3
    assert check_pdf(make_letter(address_origin_mm=origin), ValidationRules()).ok, (
        "a warning by default"
    )


ACROSS_THE_TOP = (110.0, 50.5)
"""The address's first line starts 2 mm above the window: the address check refuses it."""


def without(code: str) -> ValidationRules:
    rules = ValidationRules()
    return replace(rules, severity=replace(rules.severity, **{code: "off"}))


def test_an_address_across_the_edge_is_told_once_as_the_refusal():
    report = check_pdf(make_letter(address_origin_mm=ACROSS_THE_TOP), ValidationRules())
    assert [f.code for f in report.findings] == ["address_block"]
    [fault] = report.findings[0].details["faults"]
    assert (fault["problem"], fault["side"]) == ("outside", "top")


def test_an_address_across_the_edge_has_a_negative_distance_when_not_refused():
    found = codes(make_letter(address_origin_mm=ACROSS_THE_TOP), without("address_block"))
    assert found["address_near_edge"]["side"] == "top"
    assert found["address_near_edge"]["distance_mm"] < 0


def test_the_clearance_is_a_setting():
    details = codes(make_letter(), ValidationRules(address_clearance_mm=10))["address_near_edge"]
    assert details["side"] == "top"
    assert details["distance_mm"] == pytest.approx(7.4, abs=0.6)
    assert "address_near_edge" not in codes(
        make_letter(address_origin_mm=(91.0, 60.0)), ValidationRules(address_clearance_mm=0.5)
    )


def test_ink_in_the_outer_margin_is_in_a_reserved_zone():
    def footer(canvas: Canvas) -> None:
        canvas.drawString(20 * mm, 2 * mm, "Document généré automatiquement - ne pas répondre")

    found = codes(make_letter(extra=footer))
    details = found["reserved_zone_ink"]
    assert details["pages"] == [1]
    assert details["zones"] == [[0, 292, 210, 297]]
    [box] = details["boxes"]
    assert box[1] >= 292 and box[0] == pytest.approx(20, abs=1)


def test_a_full_bleed_band_is_one_mark_in_one_zone():
    def band(canvas: Canvas) -> None:
        canvas.rect(0, PAGE_HEIGHT - 3 * mm, 210 * mm, 3 * mm, fill=1)

    details = codes(make_letter(extra=band))["reserved_zone_ink"]
    assert details["boxes"] == [[0, 0, 210, 3.5]] or details["boxes"][0][2] == 210
    assert details["zones"] == [[0, 0, 210, 5]]


def test_reserved_zones_per_page_follow_the_flow():
    """A zone for the first page of each letter, another for its other pages."""

    def mark_left(canvas: Canvas) -> None:
        canvas.rect(8 * mm, PAGE_HEIGHT - 200 * mm, 4 * mm, 40 * mm, fill=1)

    rules = ValidationRules(
        pages_per_letter=2,
        reserved_zones=ReservedZones(
            first_page=(Zone(left_mm=0, top_mm=100, right_mm=15, bottom_mm=250),),
            other_pages=(Zone(left_mm=190, top_mm=0, right_mm=210, bottom_mm=40),),
            all_pages=(),
        ),
    )
    marked = make_letter(pages=2, extra=mark_left)
    assert codes(marked, rules)["reserved_zone_ink"]["pages"] == [1]
    second_letter_marked = join(make_letter(pages=2), marked)
    assert codes(second_letter_marked, rules)["reserved_zone_ink"]["pages"] == [3]
    # The same mark on a letter's second page is outside every zone.
    second_page_marked = join(make_letter(), make_letter(address_lines=(), extra=mark_left))
    assert codes(second_page_marked, rules) == {}


def test_ink_on_many_pages_is_one_finding_naming_them():
    def footer(canvas: Canvas) -> None:
        canvas.rect(100 * mm, 1 * mm, 10 * mm, 2 * mm, fill=1)

    letters = join(*(make_letter(extra=footer) for _ in range(3)))
    assert codes(letters)["reserved_zone_ink"]["pages"] == [1, 2, 3]


def test_a_printable_annotation_in_a_reserved_zone_is_ink():
    assert "reserved_zone_ink" in codes(make_stamped((150, 150, 209, 170)))


@pytest.mark.parametrize("flags", [0, PRINT | HIDDEN], ids=["not printed", "hidden"])
def test_an_annotation_that_does_not_print_is_not_ink(flags):
    assert codes(make_stamped((150, 150, 209, 170), flags=flags)) == {}


def test_a_turned_page_is_checked_as_displayed():
    """/Rotate 90 on a landscape-drawn page: the letter prints in portrait, address in the
    window; nothing is blamed on the ink."""
    found = codes(make_rotated_letter(90))
    assert not {"window_clutter", "reserved_zone_ink"} & set(found)


def test_each_check_can_be_turned_off():
    severity = replace(
        ValidationRules().severity, window_clutter="off", reserved_zone_ink="warning"
    )
    rules = ValidationRules(severity=severity)

    def both(canvas: Canvas) -> None:
        logo(canvas)
        canvas.rect(100 * mm, 1 * mm, 10 * mm, 2 * mm, fill=1)

    report = check_pdf(make_letter(extra=both), rules)
    assert [(f.code, f.severity) for f in report.findings] == [("reserved_zone_ink", "warning")]
    assert report.ok


def straddling(canvas: Canvas) -> None:
    """Grey and black shapes across each edge of the window, and a curve through it."""
    canvas.setFillGray(0.6)
    canvas.rect(85 * mm, PAGE_HEIGHT - 70 * mm, 12 * mm, 30 * mm, fill=1)
    canvas.setFillGray(0)
    canvas.rect(185 * mm, PAGE_HEIGHT - 48 * mm, 20 * mm, 4.3 * mm, fill=1)
    canvas.setLineWidth(0.3)
    canvas.bezier(80 * mm, PAGE_HEIGHT - 100 * mm, 120 * mm, PAGE_HEIGHT - 20 * mm,
                  160 * mm, PAGE_HEIGHT - 120 * mm, 200 * mm, PAGE_HEIGHT - 40 * mm)  # fmt: skip


@pytest.mark.parametrize(
    "data",
    [make_letter(extra=straddling), make_rotated_letter(90)],
    ids=["straddling", "rotated"],
)
def test_the_window_alone_is_drawn_with_the_pixels_of_the_whole_page(data):
    window = ValidationRules().address_zone.box
    with Pages(data) as pages:
        frame = page_frame(PdfReader(io.BytesIO(data)).pages[0])
        whole = pages.picture(0, frame, CHECK_PX_PER_MM)
        part = pages.picture(0, frame, CHECK_PX_PER_MM, only=window)
    assert part.image.width * part.image.height < whole.image.width * whole.image.height / 4
    left, top = part.left_px, part.top_px
    box = (left, top, left + part.image.width, top + part.image.height)
    assert part.image.tobytes() == whole.image.crop(box).tobytes()
    assert [ink.marks(part, window)] == [ink.marks(whole, window)]
