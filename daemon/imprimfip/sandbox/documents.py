"""Splitting a submitted file into documents by the `REF-PLI: <ref>` marker on their pages.

A page whose extracted text holds `REF-PLI: <ref>` starts a new document whose business
reference is `<ref>`; pages before the first marker belong to the first document. A file
without any marker, or one pypdf cannot read, has no business reference: it is one document,
which the caller references by its internalRef, as the spec says of a mono-document file.
"""

from __future__ import annotations

import io
import logging
import re

from pypdf import PageObject, PdfReader

MARKER = re.compile(r"REF-PLI\s*:\s*([A-Za-z0-9][A-Za-z0-9._/-]*)")

log = logging.getLogger(__name__)


def business_references(pdf: bytes) -> list[str]:
    """The business reference of each document in `pdf`, in page order; empty if none."""
    return [ref for ref in _page_markers(pdf) if ref is not None]


def _page_markers(pdf: bytes) -> list[str | None]:
    try:
        pages = PdfReader(io.BytesIO(pdf)).pages
        texts = [_page_text(page) for page in pages]
    # pypdf raises many unrelated types on broken input; the emulator must still accept
    # the file as the real service would, and treat it as a single document.
    except Exception as exc:
        log.info("sandbox: cannot read the PDF for REF-PLI markers (%s)", exc)
        return []
    return [_first_marker(text) for text in texts]


def _page_text(page: PageObject) -> str:
    try:
        return page.extract_text()
    except Exception as exc:  # one unreadable page must not hide the others' markers
        log.info("sandbox: cannot extract a page's text (%s)", exc)
        return ""


def _first_marker(text: str) -> str | None:
    match = MARKER.search(text)
    return match.group(1) if match else None
