"""Letters from real templates (tests/fixtures/letters): each is either refused because its
address sticks out of the window, or read with exactly the address it shows.

Where each line really sits comes from PDFium's measure in `cases.json`, not from our reader.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imprimfip.config.rules import ValidationRules
from imprimfip.validation.check import check_pdf
from tests.fixtures.rules import rules_of

LETTERS = Path(__file__).parents[1] / "fixtures" / "letters"
CASES = json.loads((LETTERS / "cases.json").read_text(encoding="utf-8"))
RULES = ValidationRules()
"""The defaults, ink checks included: an ordinary letter from these templates must pass them."""
RULE_IN_WINDOW = {"scrlttr2-nf-12pt-6l-bottom_edge", "scrlttr2-nf-10pt-5l-below"}
"""`scrlttr2` prints the sender's return address over a rule at the top of its address field;
moved 20 mm down to the window's bottom edge, that rule shows in the window, and a rule in
the window is clutter the sorting machines read (`window_clutter`)."""
ZONE = RULES.address_zone
CLEARLY_OUT_MM = 2.0
"""Beyond the reader's 1 mm tolerance plus what its estimate of glyph boxes may miss."""


def overflow_mm(boxes: list[list[float]]) -> float:
    """How far the furthest line goes past the window, by PDFium's measure (<= 0: inside)."""
    return max(
        max(ZONE.left_mm - left, ZONE.top_mm - top, right - ZONE.right_mm, bottom - ZONE.bottom_mm)
        for left, top, right, bottom in boxes
    )


def outcome(case: dict) -> str:
    out = overflow_mm(case["address_boxes_mm"])
    if out > CLEARLY_OUT_MM:
        return "refused"
    return "read" if out <= 0 else "either"


@pytest.mark.parametrize("case", CASES, ids=[Path(c["file"]).stem for c in CASES])
def test_a_template_letter_is_refused_or_read_whole(case):
    report = check_pdf((LETTERS / case["file"]).read_bytes(), RULES, want_address=True)
    expected = outcome(case)
    problems = [
        fault["problem"]
        for finding in report.errors
        if finding.code == "address_block"
        for fault in finding.details["faults"]
    ]
    if expected == "refused":
        assert "outside" in problems, [f.message for f in report.findings]
    elif expected == "read" and Path(case["file"]).stem in RULE_IN_WINDOW:
        assert {f.code for f in report.errors} == {"window_clutter"}
    elif expected == "read":
        assert report.ok, [f.message for f in report.findings]
    if report.address is not None:
        assert list(report.address.lines()) == case["address"]
    if report.ok:
        assert report.address is not None
        assert case["reference"] not in report.address.lines()


def test_the_cases_cover_every_outcome_for_every_template():
    by_template: dict[str, set[str]] = {}
    for case in CASES:
        by_template.setdefault(case["template"], set()).add(outcome(case))
    assert set(by_template) == {"scrlttr2-nf", "lettre", "typst", "writer"}
    for outcomes in by_template.values():
        assert {"refused", "read"} <= outcomes


def test_a_flow_whose_window_starts_at_45_mm_takes_typst_letters_whole():
    rules = rules_of(address_zone={"top_mm": 45})
    typst = [c for c in CASES if c["template"] == "typst" and c["placement"] == "template"]
    for case in typst:
        report = check_pdf((LETTERS / case["file"]).read_bytes(), rules, want_address=True)
        assert report.ok, case["file"]
        assert list(report.address.lines()) == case["address"]
