import unicodedata

from imprimfip.config.model import DEFAULT_IGNORES
from imprimfip.intake.names import MAX_NAME_BYTES, is_candidate, safe_name


def test_control_characters_and_newlines_never_pass():
    assert safe_name("lettre\nINJECTED=1\r\x1b[31m.pdf") == "lettre_INJECTED=1__[31m.pdf"


def test_nfd_names_from_macos_become_nfc():
    nfd = unicodedata.normalize("NFD", "Relevé été.pdf")
    assert safe_name(nfd) == unicodedata.normalize("NFC", "Relevé été.pdf")


def test_very_long_names_are_shortened_keeping_the_extension():
    name = safe_name("é" * 300 + ".pdf")
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.endswith("~.pdf")
    name.encode("utf-8")


def test_only_pdf_names_in_any_case_are_letters():
    assert is_candidate("LETTRE.PDF", ("*.pdf",), DEFAULT_IGNORES)
    assert not is_candidate("lettre.docx", ("*.pdf",), DEFAULT_IGNORES)


def test_temporary_and_hidden_files_are_ignored():
    for name in (
        ".lettre.pdf",
        "~$lettre.pdf",
        ".~lock.lettre.pdf#",
        "lettre.pdf.part",
        "lettre.pdf.tmp",
        "lettre.pdf.crdownload",
        "._lettre.pdf",
    ):
        assert not is_candidate(name, ("*.pdf", "*"), DEFAULT_IGNORES), name
