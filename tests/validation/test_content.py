"""Page content read once: each content stream parsed by pypdf at most once, for the fonts
check (the address is read by PDFium), each form XObject once per file, and PDFium's survey
agreeing with pypdf's walk."""

import io
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf.generic import ContentStream
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

import imprimfip.service
from imprimfip.config.rules import ValidationRules
from imprimfip.validation import address, fonts, fontwalk
from imprimfip.validation.check import check_pdf
from imprimfip.validation.document import open_pdf
from tests.fixtures import pdfs

RULES = ValidationRules()
FIXTURES = Path(__file__).parents[1] / "fixtures"
SAMPLES = Path(imprimfip.service.__file__).parent / "samples"
REAL_FILES = sorted(
    path
    for path in [
        *(FIXTURES / "letters" / "pdf").glob("*.pdf"),
        *(FIXTURES / "libreoffice").glob("*.pdf"),
        *SAMPLES.glob("*.pdf"),
    ]
    if b"%PDF-" in path.read_bytes()[:1024]  # one sample is a Word file renamed .pdf
)


def letterhead_on_every_page(pages: int) -> bytes:
    """`pages` pages, each drawing one form XObject (a footer in Helvetica, not embedded)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.beginForm("footer")
    canvas.setFont("Helvetica", 8)
    canvas.drawString(20 * mm, 10 * mm, "DDFIP DU RHONE")
    canvas.endForm()
    for _ in range(pages):
        canvas.doForm("footer")
        canvas.setFont(pdfs.FONT, 11)
        canvas.drawString(20 * mm, 150 * mm, "Madame,")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture
def parses(monkeypatch):
    """How many times pypdf parsed a content stream (pages and forms alike)."""
    count = [0]
    parse = ContentStream._parse_content_stream

    def counted(self, stream):
        count[0] += 1
        return parse(self, stream)

    monkeypatch.setattr(ContentStream, "_parse_content_stream", counted)
    return count


def test_a_form_drawn_on_100_pages_is_parsed_once():
    doc = open_pdf(letterhead_on_every_page(100))
    [problem] = fonts.fonts_rule(doc, RULES)
    assert problem.details == {"fonts": ["Helvetica"], "pages": list(range(1, 101))}
    assert doc.content.form_parses == 1


def test_a_page_is_parsed_once_for_its_fonts_and_its_address(parses):
    report = check_pdf(pdfs.make_letter(embed_fonts=False), RULES, want_address=True)
    assert {f.code for f in report.findings} == {"fonts_not_embedded"}
    assert report.address is not None and report.address.name == "MADAME CLAIRE DUPONT"
    assert parses[0] == 1


def test_pages_with_only_embedded_fonts_drawing_are_not_parsed_by_pypdf(parses):
    # reportlab declares Helvetica on every page; the address is read by PDFium.
    report = check_pdf(pdfs.make_letter(pages=30), RULES)
    assert report.ok and not report.findings
    assert parses[0] == 0


GENERATED = {
    "unembedded, 3 pages": lambda: pdfs.make_letter(pages=3, embed_fonts=False),
    "in a form, page 2": lambda: pdfs.join(
        pdfs.make_letter(), pdfs.make_letter(extra=pdfs.draw_in_form("Pied de page"))
    ),
    "invisible": lambda: pdfs.make_letter(pages=2, extra=pdfs.draw_invisible("OCR")),
    "declared only": pdfs.make_with_unused_font,
    "letterhead form": lambda: letterhead_on_every_page(3),
}


def test_each_letter_s_first_page_is_parsed_once_and_its_parse_not_kept(parses):
    doc = open_pdf(pdfs.make_letters(5, 2, embed_fonts=False))
    rules = replace(RULES, pages_per_letter=2)
    [fonts_problem] = fonts.fonts_rule(doc, rules)
    assert fonts_problem.details["pages"] == list(range(1, 11))
    assert list(address.address_rule(doc, rules)) == []
    assert parses[0] == 10
    kept = [isinstance(page.get("/Contents"), ContentStream) for page in doc.reader.pages]
    assert kept == [False] * 10


@pytest.mark.parametrize(
    "data",
    [*(path.read_bytes for path in REAL_FILES), *GENERATED.values()],
    ids=[*(path.name for path in REAL_FILES), *GENERATED],
)
def test_the_survey_clears_only_pages_pypdf_also_clears(data):
    """The fonts check, reading with pypdf only the pages PDFium's survey cannot clear,
    finds what pypdf's walk over every page finds."""
    doc = open_pdf(data())
    walked = [fontwalk.unembedded_fonts_drawing(page, doc.content) for page in doc.reader.pages]
    expected = sorted({name for names in walked for name in names})
    found = list(fonts.fonts_rule(doc, RULES))
    assert [p.details["fonts"] for p in found] == ([expected] if expected else [])
