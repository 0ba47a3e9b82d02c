"""What validation found about one file: plain frozen data, serialisable as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from imprimfip.postal import PostalAddress
from imprimfip.validation import messages_fr

if TYPE_CHECKING:
    from imprimfip.config.rules import ValidationRules

FindingSeverity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """What a rule noticed, before the flow's severity and the French text are applied.

    `details` holds measured and expected values (JSON-compatible: str, int, float, bool,
    lists of them); the message catalogue turns them into words.
    """

    code: str
    page: int | None = None
    details: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a letter; `message` is the French text shown to staff."""

    code: str
    severity: FindingSeverity
    page: int | None
    message: str
    details: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """The outcome of validating one file.

    `unchecked` names the rules that could not run because of a bug in this package (logged
    as such): the letter is not blamed for them, but it was not fully checked either, so the
    caller should treat a non-empty `unchecked` as a system fault and keep the letter waiting.
    """

    pages: int
    findings: tuple[Finding, ...] = ()
    address: PostalAddress | None = None
    """The recipient read from the address block, when asked for (LRAR)."""
    unchecked: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no finding is an error (warnings never stop a letter)."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible copy, read back by `Report.from_dict`."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        address = data.get("address")
        return cls(
            pages=int(data["pages"]),
            findings=tuple(Finding(**item) for item in data.get("findings", ())),
            address=PostalAddress(**address) if address is not None else None,
            unchecked=tuple(data.get("unchecked", ())),
        )


def build_report(
    pages: int,
    problems: list[Problem],
    rules: ValidationRules,
    found_address: PostalAddress | None = None,
    unchecked: list[str] | None = None,
) -> Report:
    """The Report for `problems`: the flow's severity applied, the French text attached."""
    findings = []
    for problem in problems:
        severity = rules.severity_of(problem.code)
        if severity == "off":
            continue
        text = messages_fr.message(problem.code, problem.page, problem.details, severity)
        findings.append(Finding(problem.code, severity, problem.page, text, problem.details))
    return Report(pages, tuple(findings), found_address, tuple(unchecked or ()))
