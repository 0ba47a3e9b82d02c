"""The PDF factory itself: its letters are what the other tests rely on."""

import io

from pypdf import PdfReader

from tests.fixtures.pdfs import DEFAULT_ADDRESS, make_letter, make_letters


def test_a_letter_is_a4_portrait_with_its_address_on_the_first_page():
    reader = PdfReader(io.BytesIO(make_letter(pages=2)))
    assert len(reader.pages) == 2
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    first, second = (page.extract_text() for page in reader.pages)
    assert all(line in first for line in DEFAULT_ADDRESS)
    assert DEFAULT_ADDRESS[0] not in second


def test_several_letters_share_one_file():
    reader = PdfReader(io.BytesIO(make_letters(3, 2)))
    texts = [page.extract_text() for page in reader.pages]
    assert [DEFAULT_ADDRESS[0] in text for text in texts] == [True, False] * 3


def test_the_drawing_font_is_embedded_unless_asked_otherwise():
    def base_fonts(data: bytes) -> set[str]:
        fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
        return {
            str(font.get_object()["/BaseFont"])
            for font in fonts.values()
            if "/FontDescriptor" in font.get_object()
        }

    assert any("Vera" in name for name in base_fonts(make_letter()))
    assert base_fonts(make_letter(embed_fonts=False)) == set()
