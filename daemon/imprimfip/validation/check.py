"""`check_pdf`: the pure core of validation, bytes + a flow's rules -> Report.

The order of the checks is written once, in RULES. A file that is not a PDF, does
not open, is encrypted or has no page stops the checks: nothing else can be read. A rule
that finds the file damaged or too complex stops them too. A rule that fails because of our
own bug is logged as a bug and named in `Report.unchecked`; the letter is not blamed.
Where two rules see one fault (an address block across the window's edge is both refused
by the address check and too near that edge), it is told once, as the refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

from imprimfip.config.rules import ValidationRules
from imprimfip.validation import address, fonts, forms, geometry, placement, survey
from imprimfip.validation.document import Document, classify, open_pdf, sniff
from imprimfip.validation.report import Problem, Report, build_report

log = logging.getLogger(__name__)
"""stdlib logging with fields in `extra` (validation/plainlog.py): the worker this runs in
does without structlog."""

Rule = Callable[[Document, ValidationRules], Iterable[Problem]]

_MB = 1024 * 1024
T = TypeVar("T")


def _page_count(doc: Document, rules: ValidationRules) -> Iterator[Problem]:
    if doc.pages > rules.max_pages:
        yield Problem("too_many_pages", None, {"pages": doc.pages, "max_pages": rules.max_pages})


RULES: tuple[tuple[tuple[str, ...], Rule], ...] = (
    (("too_many_pages",), _page_count),
    (("page_size", "orientation"), geometry.sizes_rule),
    (("fonts_not_embedded",), fonts.fonts_rule),
    (("fonts_not_embedded",), forms.annotation_fonts_rule),
    (("form_not_flattened",), forms.fields_rule),
    (("address_block", "address_lowercase", "address_accents"), address.address_rule),
    ((*survey.WINDOW_CODES, "reserved_zone_ink"), placement.placement_rule),
)
"""Each rule with the codes it can raise; a rule whose codes are all "off" is skipped."""


def check_pdf(data: bytes, rules: ValidationRules, *, want_address: bool = False) -> Report:
    """Validate `data` against `rules`; never raises for anything about the file.

    With `want_address`, the recipient read from the first page's address block is returned
    in `Report.address` (None when it cannot be read as an address).
    """
    problems = list(_file_size(data, rules))
    not_pdf = sniff(data)
    if not_pdf is not None:
        return build_report(0, [*problems, not_pdf], rules)
    unchecked: list[str] = []
    opened = _attempt("open", lambda: open_pdf(data), unchecked)
    if not isinstance(opened, Document):
        found = [opened] if isinstance(opened, Problem) else []
        # An encrypted file that opens without a password still shows its page count.
        pages = int(opened.details.get("pages", 0)) if isinstance(opened, Problem) else 0
        return build_report(pages, [*problems, *found], rules, unchecked=unchecked)
    try:
        return _checked(opened, problems, rules, want_address=want_address)
    finally:
        opened.content.close()


def _checked(
    opened: Document, problems: list[Problem], rules: ValidationRules, *, want_address: bool
) -> Report:
    """The rules in order over a file that opened, then the recipient when wanted."""
    unchecked: list[str] = []
    for codes, rule in RULES:
        if all(rules.severity_of(code) == "off" for code in codes):
            continue
        outcome = _attempt(rule.__name__, lambda rule=rule: list(rule(opened, rules)), unchecked)
        if isinstance(outcome, Problem):
            return build_report(opened.pages, [*problems, outcome], rules, unchecked=unchecked)
        problems.extend(outcome or ())
    problems = _told_once(problems, rules)
    found_address = None
    if want_address:
        read = _attempt("address", lambda: address.read_address(opened, rules), unchecked)
        if isinstance(read, Problem):
            return build_report(opened.pages, [*problems, read], rules, unchecked=unchecked)
        found_address = read
    return build_report(opened.pages, problems, rules, found_address, unchecked)


def _told_once(problems: list[Problem], rules: ValidationRules) -> list[Problem]:
    """`problems` without `address_near_edge` on a page whose address block the address
    check finds sticking out of the window: one fault, told once, by the check that refuses
    it (unless the flow made the address check milder than the edge check)."""
    block, edge = rules.severity_of("address_block"), rules.severity_of("address_near_edge")
    if block == "off" or (block == "warning" and edge == "error"):
        return problems
    outside = {
        problem.page
        for problem in problems
        if problem.code == "address_block"
        and any(fault.get("problem") == "outside" for fault in _faults(problem))
    }
    return [p for p in problems if not (p.code == "address_near_edge" and p.page in outside)]


def _faults(problem: Problem) -> list[Mapping[str, object]]:
    faults = problem.details.get("faults")
    return list(faults) if isinstance(faults, list) else []


def _file_size(data: bytes, rules: ValidationRules) -> Iterator[Problem]:
    size_mb = len(data) / _MB
    if size_mb > rules.max_file_mb:
        yield Problem(
            "file_too_large", None, {"size_mb": round(size_mb, 1), "max_mb": rules.max_file_mb}
        )


def _attempt(name: str, step: Callable[[], T], unchecked: list[str]) -> T | Problem | None:
    """Run `step`; a failure is a Problem about the file, or None (logged) when it is ours."""
    try:
        return step()
    except Exception as exc:
        problem = classify(exc)
        if problem is None:
            log.error("validation_bug", extra={"step": name}, exc_info=exc)
            unchecked.append(name)
        return problem
