"""The address block read as a block: whole, or refused; never cut to the part in the window.

Letters drawn here at the window's edges; `test_template_letters.py` does the same with
letters from real templates.
"""

import pytest
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from imprimfip.config.rules import ValidationRules
from imprimfip.validation.check import check_pdf
from tests.fixtures import pdfs

RULES = ValidationRules()
SIX = (
    "SARL MARTIN ET FILS",
    "SERVICE COMPTABILITE",
    "MADAME CLAIRE MARTIN",
    "BATIMENT B",
    "12 RUE DES LILAS",
    "69002 LYON",
)
FOUR = ("MADAME CLAIRE MARTIN", "APPARTEMENT 12", "12 RUE DES LILAS", "75011 PARIS")


def letter(lines=FOUR, *, at=(110.0, 60.0), size=10, pitch=None, extra=None):
    pitch = pitch if pitch is not None else size * 0.45
    return pdfs.make_letter(
        address_lines=lines,
        address_origin_mm=at,
        address_size=size,
        address_pitch_mm=pitch,
        extra=extra,
    )


def read(data, rules=RULES):
    return check_pdf(data, rules, want_address=True)


def faults(report):
    return [
        (fault["problem"], fault.get("side"))
        for finding in report.findings
        if finding.code == "address_block"
        for fault in finding.details["faults"]
    ]


def shown(report):
    return None if report.address is None else list(report.address.lines())


def test_a_six_line_address_at_12_pt_starting_above_the_window_is_refused_not_cut():
    # Its first baseline at 49.7 mm, as KOMA-Script's NF.lco puts it: the capitals of
    # "SARL MARTIN ET FILS" reach 46.6 mm, above the window's top (50 mm).
    report = read(letter(SIX, at=(110.0, 49.7), size=12))
    assert not report.ok
    assert faults(report) == [("outside", "top")]
    [finding] = report.errors
    assert "SARL MARTIN ET FILS" in finding.message
    assert "dépasse" in finding.message
    assert shown(report) in (None, list(SIX))


def test_an_address_whose_capitals_start_just_inside_the_top_edge_is_read_whole():
    report = read(letter(SIX, at=(110.0, 53.6), size=12))
    assert report.ok, [f.message for f in report.findings]
    assert shown(report) == list(SIX)


def test_an_address_running_below_the_window_is_refused_not_cut():
    report = read(letter(SIX, at=(110.0, 70.0), size=12))
    assert faults(report) == [("outside", "bottom")]
    assert "69002 LYON" in report.errors[0].message
    assert shown(report) in (None, list(SIX))


def test_an_address_starting_left_of_the_window_is_refused():
    report = read(letter(at=(84.0, 60.0)))
    assert faults(report) == [("outside", "left")]


def test_an_address_running_past_the_right_edge_is_refused():
    lines = ("MADAME CLAIRE MARTIN", "RESIDENCE DES GRANDS CHENES BAT B", "75011 PARIS")
    report = read(letter(lines, at=(150.0, 60.0), size=12))
    assert faults(report) == [("outside", "right")]


def test_an_address_well_inside_the_window_is_read_whole():
    report = read(letter())
    assert report.ok
    assert shown(report) == list(FOUR)


@pytest.mark.parametrize(
    ("text", "pitches"),
    [
        ("V/Réf. : DOSSIER 2024-118", 2),  # after a blank line
        ("N/Réf : 2024/118", 1),  # on the very next line
        ("Objet : relance de votre dossier", 1),
        ("Lyon, le 3 mars 2025", 2),
    ],
)
def test_a_reference_or_a_date_under_the_address_is_not_taken_for_its_last_line(text, pitches):
    baseline = 60.0 + (len(FOUR) - 1 + pitches) * 4.5
    report = read(letter(extra=pdfs.draw_text(text, (110.0, baseline))))
    assert report.ok, [f.message for f in report.findings]
    assert shown(report) == list(FOUR)


def test_a_line_not_aligned_with_the_address_is_not_part_of_it():
    date = pdfs.draw_text("LE 3 MARS 2025", (150.0, 60.0 + 5 * 4.5))
    report = read(letter(extra=date))
    assert report.ok
    assert shown(report) == list(FOUR)


def test_text_beside_the_address_on_the_same_line_is_not_glued_to_it():
    beside = pdfs.draw_text("PAGE 1/2", (175.0, 60.0))
    report = read(letter(extra=beside))
    assert shown(report) == list(FOUR)


def test_an_address_split_by_a_blank_line_is_refused_rather_than_sent_without_its_name():
    lines = ("MADAME CLAIRE MARTIN",)
    rest = FOUR[1:]
    extra = pdfs.draw_all(
        *(pdfs.draw_text(line, (110.0, 69.0 + index * 4.5)) for index, line in enumerate(rest))
    )
    report = read(letter(lines, extra=extra))
    assert not report.ok
    assert ("split", None) in faults(report)
    assert "MADAME CLAIRE MARTIN" in report.errors[0].message


def test_the_sender_line_in_small_print_above_the_address_is_not_its_first_line():
    sender = pdfs.draw_text("DDFIP DU RHONE - 3 RUE DE LA CHARITE - 69002 LYON", (110.0, 54.0), 7)
    report = read(letter(at=(110.0, 60.0), extra=sender))
    assert shown(report) == list(FOUR)


def test_one_address_zone_gives_one_finding_listing_its_faults():
    lines = ("M DUPONT", "RESIDENCE DES GRANDS CHENES BATIMENT B ESCALIER", "PARIS")
    report = read(letter(lines, at=(92.0, 60.0), size=8))
    [finding] = [f for f in report.findings if f.code == "address_block"]
    assert [fault["problem"] for fault in finding.details["faults"]] == [
        "line_too_long",
        "no_postal_line",
    ]
    assert finding.message.count("fenêtre de l'enveloppe") == 1


def condensed(lines, at=(110.0, 60.0), scale=60):
    """An `extra` writing `lines` 4.5 mm apart, squeezed to `scale` % of their width (Tz)."""

    def draw(canvas):
        canvas.saveState()
        text = canvas.beginText(at[0] * mm, (297 - at[1]) * mm)
        text.setFont(pdfs.FONT, 10)
        text.setHorizScale(scale)
        text.setLeading(4.5 * mm)
        for line in lines:
            text.textLine(line)
        canvas.drawText(text)
        canvas.restoreState()

    return draw


def test_a_name_squeezed_narrower_is_still_the_first_line_of_the_address():
    # Horizontal scaling makes glyphs narrower, not smaller: the name keeps its place.
    report = read(letter(("", *FOUR[1:]), extra=condensed(FOUR[:1])))
    assert report.ok, [f.message for f in report.findings]
    assert shown(report) == list(FOUR)


def test_an_address_squeezed_narrower_is_read_whole():
    report = read(letter((), extra=condensed(FOUR)))
    assert report.ok, [f.message for f in report.findings]
    assert shown(report) == list(FOUR)


def test_a_line_passing_the_right_edge_is_refused_though_its_last_glyph_is_back_inside():
    """Its extent is every glyph's, not its first and last ones' (a TJ can move back)."""

    def passing(canvas):
        # Helvetica, whose codes are plain ASCII (not embedded: that is reported too).
        canvas.setFont("Helvetica", 10)
        canvas.drawString(0, 0, "")
        name = canvas._doc.getInternalFontName("Helvetica")
        canvas._code.append(
            f"BT {name} 10 Tf 1 0 0 1 {110 * mm:.3f} {237 * mm:.3f} Tm "
            "[(MADAME WWWWWWWWWWWWWWWWWWWWWWW) 20000 (X)] TJ ET"
        )

    report = read(letter(("", *FOUR[1:]), extra=passing))
    assert ("outside", "right") in faults(report)
    assert not report.ok


@pytest.mark.parametrize("size", [13, 7.5])
def test_a_name_in_another_size_than_the_rest_is_refused_not_left_out(size):
    """Left out of the block for its size, the name would let line 2 go as the name."""
    name = pdfs.draw_text(FOUR[0], (110.0, 60.0), size)
    report = read(letter(("", *FOUR[1:]), extra=name))
    assert not report.ok
    assert ("mixed_sizes", None) in faults(report)
    assert FOUR[0] in report.errors[0].message


def test_a_country_line_in_smaller_print_under_the_address_is_refused_not_left_out():
    abroad = ("MONSIEUR HANS MULLER", "FRIEDRICHSTRASSE 12", "10117 BERLIN")
    country = pdfs.draw_text("ALLEMAGNE", (110.0, 60.0 + 3 * 4.5), 7.5)
    report = read(letter(abroad, extra=country))
    assert not report.ok
    assert ("mixed_sizes", None) in faults(report)


def hidden(how, text="MONSIEUR JEAN MARTIN", at=(110.0, 55.5)):
    """An `extra` writing `text` where it prints nothing: `how` is "invisible" (render mode
    3), "white", "clipped" (clipped away) or "covered" (by a white rectangle)."""

    def draw(canvas):
        x, y = at[0] * mm, (297 - at[1]) * mm
        canvas.saveState()
        if how == "clipped":
            path = canvas.beginPath()
            path.rect(0, 0, 1, 1)
            canvas.clipPath(path, stroke=0, fill=0)
        if how == "white":
            canvas.setFillColorRGB(1, 1, 1)
        line = canvas.beginText(x, y)
        line.setFont(pdfs.FONT, 10)
        line.setTextRenderMode(3 if how == "invisible" else 0)
        line.textOut(text)
        canvas.drawText(line)
        if how == "covered":
            canvas.setFillColorRGB(1, 1, 1)
            canvas.rect(x - 2 * mm, y - 2 * mm, 120 * mm, 6 * mm, fill=1, stroke=0)
        canvas.restoreState()

    return draw


@pytest.mark.parametrize("how", ["invisible", "white", "clipped", "covered"])
def test_a_name_the_letter_does_not_print_is_not_taken_for_the_recipient(how):
    """Hidden one line above the name, it would be the first line of the block."""
    report = read(letter(extra=hidden(how)))
    assert shown(report) == list(FOUR)
    assert "address_block" not in [f.code for f in report.findings]


def test_a_word_the_letter_does_not_print_is_not_added_to_the_name():
    name_mm = stringWidth(FOUR[0], pdfs.FONT, 10) / mm
    after = hidden("invisible", " ET FILS", at=(110.0 + name_mm, 60.0))
    report = read(letter(extra=after))
    assert shown(report) == list(FOUR)


def test_an_address_printed_nowhere_is_refused_as_empty():
    lines = [hidden("invisible", line, (110.0, 60.0 + i * 4.5)) for i, line in enumerate(FOUR)]
    report = read(letter((), extra=pdfs.draw_all(*lines)))
    assert ("empty", None) in faults(report)
    assert report.address is None


def test_a_scanned_address_under_its_recognised_text_is_read():
    """A scanner's character recognition lays invisible text over the picture of the text:
    that text is what the letter shows (here the picture is a black bar under each line)."""

    def scanned(canvas):
        for index, line in enumerate(FOUR):
            width = stringWidth(line, pdfs.FONT, 10)
            canvas.rect(110 * mm, (297 - 60 - index * 4.5) * mm, width, 2 * mm, fill=1)
        for index, line in enumerate(FOUR):
            hidden("invisible", line, (110.0, 60.0 + index * 4.5))(canvas)

    report = read(letter((), extra=scanned))
    assert shown(report) == list(FOUR)
    assert report.ok, [f.message for f in report.findings]


@pytest.mark.parametrize("word_by_word", [False, True])
def test_pale_type_drawn_piece_by_piece_loses_no_letter(word_by_word):
    """Glyph by glyph, a thin pale I or L puts almost no ink on the window's picture: the
    line shows, so all of it is read."""

    def pale(canvas):
        canvas.saveState()
        canvas.setFillGray(0.75)
        canvas.setFont(pdfs.FONT, 9)
        for index, line in enumerate(SIX):
            x, y = 110 * mm, (297 - 60 - index * 4.05) * mm
            for piece in line.split(" ") if word_by_word else line:
                canvas.drawString(x, y, piece)
                x += stringWidth(piece + (" " if word_by_word else ""), pdfs.FONT, 9)
        canvas.restoreState()

    report = read(letter((), extra=pale))
    assert shown(report) == list(SIX)


@pytest.mark.parametrize("above_mm", [2.5, 3.5, 4.5])
def test_a_sender_line_in_small_print_flush_with_the_address_is_not_part_of_it(above_mm):
    sender = pdfs.draw_text(pdfs.SENDER, (110.0, 60.0 - above_mm), 7)
    report = read(letter(extra=sender))
    assert report.ok, [f.message for f in report.findings]
    assert shown(report) == list(FOUR)


@pytest.mark.parametrize(
    "mention", ["CONFIDENTIEL", "PERSONNEL ET CONFIDENTIEL", "LR/AR", "PAR LETTRE RECOMMANDEE"]
)
@pytest.mark.parametrize("size", [8, 10])
def test_a_mention_above_the_address_is_neither_its_name_nor_a_reason_to_refuse(mention, size):
    report = read(letter(extra=pdfs.draw_text(mention, (110.0, 55.5), size)))
    assert report.ok, [f.message for f in report.findings]
    assert shown(report) == list(FOUR)


@pytest.mark.parametrize("name", ["REFERENCE IMMOBILIER", "TEL ET COM SARL", "P.J. MARTIN"])
def test_a_name_starting_like_a_label_is_the_name(name):
    report = read(letter((name, *FOUR[1:])))
    assert report.ok, [f.message for f in report.findings]
    assert shown(report) == [name, *FOUR[1:]]


def test_a_service_line_in_small_print_under_the_address_is_not_part_of_it():
    service = pdfs.draw_text("SIP LYON 3", (110.0, 60.0 + 3 * 4.5 + 4.0), 8)
    report = read(letter(extra=service))
    assert report.ok, [f.message for f in report.findings]
    assert shown(report) == list(FOUR)


def test_a_date_just_after_the_name_on_its_line_does_not_make_line_2_the_name():
    date = pdfs.draw_text("Lyon, le 3 mars 2025", (110.0 + 50.0, 60.0), 10)
    report = read(letter(extra=date))
    assert report.address is None or report.address.name != FOUR[1]
    assert not report.ok


def beside(line_index, text, gap_mm=5.0):
    """An `extra` writing `text` `gap_mm` after line `line_index` of FOUR, on its baseline."""
    left = 110.0 + stringWidth(FOUR[line_index], pdfs.FONT, 10) / mm + gap_mm
    return pdfs.draw_text(text, (left, 60.0 + line_index * 4.5))


@pytest.mark.parametrize(
    ("line_index", "text"), [(0, "LE 3 MARS"), (0, "N° 4521"), (1, "DOSSIER 45"), (3, "LE 2/12")]
)
def test_text_of_another_column_close_to_an_address_line_is_not_glued_to_it(line_index, text):
    """A table's next cell can start 4 mm after a name that fills its own cell."""
    report = read(letter(extra=beside(line_index, text)))
    assert not report.ok
    assert ("glued", None) in faults(report)


def test_words_set_a_space_apart_in_separate_strings_are_one_line():
    report = read(letter(extra=beside(0, "FILS", gap_mm=1.0)))
    assert ("glued", None) not in faults(report)


def test_a_second_address_in_the_window_is_refused_rather_than_guessed():
    copy = ("COPIE A MAITRE DURAND", "3 PLACE BELLECOUR", "69002 LYON")
    extra = pdfs.draw_all(
        *(pdfs.draw_text(line, (115.0, 79.0 + i * 4.5)) for i, line in enumerate(copy))
    )
    report = read(letter(FOUR[:1] + FOUR[2:], extra=extra))
    assert not report.ok
    assert ("two_addresses", None) in faults(report)


def test_recognised_text_shifted_over_the_printed_address_is_not_added_to_it():
    """A scanner's invisible layer with a misread character, half a millimetre off."""
    misread = ("MADAME CLAlRE MARTIN", *FOUR[1:])
    layer = pdfs.draw_all(
        *(hidden("invisible", line, (110.5, 60.0 + i * 4.5)) for i, line in enumerate(misread))
    )
    report = read(letter(extra=layer))
    assert report.ok, [f.message for f in report.findings]
    assert shown(report) == list(FOUR)


def test_a_date_beside_a_short_name_does_not_make_line_2_the_name():
    """'JEAN MARTIN' then 'Lyon, le 3 mars 2025' 3 mm further on reads as a date line."""
    lines = ("JEAN MARTIN", *FOUR[1:])
    left = 110.0 + stringWidth(lines[0], pdfs.FONT, 10) / mm + 3.0
    report = read(letter(lines, extra=pdfs.draw_text("Lyon, le 3 mars 2025", (left, 60.0))))
    assert not report.ok
    assert ("glued", None) in faults(report)
