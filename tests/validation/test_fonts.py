"""fonts_not_embedded: only fonts that draw visible text count."""

import io

from pypdf import PdfReader

from imprimfip.config.rules import ValidationRules
from imprimfip.validation.check import check_pdf
from imprimfip.validation.content import is_embedded
from imprimfip.validation.fontwalk import font_name
from tests.fixtures import pdfs
from tests.fixtures.rules import rules_of

RULES = ValidationRules()


def font_findings(data, rules=RULES):
    return [f for f in check_pdf(data, rules).findings if f.code == "fonts_not_embedded"]


def test_standard_fonts_that_draw_text_are_not_embedded():
    data = pdfs.join(pdfs.make_letter(), pdfs.make_letter(pages=2, embed_fonts=False))
    [finding] = font_findings(data)
    assert finding.severity == "error"
    assert finding.details == {"fonts": ["Helvetica"], "pages": [2, 3]}
    assert finding.page == 2
    assert "Helvetica" in finding.message
    assert "incorporer les polices" in finding.message


def test_a_font_only_declared_never_raises_it():
    # reportlab also selects Helvetica at the top of every page without drawing with it.
    assert font_findings(pdfs.make_with_unused_font()) == []
    assert font_findings(pdfs.make_letter()) == []


def test_invisible_text_such_as_an_ocr_layer_needs_no_embedded_font():
    assert font_findings(pdfs.make_letter(extra=pdfs.draw_invisible("TEXTE RECONNU"))) == []


def test_text_drawn_inside_a_form_xobject_counts():
    [finding] = font_findings(pdfs.make_letter(extra=pdfs.draw_in_form("Pied de page")))
    assert finding.details["fonts"] == ["Helvetica"]


def test_an_embedded_font_in_a_form_is_fine():
    assert font_findings(pdfs.make_letter(extra=pdfs.draw_in_form("Pied", pdfs.FONT))) == []


def test_the_subset_tag_is_dropped_from_the_name_and_embedding_is_seen():
    reader = PdfReader(io.BytesIO(pdfs.make_letter()))
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    names = {font_name(f): is_embedded(f) for f in fonts}
    # reportlab writes the subset as "AAAAAA+BitstreamVeraSans-Roman".
    assert names == {"Helvetica": False, "BitstreamVeraSans-Roman": True}


def test_the_rule_can_be_a_warning():
    rules = rules_of(severity={"fonts_not_embedded": "warning"})
    report = check_pdf(pdfs.make_letter(embed_fonts=False), rules)
    assert report.ok
    assert [f.severity for f in report.findings] == ["warning"]


def test_a_form_that_draws_itself_is_too_complex_not_a_hang():
    [finding] = check_pdf(pdfs.make_recursive_form(calls=10), RULES).findings
    assert (finding.code, finding.details["reason"]) == ("too_complex", "limit")
