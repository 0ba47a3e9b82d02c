"""A flow's validation rules, as configured under `[flows.validation]`.

Every rule has a stable code. The codes a file cannot get past (`not_pdf`, `damaged`,
`encrypted`, `no_pages`, `too_complex`) are always errors: nothing else can be checked, and
the print centre cannot print such a file. The others have a severity per flow under
`[flows.validation.severity]`: "error" stops the letter, "warning" is reported and never stops
it, "off" skips the check.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from imprimfip.frozen import FrozenModel

Severity = Literal["error", "warning", "off"]

ALWAYS_ERRORS = ("not_pdf", "damaged", "encrypted", "no_pages", "too_complex")
"""Codes that cannot be configured: the file cannot be read, so it cannot be printed."""

A4_MM = (210.0, 297.0)


class Severities(FrozenModel):
    """The severity of each configurable code; an unknown code is a config error."""

    too_many_pages: Severity = "error"
    file_too_large: Severity = "error"
    page_size: Severity = "error"
    orientation: Severity = "error"
    fonts_not_embedded: Severity = "error"
    address_block: Severity = "error"
    address_lowercase: Severity = "warning"
    address_accents: Severity = "warning"


CONFIGURABLE_CODES = tuple(Severities.model_fields)
ALL_CODES = ALWAYS_ERRORS + CONFIGURABLE_CODES

Millimetres = Annotated[float, Field(ge=0, le=1000)]


class AddressZone(FrozenModel):
    """The envelope window, in mm from the page's top-left corner as the page is displayed.

    The default contains both public positions we know of (a print provider's French
    right window, and the recipient box of SignalConso letters) with a little tolerance.
    """

    left_mm: Millimetres = 90.0
    top_mm: Millimetres = 50.0
    right_mm: Millimetres = 197.0
    bottom_mm: Millimetres = 92.0

    @model_validator(mode="after")
    def _not_empty(self) -> AddressZone:
        if self.left_mm >= self.right_mm:
            raise ValueError(
                f"left_mm ({self.left_mm}) must be less than right_mm ({self.right_mm})"
            )
        if self.top_mm >= self.bottom_mm:
            raise ValueError(
                f"top_mm ({self.top_mm}) must be less than bottom_mm ({self.bottom_mm}): "
                "distances are measured downwards from the top edge"
            )
        return self


class ValidationRules(FrozenModel):
    """What a flow accepts; every field has a safe default."""

    max_pages: Annotated[int, Field(ge=1)] = 200
    max_file_mb: Annotated[float, Field(gt=0)] = 50.0
    size_tolerance_mm: Annotated[float, Field(ge=0, le=20)] = 2.0
    pages_per_letter: Annotated[int, Field(ge=1)] | None = None
    """Pages of each letter in a multi-letter file; None: the whole file is one letter."""
    address_zone: AddressZone = AddressZone()
    address_min_lines: Annotated[int, Field(ge=1, le=10)] = 3
    address_max_lines: Annotated[int, Field(ge=1, le=10)] = 6
    address_max_chars: Annotated[int, Field(ge=10, le=100)] = 38
    max_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    """Wall-clock and CPU time allowed to read one file."""
    max_memory_mb: Annotated[int, Field(ge=128, le=65536)] = 1024
    """Address space allowed to the process reading one file."""
    severity: Severities = Severities()

    @model_validator(mode="after")
    def _line_bounds(self) -> ValidationRules:
        if self.address_min_lines > self.address_max_lines:
            raise ValueError(
                f"address_min_lines ({self.address_min_lines}) must not exceed "
                f"address_max_lines ({self.address_max_lines})"
            )
        return self

    def severity_of(self, code: str) -> Severity:
        """The configured severity of `code`; codes in ALWAYS_ERRORS are always errors."""
        if code in ALWAYS_ERRORS:
            return "error"
        return getattr(self.severity, code)  # type: ignore[no-any-return]
