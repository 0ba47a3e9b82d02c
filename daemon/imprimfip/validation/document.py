"""Opening the bytes with pypdf, and translating pypdf's failures.

This is the boundary: `classify` turns any exception raised while reading a file into a
Problem about the file (`damaged`, `too_complex`), or into None when the fault is ours (a bug
in this package or a broken installation), which must never be blamed on the letter.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pypdf
from pypdf import PdfReader
from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

import imprimfip
from imprimfip.validation.content import PageContent
from imprimfip.validation.report import Problem

_PYPDF_DIR = str(Path(pypdf.__file__).parent)
_OUR_DIR = str(Path(imprimfip.__file__).parent)
_HEADER_WINDOW = 1024
"""Readers accept the %PDF- header anywhere in the first kilobyte (ISO 32000 annex H)."""

_SIGNATURES = (
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0", "office"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
)


class TooComplex(Exception):
    """Raised by our own readers when a file exceeds a structural bound (like pypdf's
    LimitReachedError): the file is `too_complex`, not our bug."""


class Unreadable(Exception):
    """Raised by our own readers when another engine (PDFium) cannot read what pypdf
    opened: the file is `damaged`, not our bug."""


@dataclass(frozen=True)
class Document:
    """A PDF that opened and is not encrypted; `pages` is its page count."""

    reader: PdfReader
    size: int
    pages: int
    data: bytes
    """The file itself, for the checks that render its pages."""
    content: PageContent
    """Its pages' content, read once for all the checks."""


def sniff(data: bytes) -> Problem | None:
    """A `not_pdf` problem naming what the bytes look like, or None for a PDF header."""
    head = data[:_HEADER_WINDOW]
    if b"%PDF-" in head:
        return None
    kind = "unknown"
    if not data.strip():
        kind = "empty"
    elif re.search(rb"<(!doctype\s+html|html|head|body)\b", head, re.IGNORECASE):
        kind = "html"
    else:
        kind = next((k for sig, k in _SIGNATURES if head.startswith(sig)), "unknown")
        if kind == "unknown" and _is_text(head):
            kind = "text"
    return Problem("not_pdf", details={"kind": kind})


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch.isspace() for ch in text)


def open_pdf(data: bytes) -> Document | Problem:
    """Open `data` (already sniffed as PDF); an encrypted file is a Problem, whatever its
    password, since the print centre takes no protected PDF.

    Exceptions from pypdf propagate: the caller classifies them.
    """
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        # pypdf already tried the empty user password; whether one is needed changes the
        # advice given to staff, nothing else.
        password_required = reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED
        details: dict[str, object] = {"password_required": password_required}
        if not password_required:
            details["pages"] = len(reader.pages)
        return Problem("encrypted", details=details)
    pages = len(reader.pages)
    if pages == 0:
        return Problem("no_pages")
    return Document(reader, len(data), pages, data, PageContent(reader))


def classify(exc: BaseException, page: int | None = None) -> Problem | None:
    """What an exception raised while reading a file says about it; None when it is our bug.

    pypdf raises many kinds of exceptions on broken files (KeyError, TypeError... as well as
    its own), so the innermost frame decides: raised inside pypdf, the file is at fault;
    raised in our code, the bug is ours.
    """
    chain = _chain(exc)
    if any(isinstance(e, LimitReachedError | TooComplex) for e in chain):
        return Problem("too_complex", page, {"reason": "limit", "error": _brief(exc)})
    if any(isinstance(e, MemoryError) for e in chain):
        return Problem("too_complex", page, {"reason": "memory"})
    if any(isinstance(e, RecursionError) for e in chain):
        return Problem("too_complex", page, {"reason": "nesting"})
    if isinstance(exc, DependencyError | ImportError):
        return None
    if isinstance(exc, PyPdfError | Unreadable) or _raised_in_pypdf(exc):
        return Problem("damaged", page, {"error": _brief(exc)})
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions it was raised from (pypdf wraps RecursionError, for one)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _raised_in_pypdf(exc: BaseException) -> bool:
    origin = None
    traceback = exc.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.startswith(_PYPDF_DIR):
            origin = "pypdf"
        elif filename.startswith(_OUR_DIR):
            origin = "ours"
        traceback = traceback.tb_next
    return origin == "pypdf"


def _brief(exc: BaseException) -> str:
    """The exception for logs and details: its class and first 200 characters."""
    return f"{type(exc).__name__}: {str(exc)[:200]}"
