"""File names from the inbox are data from strangers: make them safe before use (see
docs/invariants.md, 'The daemon never trusts the inbox')."""

from __future__ import annotations

import fnmatch
import unicodedata
from collections.abc import Iterable

MAX_NAME_BYTES = 180


def safe_name(raw: str) -> str:
    """A name fit for a log line, a note, the API and another folder.

    NFC (macOS clients write NFD), control characters and path separators replaced, and
    shortened to MAX_NAME_BYTES of UTF-8 while keeping the extension.
    """
    text = unicodedata.normalize("NFC", raw)
    text = "".join(
        "_" if unicodedata.category(ch).startswith("C") or ch in "/\\" else ch for ch in text
    )
    text = text.strip() or "_"
    if text in {".", ".."}:
        text = "_"
    if len(text.encode("utf-8")) <= MAX_NAME_BYTES:
        return text
    stem, dot, ext = text.rpartition(".")
    if not dot or len(ext) > 10:
        stem, ext = text, ""
    suffix = f".{ext}" if ext else ""
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8")) - 1
    short = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return f"{short}~{suffix}"


def matches(name: str, patterns: Iterable[str]) -> bool:
    """Case-insensitive glob match, as office staff expect (LETTRE.PDF is a letter)."""
    folded = name.casefold()
    return any(fnmatch.fnmatchcase(folded, pattern.casefold()) for pattern in patterns)


def is_candidate(name: str, include: Iterable[str], ignore: Iterable[str]) -> bool:
    """Whether an inbox entry named `name` is a letter to consider at all."""
    return not matches(name, ignore) and matches(name, include)
