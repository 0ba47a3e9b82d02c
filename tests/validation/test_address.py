"""address_block: the recipient's address read from the envelope window zone."""

import pytest

from imprimfip.config.rules import ValidationRules
from imprimfip.validation.address import block_problems, split_address
from imprimfip.validation.check import check_pdf
from imprimfip.validation.report import ExtractedAddress
from tests.fixtures import pdfs

RULES = ValidationRules()
ADDRESS_CODES = ("address_block", "address_lowercase", "address_accents")


def address_findings(data, rules=RULES):
    return [f for f in check_pdf(data, rules).findings if f.code in ADDRESS_CODES]


def problems(lines, rules=RULES):
    return [(p.code, p.details.get("problem")) for p in block_problems(lines, rules, page=1)]


def test_the_address_is_read_from_the_window_zone_and_nothing_else():
    report = check_pdf(pdfs.make_letter(), RULES, want_address=True)
    assert report.address == ExtractedAddress(
        name="MADAME CLAIRE DUPONT",
        line2="APPARTEMENT 12",
        line3="10 RUE DES LILAS",
        zip_code="75011",
        town="PARIS",
    )


def test_an_address_outside_the_window_is_an_error_naming_the_zone():
    [finding] = address_findings(pdfs.make_letter(address_origin_mm=(20.0, 60.0)))
    assert (finding.code, finding.severity, finding.page) == ("address_block", "error", 1)
    assert finding.details["problem"] == "empty"
    assert "de 90 à 197 mm du bord gauche et de 50 à 92 mm du haut" in finding.message


def test_the_zone_is_configurable_per_flow():
    data = pdfs.make_letter(address_origin_mm=(20.0, 60.0))
    rules = ValidationRules(address_zone={"left_mm": 15, "right_mm": 100})
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
    assert (finding.page, finding.details["problem"]) == (3, "too_few_lines")
    assert finding.message.startswith("Page 3 : le bloc adresse")
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
    rules = ValidationRules(severity={"address_lowercase": "error"})
    data = pdfs.make_letter(address_lines=("Mme Dupont", "10 RUE DES LILAS", "75011 PARIS"))
    assert not check_pdf(data, rules).ok


@pytest.mark.parametrize(
    ("lines", "found"),
    [
        ([], [("address_block", "empty")]),
        (["M DUPONT", "75011 PARIS"], [("address_block", "too_few_lines")]),
        (["M DUPONT"] + ["LIGNE"] * 5 + ["75011 PARIS"], [("address_block", "too_many_lines")]),
        (
            ["M DUPONT", "RESIDENCE DES GRANDS CHENES BATIMENT B ESCALIER 4", "75011 PARIS"],
            [("address_block", "line_too_long")],
        ),
        (["M DUPONT", "10 RUE DES LILAS", "PARIS"], [("address_block", "no_postal_line")]),
        (["M DUPONT", "10 RUE DES LILAS", "7501 PARIS"], [("address_block", "no_postal_line")]),
        (["M DUPONT", "10 RUE DES LILAS", "75011 PARIS"], []),
        (["M DUPONT", "10 RUE DES LILAS", "75011 PARIS", "FRANCE"], []),
        (["HERR MULLER", "HAUPTSTRASSE 5", "D-10115 BERLIN", "ALLEMAGNE"], []),
    ],
)
def test_the_block_rules(lines, found):
    assert problems(lines) == found


def test_line_limits_are_configurable():
    lines = ["M DUPONT", "75011 PARIS"]
    assert problems(lines, ValidationRules(address_min_lines=2)) == []
    long = ["M DUPONT", "X" * 40, "75011 PARIS"]
    assert problems(long, ValidationRules(address_max_chars=40)) == []


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["M DUPONT", "BAT A", "10 RUE DES LILAS", "BP 12", "75700 PARIS CEDEX 07"],
            ExtractedAddress(
                "M DUPONT", "BAT A", "10 RUE DES LILAS", "BP 12", "", "75700", "PARIS CEDEX 07"
            ),
        ),
        (
            ["MR SMITH", "10 DOWNING STREET", "SW1A 2AA LONDON", "ROYAUME-UNI"],
            ExtractedAddress(
                "MR SMITH",
                "10 DOWNING STREET",
                zip_code="SW1A 2AA",
                town="LONDON",
                country="ROYAUME-UNI",
            ),
        ),
        (
            ["MME DURAND", "1 PLACE DU MARCHE", "97400 SAINT-DENIS", "FRANCE"],
            ExtractedAddress(
                "MME DURAND", "1 PLACE DU MARCHE", zip_code="97400", town="SAINT-DENIS"
            ),
        ),
        (["M DUPONT", "10 RUE DES LILAS", "PARIS"], None),
    ],
)
def test_the_block_is_split_into_the_fields_lrar_needs(lines, expected):
    assert split_address(lines) == expected


def test_an_unreadable_block_gives_no_address_but_the_letter_is_still_reported():
    data = pdfs.make_letter(address_lines=("M DUPONT", "10 RUE DES LILAS", "PARIS"))
    report = check_pdf(data, RULES, want_address=True)
    assert report.address is None
    assert [f.details["problem"] for f in report.findings] == ["no_postal_line"]


def test_the_address_rules_can_be_switched_off():
    rules = ValidationRules(severity={"address_block": "off"})
    assert check_pdf(pdfs.make_letter(address_lines=()), rules).findings == ()
