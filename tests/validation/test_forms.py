"""Form fields and annotations print: they are checked like the page's own content."""

from __future__ import annotations

from dataclasses import replace

from imprimfip.config.rules import ValidationRules
from imprimfip.validation import messages_fr
from imprimfip.validation.check import check_pdf
from tests.fixtures.annotated import HIDDEN, PRINT, make_filled_form, make_stamped
from tests.fixtures.pdfs import make_letter


def findings(data: bytes) -> dict[str, dict]:
    report = check_pdf(data, ValidationRules())
    return {f.code: dict(f.details) for f in report.findings}


def test_a_filled_form_in_helvetica_is_caught_by_the_fonts_rule():
    """The field's value prints through its appearance, in Helvetica that is not embedded."""
    report = check_pdf(make_filled_form(), ValidationRules())
    fonts = [f for f in report.findings if f.code == "fonts_not_embedded"]
    assert [f.details["fonts"] for f in fonts] == [["Helvetica"]]
    assert fonts[0].severity == "error" and fonts[0].page == 1
    assert "champs de formulaire" in fonts[0].message


def test_a_form_with_live_fields_is_asked_to_be_flattened():
    report = check_pdf(make_filled_form(), ValidationRules())
    [form] = [f for f in report.findings if f.code == "form_not_flattened"]
    assert form.severity == "error"
    assert form.details == {"fields": 1, "pages": [1]}
    assert "aplatissez" in form.message.lower() and "Imprimer" not in form.message
    assert "Microsoft Print to PDF" in form.message


def test_a_printable_annotation_is_checked_for_fonts():
    found = findings(make_stamped())
    assert found["fonts_not_embedded"]["fonts"] == ["Helvetica"]
    assert "form_not_flattened" not in found, "a stamp is not a form field"


def test_annotations_that_do_not_print_are_not_checked():
    assert findings(make_stamped(flags=0)) == {}
    assert findings(make_stamped(flags=PRINT | HIDDEN)) == {}


def test_fonts_of_the_page_and_of_its_annotations_are_told_apart():
    """Fixing the page's fonts and flattening the fields are two different things to do."""
    data = make_stamped(data=make_letter(embed_fonts=False))
    report = check_pdf(data, ValidationRules())
    fonts = [f for f in report.findings if f.code == "fonts_not_embedded"]
    assert [bool(f.details.get("in_annotations")) for f in fonts] == [False, True]


def test_both_findings_follow_their_configured_severity():
    severity = replace(
        ValidationRules().severity, form_not_flattened="warning", fonts_not_embedded="off"
    )
    report = check_pdf(make_filled_form(), ValidationRules(severity=severity))
    assert [(f.code, f.severity) for f in report.findings] == [("form_not_flattened", "warning")]
    assert report.ok


def test_the_catalogue_speaks_of_one_field_or_several():
    one = messages_fr.message("form_not_flattened", 1, {"fields": 1, "pages": [1]})
    many = messages_fr.message("form_not_flattened", 1, {"fields": 4, "pages": [1, 2]})
    assert "un champ de formulaire" in one and "4 champs" in many and "pages 1 et 2" in many
