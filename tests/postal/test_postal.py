"""One postal address type and La Poste's rules for its lines, shared by the address block
read from a PDF and the address given in a letter's data."""

import pytest

from imprimfip.postal import PostalAddress, from_lines, layout_faults

LIMITS = {"min_lines": 3, "max_lines": 6, "max_chars": 38}


@pytest.mark.parametrize(
    ("lines", "found"),
    [
        ([], ["empty"]),
        (["M DUPONT", "75011 PARIS"], ["too_few_lines"]),
        (["M DUPONT"] + ["LIGNE"] * 5 + ["75011 PARIS"], ["too_many_lines"]),
        (
            ["M DUPONT", "RESIDENCE DES GRANDS CHENES BATIMENT B ESCALIER 4", "75011 PARIS"],
            ["line_too_long"],
        ),
        (["M DUPONT", "10 RUE DES LILAS", "PARIS"], ["no_postal_line"]),
        (["M DUPONT", "10 RUE DES LILAS", "7501 PARIS"], ["no_postal_line"]),
        (["M DUPONT", "10 RUE DES LILAS", "75011 PARIS"], []),
        (["M DUPONT", "10 RUE DES LILAS", "75011 PARIS", "FRANCE"], []),
        (["M DUPONT", "10 RUE DES LILAS", "75544 PARIS", "CEDEX"], ["no_postal_line"]),
        (
            ["SIE PARIS", "10 RUE DES LILAS", "75011 PARIS", "SERVICE CONTENTIEUX"],
            ["no_postal_line"],
        ),
        (["HERR MULLER", "HAUPTSTRASSE 5", "D-10115 BERLIN", "ALLEMAGNE"], []),
        (["M", "X" * 40], ["too_few_lines", "line_too_long", "no_postal_line"]),
    ],
)
def test_the_line_rules(lines, found):
    assert [fault["problem"] for fault in layout_faults(lines, **LIMITS)] == found


def test_line_limits_are_parameters():
    assert layout_faults(["M DUPONT", "75011 PARIS"], **{**LIMITS, "min_lines": 2}) == []
    long = ["M DUPONT", "X" * 40, "75011 PARIS"]
    assert layout_faults(long, **{**LIMITS, "max_chars": 40}) == []


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["M DUPONT", "BAT A", "10 RUE DES LILAS", "BP 12", "75700 PARIS CEDEX 07"],
            PostalAddress(
                name="M DUPONT",
                line2="BAT A",
                line3="10 RUE DES LILAS",
                line4="BP 12",
                zip_code="75700",
                town="PARIS CEDEX 07",
            ),
        ),
        (
            ["MR SMITH", "10 DOWNING STREET", "SW1A 2AA LONDON", "ROYAUME-UNI"],
            PostalAddress(
                name="MR SMITH",
                line2="10 DOWNING STREET",
                zip_code="SW1A 2AA",
                town="LONDON",
                country="ROYAUME-UNI",
            ),
        ),
        (
            ["MME DURAND", "1 PLACE DU MARCHE", "97400 SAINT-DENIS", "FRANCE"],
            PostalAddress(
                name="MME DURAND", line2="1 PLACE DU MARCHE", zip_code="97400", town="SAINT-DENIS"
            ),
        ),
        (["M DUPONT", "10 RUE DES LILAS", "PARIS"], None),
        (["M DUPONT"] + ["LIGNE"] * 5 + ["75011 PARIS"], None),
    ],
)
def test_a_block_is_split_into_the_fields_lrar_needs(lines, expected):
    assert from_lines(lines) == expected


@pytest.mark.parametrize(
    "lines",
    [
        ("SARL MARTIN ET FILS", "SERVICE COMPTABILITE", "MADAME CLAIRE MARTIN", "BATIMENT B",
         "12 RUE DES LILAS", "69002 LYON"),
        ("MR SMITH", "10 DOWNING STREET", "SW1A 2AA LONDON", "ROYAUME-UNI"),
        ("M DUPONT", "10 RUE DES LILAS", "75011 PARIS"),
    ],
)  # fmt: skip
def test_the_fields_give_back_the_lines_the_letter_shows(lines):
    address = from_lines(lines)
    assert address is not None and address.lines() == lines
    assert address.name == lines[0]


def test_the_api_object_leaves_out_empty_lines_and_an_empty_country():
    address = PostalAddress(name="M DUPONT", line4="2 RUE DES LILAS", zip_code="69001", town="LYON")
    assert address.to_json() == {
        "name": "M DUPONT",
        "line4": "2 RUE DES LILAS",
        "zipCode": "69001",
        "town": "LYON",
    }
    abroad = PostalAddress(name="MR SMITH", town="LONDON", country="ROYAUME-UNI")
    assert abroad.to_json()["country"] == "ROYAUME-UNI"
