"""The French catalogue: every code has its text, and each text says what to do."""

import pytest

from imprimfip.config.rules import ALL_CODES, CONFIGURABLE_CODES
from imprimfip.validation import messages_fr
from imprimfip.validation.picture import LAYOUT_CODES

SAMPLE_DETAILS = {
    "not_pdf": {"kind": "html"},
    "damaged": {"error": "PdfReadError: startxref not found"},
    "encrypted": {"password_required": True},
    "no_pages": {},
    "too_complex": {"reason": "time", "limit_s": 30},
    "too_many_pages": {"pages": 250, "max_pages": 200},
    "file_too_large": {"size_mb": 61.25, "max_mb": 50.0},
    "page_size": {"pages": [3], "width_mm": 216, "height_mm": 279, "format": "Letter"},
    "orientation": {"pages": [1, 2], "width_mm": 297, "height_mm": 210},
    "fonts_not_embedded": {"fonts": ["Arial"], "pages": [1]},
    "address_block": {"zone": [90, 50, 197, 92], "lines": [], "faults": [{"problem": "empty"}]},
    "address_lowercase": {"lines": ["Mme Dupont"]},
    "address_accents": {"lines": ["HÉLÈNE"]},
    "window_clutter": {"zone": [90, 50, 197, 92], "boxes": [[150, 76, 180, 85]], "area_mm2": 260},
    "address_near_edge": {
        "zone": [90, 50, 197, 92],
        "box": [91, 57, 137, 74],
        "side": "left",
        "distance_mm": 1.0,
        "min_mm": 3.0,
    },
    "reserved_zone_ink": {"pages": [1, 2], "boxes": [[0, 0, 210, 3.5]], "zones": [[0, 0, 210, 5]]},
    "form_not_flattened": {"fields": 3, "pages": [1]},
}


def test_every_code_has_a_message_in_the_catalogue():
    assert set(messages_fr.CATALOGUE) == set(ALL_CODES)
    assert set(SAMPLE_DETAILS) == set(ALL_CODES)


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_message_is_french_and_says_what_to_do(code):
    text = messages_fr.message(code, 1, SAMPLE_DETAILS[code])
    assert text.endswith(".")
    verbs = ("redéposez", "réexportez", "corrigez", "déposez-les", "éloignez", "aplatissez")
    verbs += ("ne laissez",)
    assert any(verb in text.lower() for verb in verbs)
    assert "{" not in text and "None" not in text


FAULTS = [
    {"problem": "empty"},
    {"problem": "too_few_lines", "count": 2, "min": 3, "max": 6},
    {"problem": "too_many_lines", "count": 7, "min": 3, "max": 6},
    {"problem": "line_too_long", "line": "X", "length": 41, "max": 38},
    {"problem": "no_postal_line", "line": "PARIS"},
    {"problem": "outside", "side": "top", "by_mm": 3.3, "line": "SARL MARTIN ET FILS"},
    {"problem": "outside", "side": "bottom", "by_mm": 1.2, "line": "69002 LYON"},
    {"problem": "outside", "side": "left", "by_mm": 6.0, "line": "X"},
    {"problem": "outside", "side": "right", "by_mm": 4.5, "line": "X"},
    {"problem": "split", "detached": ["MADAME CLAIRE MARTIN"]},
]


def address(*faults):
    details = {"zone": [90, 50, 197, 92], "lines": ["X"], "faults": list(faults)}
    return messages_fr.message("address_block", 2, details)


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f"{f['problem']}-{f.get('side', '')}")
def test_every_address_fault_has_its_own_sentence(fault):
    text = address(fault)
    assert text.startswith("Page 2, bloc adresse (la zone de la fenêtre de l'enveloppe")
    assert text.endswith("Corrigez l'adresse du destinataire dans le modèle de courrier, puis "
                         "redéposez-le.")  # fmt: skip
    others = [address(other) for other in FAULTS if other != fault]
    assert text not in others


def test_a_block_that_sticks_out_says_by_how_much_and_which_line():
    text = address(FAULTS[5])
    assert "« SARL MARTIN ET FILS » dépasse du haut de la fenêtre de 3,3 mm" in text
    assert "descendez le bloc adresse" in text


def test_one_zone_with_several_faults_is_one_sentence_naming_the_zone_once():
    text = address(FAULTS[1], FAULTS[3], FAULTS[4])
    assert text.count("fenêtre de l'enveloppe") == 1
    assert "2 lignes" in text and "41 caractères" in text and "« PARIS »" in text


@pytest.mark.parametrize("code", CONFIGURABLE_CODES)
def test_a_warning_says_the_letter_is_sent_anyway_and_never_to_send_it_again(code):
    text = messages_fr.message(code, 1, SAMPLE_DETAILS[code], "warning")
    assert "le courrier est envoyé quand même" in text
    assert "pour les prochains courriers" in text.lower()
    assert "redéposez" not in text and "Corrigez" not in text and "déposez ce PDF" not in text


def test_fonts_in_form_fields_are_told_to_be_flattened():
    details = {"fonts": ["Helvetica"], "pages": [1], "in_annotations": True}
    text = messages_fr.message("fonts_not_embedded", 1, details)
    assert "champs de formulaire" in text and "Helvetica" in text
    assert "aplatissez le formulaire" in text and text.endswith("puis déposez ce PDF.")
    warning = messages_fr.message("fonts_not_embedded", 1, details, "warning")
    assert "pour les prochains courriers, aplatissez le formulaire" in warning
    assert "déposez ce PDF" not in warning


@pytest.mark.parametrize(
    ("distance", "words"), [(1.0, "n'est qu'à 1,0 mm"), (-2.5, "dépasse de 2,5 mm")]
)
def test_an_address_at_the_edge_says_how_far_from_which_edge(distance, words):
    details = dict(SAMPLE_DETAILS["address_near_edge"], distance_mm=distance, side="top")
    text = messages_fr.message("address_near_edge", 1, details)
    assert words in text and "bord du haut" in text and "au moins 3 mm" in text


def test_the_sizes_are_spelled_out_in_the_message():
    text = messages_fr.message("file_too_large", None, SAMPLE_DETAILS["file_too_large"])
    assert "61.2 Mo" in text or "61.3 Mo" in text
    assert "50 Mo" in text


@pytest.mark.parametrize(
    ("pages", "text"),
    [
        ([3], "la page 3"),
        ([1, 2], "les pages 1 et 2"),
        ([1, 2, 3, 7], "les pages 1 à 3 et 7"),
        ([5, 1, 3], "les pages 1, 3 et 5"),
        (list(range(1, 40, 2)), "les pages 1, 3, 5, 7, 9, 11, 13, 15 et 12 autres"),
    ],
)
def test_page_lists_read_naturally(pages, text):
    assert messages_fr.page_list(pages) == text


def test_every_layout_code_has_a_label_for_the_picture():
    assert set(messages_fr.PICTURE_LABELS) == set(LAYOUT_CODES)
