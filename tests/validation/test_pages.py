"""page_size and orientation: the effective box, /Rotate and /UserUnit, as printed."""

import pytest
from reportlab.lib.pagesizes import landscape
from reportlab.lib.units import mm

from imprimfip.config.rules import ValidationRules
from imprimfip.validation.check import check_pdf
from tests.fixtures import pdfs
from tests.fixtures.rules import rules_of

RULES = ValidationRules()


def findings(data, rules=RULES, codes=("page_size", "orientation")):
    return [f for f in check_pdf(data, rules).findings if f.code in codes]


@pytest.mark.parametrize(
    ("size", "name", "found_mm"),
    [
        (pdfs.LETTER, "Letter", (216, 279)),
        (pdfs.LEGAL, "Legal", (216, 356)),
        (pdfs.A3, "A3", (297, 420)),
        (pdfs.A5, "A5", (148, 210)),
        ((200 * mm, 250 * mm), "", (200, 250)),
    ],
)
def test_a_page_that_is_not_a4_is_named_and_measured(size, name, found_mm):
    [finding] = findings(pdfs.make_letter(page_size=size))
    assert finding.code == "page_size"
    assert finding.severity == "error"
    assert finding.page == 1
    assert (finding.details["width_mm"], finding.details["height_mm"]) == found_mm
    assert finding.details["format"] == name
    assert f"{found_mm[0]} × {found_mm[1]} mm" in finding.message
    assert "A4 (210 × 297 mm)" in finding.message


def test_the_message_names_the_page_its_size_and_what_to_do():
    data = pdfs.join(pdfs.make_letter(pages=2), pdfs.make_letter(page_size=pdfs.LETTER))
    [finding] = findings(data)
    assert finding.page == 3
    assert finding.message == (
        "La page 3 mesure 216 × 279 mm (format Letter américain). IMPRIM'FIP n'imprime que "
        "le format A4 (210 × 297 mm), en portrait : réimprimez ou réexportez le document en "
        "A4 portrait, puis redéposez-le."
    )


def test_pages_of_the_same_wrong_size_are_grouped_into_one_finding():
    data = pdfs.join(
        pdfs.make_letter(page_size=pdfs.LETTER),
        pdfs.make_letter(),
        pdfs.make_letter(pages=2, page_size=pdfs.LETTER),
        pdfs.make_letter(page_size=pdfs.A5),
    )
    letter, a5 = findings(data)
    assert letter.details["pages"] == [1, 3, 4]
    assert letter.message.startswith("Les pages 1, 3 et 4 mesurent 216 × 279 mm")
    assert (a5.page, a5.details["format"]) == (5, "A5")


@pytest.mark.parametrize(("delta_mm", "accepted"), [(1.5, True), (-1.9, True), (3.0, False)])
def test_a4_is_accepted_within_the_tolerance(delta_mm, accepted):
    size = ((210 + delta_mm) * mm, (297 - delta_mm) * mm)
    assert (findings(pdfs.make_letter(page_size=size)) == []) is accepted


def test_the_tolerance_is_configurable():
    size = (213 * mm, 297 * mm)
    assert findings(pdfs.make_letter(page_size=size))
    assert findings(pdfs.make_letter(page_size=size), ValidationRules(size_tolerance_mm=4)) == []


def test_a_landscape_a4_page_is_an_orientation_error_not_a_size_error():
    [finding] = findings(pdfs.make_letter(landscape=True))
    assert finding.code == "orientation"
    assert (finding.details["width_mm"], finding.details["height_mm"]) == (297, 210)
    assert "paysage" in finding.message


def test_a_landscape_box_turned_by_rotate_prints_in_portrait():
    data = pdfs.make_rotated_letter(90, page_size=landscape(pdfs.A4))
    assert findings(data) == []


@pytest.mark.parametrize("rotate", [90, 270])
def test_a_portrait_box_turned_a_quarter_prints_in_landscape(rotate):
    [finding] = findings(pdfs.make_rotated_letter(rotate))
    assert finding.code == "orientation"


def test_the_crop_box_is_the_size_that_prints():
    [finding] = findings(pdfs.make_cropped_letter((10, 10, 158, 220)))
    assert (finding.code, finding.details["format"]) == ("page_size", "A5")


def test_one_wrong_crop_box_is_one_finding_even_when_it_is_wider_than_tall():
    [finding] = findings(pdfs.make_cropped_letter((10, 10, 200, 150)))
    assert (finding.code, finding.details["width_mm"], finding.details["height_mm"]) == (
        "page_size",
        190,
        140,
    )
    assert "A4 portrait" in finding.message


def test_a_wide_page_is_an_orientation_finding_when_sizes_are_not_checked():
    rules = rules_of(severity={"page_size": "off"})
    [finding] = findings(pdfs.make_letter(page_size=landscape(pdfs.LETTER)), rules)
    assert finding.code == "orientation"


def test_a_crop_box_outside_the_media_box_is_ignored():
    assert findings(pdfs.make_cropped_letter((300, 300, 400, 400))) == []


def test_user_unit_scales_the_page():
    assert findings(pdfs.make_user_unit_letter(2.0)) == []


def test_page_size_and_orientation_can_be_warnings_or_off():
    data = pdfs.make_letter(page_size=landscape(pdfs.LETTER))
    warn = rules_of(severity={"page_size": "warning", "orientation": "off"})
    report = check_pdf(data, warn)
    assert [(f.code, f.severity) for f in report.findings] == [("page_size", "warning")]
    assert report.ok
