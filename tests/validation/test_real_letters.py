"""The default rules on letters made by other people's tools: LibreOffice letters
(tests/fixtures/libreoffice) and the sample letters shipped with the package."""

from __future__ import annotations

from pathlib import Path

import pytest

import imprimfip.service
from imprimfip.config.rules import ValidationRules
from imprimfip.validation.check import check_pdf

LIBREOFFICE = Path(__file__).parents[1] / "fixtures" / "libreoffice"
SAMPLES = Path(imprimfip.service.__file__).parent / "samples"
INK_AND_FORMS = {"window_clutter", "address_near_edge", "reserved_zone_ink", "form_not_flattened"}


def findings(path: Path) -> dict[str, dict]:
    report = check_pdf(path.read_bytes(), ValidationRules())
    return {f.code: dict(f.details) for f in report.findings}


@pytest.mark.parametrize("name", ["lettre-exemple.pdf", "recommande-exemple.pdf"])
def test_the_shipped_sample_letters_pass_the_ink_checks(name):
    report = check_pdf((SAMPLES / name).read_bytes(), ValidationRules())
    assert report.ok
    assert not {f.code for f in report.findings} & INK_AND_FORMS


def test_an_ordinary_libreoffice_letter_has_no_finding():
    assert findings(LIBREOFFICE / "lettre-ordinaire.pdf") == {}


def test_a_header_logo_and_rule_are_not_in_the_window():
    assert set(findings(LIBREOFFICE / "lettre-logo-minuscules.pdf")) == {
        "address_lowercase",
        "address_accents",
    }


def test_a_code_printed_in_the_window_is_clutter():
    found = findings(LIBREOFFICE / "lettre-code-dans-fenetre.pdf")
    assert set(found) == {"window_clutter"}
    [box] = found["window_clutter"]["boxes"]
    assert box == pytest.approx([176, 74, 190, 88], abs=1)


def test_a_band_bled_to_the_edge_is_in_the_printer_s_margin():
    found = findings(LIBREOFFICE / "lettre-bandeau-bord.pdf")
    assert set(found) == {"reserved_zone_ink"}
    assert [0, 292, 210, 297] in found["reserved_zone_ink"]["zones"]
