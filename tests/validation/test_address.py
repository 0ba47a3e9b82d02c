"""address_block: the recipient's address read from the envelope window zone."""

import pytest

from imprimfip import postal
from imprimfip.config.rules import ValidationRules
from imprimfip.postal import UNREADABLE, PostalAddress
from imprimfip.validation.check import check_pdf
from imprimfip.validation.survey import WINDOW_CODES
from imprimfip.validation.textlines import character
from tests.fixtures import pdfs
from tests.fixtures.rules import rules_of

RULES = ValidationRules()
ADDRESS_CODES = ("address_block", "address_lowercase", "address_accents")


def address_findings(data, rules=RULES):
    return [f for f in check_pdf(data, rules).findings if f.code in ADDRESS_CODES]


def problems(finding):
    return [fault["problem"] for fault in finding.details["faults"]]


def test_the_address_is_read_from_the_window_zone_and_nothing_else():
    report = check_pdf(pdfs.make_letter(), RULES, want_address=True)
    assert report.address == PostalAddress(
        name="MADAME CLAIRE DUPONT",
        line2="APPARTEMENT 12",
        line3="10 RUE DES LILAS",
        zip_code="75011",
        town="PARIS",
    )


def test_an_address_outside_the_window_is_an_error_naming_the_zone():
    [finding] = address_findings(pdfs.make_letter(address_origin_mm=(20.0, 60.0)))
    assert (finding.code, finding.severity, finding.page) == ("address_block", "error", 1)
    assert problems(finding) == ["empty"]
    assert "de 90 à 197 mm du bord gauche et de 50 à 92 mm du haut" in finding.message


def test_the_zone_is_configurable_per_flow():
    data = pdfs.make_letter(address_origin_mm=(20.0, 60.0))
    rules = rules_of(address_zone={"left_mm": 15, "right_mm": 100})
    assert address_findings(data, rules) == []
    report = check_pdf(data, rules, want_address=True)
    assert report.address is not None and report.address.town == "PARIS"


def test_each_letter_of_a_multi_letter_file_is_checked_on_its_first_page():
    data = pdfs.join(
        pdfs.make_letter(pages=2),
        pdfs.make_letter(pages=2, address_lines=("MONSIEUR MARTIN", "75011 PARIS")),
        pdfs.make_letter(pages=2),
    )
    [finding] = address_findings(data, ValidationRules(pages_per_letter=2))
    assert (finding.page, problems(finding)) == (3, ["too_few_lines"])
    assert finding.message.startswith("Page 3, bloc adresse")
    assert address_findings(data) == []  # one letter: only page 1 has to carry an address


def test_lower_case_and_accents_are_warnings_by_default():
    lines = ("Mme Hélène Dupont", "10 RUE DES LILAS", "75011 PARIS")
    report = check_pdf(pdfs.make_letter(address_lines=lines), RULES)
    assert report.ok
    assert [(f.code, f.severity) for f in report.findings] == [
        ("address_lowercase", "warning"),
        ("address_accents", "warning"),
    ]
    assert "Mme Hélène Dupont" in report.findings[1].message


def test_lower_case_can_be_made_an_error():
    rules = rules_of(severity={"address_lowercase": "error"})
    data = pdfs.make_letter(address_lines=("Mme Dupont", "10 RUE DES LILAS", "75011 PARIS"))
    assert not check_pdf(data, rules).ok


def test_an_unreadable_block_gives_no_address_but_the_letter_is_still_reported():
    data = pdfs.make_letter(address_lines=("M DUPONT", "10 RUE DES LILAS", "PARIS"))
    report = check_pdf(data, RULES, want_address=True)
    assert report.address is None
    assert [problems(f) for f in report.findings] == [["no_postal_line"]]


def test_the_address_rules_can_be_switched_off():
    rules = rules_of(severity={"address_block": "off"})
    assert check_pdf(pdfs.make_letter(address_lines=()), rules).findings == ()


@pytest.mark.parametrize(
    "make", [pdfs.make_bomb, pdfs.make_recursive_form], ids=["bomb", "recursive form"]
)
def test_pypdf_s_bounds_stop_a_hostile_first_page_before_pdfium_reads_its_address(make):
    """With only the address check on, nothing else reads the page first: PDFium would
    inflate the bomb whole and never finish drawing the form."""
    others = ("fonts_not_embedded", "form_not_flattened", "reserved_zone_ink", *WINDOW_CODES)
    rules = rules_of(severity=dict.fromkeys(others, "off"))
    [finding] = check_pdf(make(), rules).findings
    assert (finding.code, finding.details["reason"]) == ("too_complex", "limit")


def test_a_recipient_line_ending_with_a_hyphen_keeps_its_hyphen():
    """PDFium marks a hyphen ending a line with a control character (0x02): the registered
    letter goes to the name the letter shows, never to one with a control character."""
    lines = ("MONSIEUR JEAN PIERRE-", "LOUIS MARTIN", "12 RUE DES LILAS", "75011 PARIS")
    report = check_pdf(pdfs.make_letter(address_lines=lines), RULES, want_address=True)
    assert report.ok
    assert report.address is not None and report.address.name == "MONSIEUR JEAN PIERRE-"


@pytest.mark.parametrize(
    ("code", "text"),
    [(0x41, "A"), (0xE9, "é"), (0x20, " "), (0xA0, "\xa0"), (0x02, "-"), (0x1B, UNREADABLE),
     (0x00, UNREADABLE), (0xAD, UNREADABLE), (0x200D, UNREADABLE), (0xD800, UNREADABLE),
     (0xE000, UNREADABLE), (0x110000, UNREADABLE)],
)  # fmt: skip
def test_a_character_pdfium_gives_is_read_as_text_or_as_unreadable(code, text):
    assert character(code) == text


def test_a_recipient_with_an_unreadable_character_is_not_sent():
    """A glyph with no readable value would go out as a replacement sign in the name."""
    lines = ["MONSIEUR JEAN MARTIN", f"12 RUE DES {UNREADABLE}ILAS", "75011 PARIS"]
    assert postal.from_lines(lines) is None
    assert postal.from_lines([line.replace(UNREADABLE, "L") for line in lines]) is not None
