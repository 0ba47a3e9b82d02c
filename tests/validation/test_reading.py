"""Files that cannot be read at all: not_pdf, damaged, encrypted, no_pages, sizes."""

import pytest
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import RectangleObject

from imprimfip.config.rules import ValidationRules
from imprimfip.validation import check
from imprimfip.validation.check import check_pdf
from imprimfip.validation.document import classify
from imprimfip.validation.report import Report
from tests.fixtures import pdfs
from tests.fixtures.rules import rules_of

RULES = ValidationRules()


def codes(report: Report) -> list[str]:
    return [finding.code for finding in report.findings]


def test_a_letter_from_the_factory_passes_every_default_rule():
    report = check_pdf(pdfs.make_letter(pages=3), RULES)
    assert report.ok
    assert report.findings == ()
    assert report.pages == 3


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (pdfs.make_html(), "html"),
        (pdfs.make_zip(), "zip"),
        (pdfs.make_png(), "image"),
        (b"Bonjour,\nceci est un courrier.\n", "text"),
        (b"", "empty"),
        (bytes(range(256)), "unknown"),
    ],
)
def test_bytes_that_are_not_a_pdf_are_named_for_what_they_look_like(data, kind):
    report = check_pdf(data, RULES)
    assert codes(report) == ["not_pdf"]
    assert report.findings[0].details["kind"] == kind
    assert not report.ok


def test_a_pdf_header_after_some_junk_is_still_a_pdf():
    report = check_pdf(b"\x00" * 100 + pdfs.make_letter(), RULES)
    assert "not_pdf" not in codes(report)


@pytest.mark.parametrize("data", [pdfs.make_truncated(), pdfs.make_garbled()])
def test_a_truncated_or_garbled_pdf_is_damaged(data):
    report = check_pdf(data, RULES)
    assert codes(report) == ["damaged"]
    assert "endommagé" in report.findings[0].message


@pytest.mark.parametrize(
    ("data", "password_required"),
    [
        (pdfs.make_encrypted(""), False),
        (pdfs.make_encrypted("secret"), True),
        (pdfs.make_encrypted("", algorithm="RC4-128"), False),
    ],
)
def test_any_encryption_is_refused(data, password_required):
    report = check_pdf(data, RULES)
    assert codes(report) == ["encrypted"]
    assert report.findings[0].details["password_required"] is password_required


def test_a_pdf_without_pages_is_refused():
    assert codes(check_pdf(pdfs.make_no_pages(), RULES)) == ["no_pages"]


def test_too_many_pages_is_an_error_by_default_and_configurable():
    data = pdfs.make_letter(pages=4)
    strict = ValidationRules(max_pages=3)
    report = check_pdf(data, strict)
    assert codes(report) == ["too_many_pages"]
    assert report.findings[0].details == {"pages": 4, "max_pages": 3}
    lenient = rules_of(max_pages=3, severity={"too_many_pages": "warning"})
    assert check_pdf(data, lenient).ok


def test_a_file_too_large_is_reported_even_when_it_is_not_a_pdf():
    rules = ValidationRules(max_file_mb=0.001)
    assert codes(check_pdf(pdfs.make_letter(), rules)) == ["file_too_large"]
    assert codes(check_pdf(b"<html>" + b" " * 2000, rules)) == ["file_too_large", "not_pdf"]


def test_a_bug_in_a_rule_is_logged_and_never_blamed_on_the_letter(monkeypatch, caplog):
    def broken_rule(doc, rules):
        raise TypeError("a bug in our own code")

    monkeypatch.setattr(check, "RULES", ((("page_size",), broken_rule), *check.RULES[2:]))
    report = check_pdf(pdfs.make_letter(), RULES)
    assert report.ok
    assert report.unchecked == ("broken_rule",)
    assert "validation_bug" in caplog.text


def _raised(action):
    try:
        action()
    except Exception as exc:
        return exc
    raise AssertionError("expected an exception")


def test_an_exception_from_inside_pypdf_blames_the_file_whatever_its_class():
    exc = _raised(lambda: RectangleObject([0, 0, 595]))
    assert not isinstance(exc, PyPdfError)
    assert classify(exc).code == "damaged"


def test_an_exception_from_our_own_code_is_a_bug():
    assert classify(_raised(lambda: int("not a number"))) is None


def test_pypdf_errors_caused_by_exhausted_stack_or_memory_are_too_complex():
    def wrapped(inner):
        try:
            raise inner
        except Exception as exc:
            raise PdfReadError("Error reading PDF file.") from exc

    assert classify(_raised(lambda: wrapped(RecursionError()))).details["reason"] == "nesting"
    assert classify(_raised(lambda: wrapped(MemoryError()))).details["reason"] == "memory"
