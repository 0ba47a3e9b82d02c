"""A flow's validation rules, as configured under `[flows.validation]`.

Every rule has a stable code. The codes a file cannot get past (`not_pdf`, `damaged`,
`encrypted`, `no_pages`, `too_complex`) are always errors: nothing else can be checked, and
the print centre cannot print such a file. The others have a severity per flow under
`[flows.validation.severity]`: "error" stops the letter, "warning" is reported and never stops
it, "off" skips the check.

Plain frozen dataclasses, which pydantic validates as part of the config model (their
constraints are `annotated_types`, their cross-field checks `__post_init__`): a validation
worker receives them as JSON and rebuilds them with `rules_from_dict`, without importing
pydantic (see README, "Performance and reliability").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt, Interval

Severity = Literal["error", "warning", "off"]

ALWAYS_ERRORS = ("not_pdf", "damaged", "encrypted", "no_pages", "too_complex")
"""Codes that cannot be configured: the file cannot be read, so it cannot be printed."""

A4_MM = (210.0, 297.0)
LONGEST_CHECK_S = 3600.0
"""The most `max_seconds` a flow may allow."""


_STRICT_KEYS = {"extra": "forbid"}
"""pydantic's config for each table: an unknown key is an error, not silently ignored."""


@dataclass(frozen=True)
class Severities:
    """The severity of each configurable code; an unknown code is a config error."""

    __pydantic_config__ = _STRICT_KEYS

    too_many_pages: Severity = "error"
    file_too_large: Severity = "error"
    page_size: Severity = "error"
    orientation: Severity = "error"
    fonts_not_embedded: Severity = "error"
    address_block: Severity = "error"
    address_lowercase: Severity = "warning"
    address_accents: Severity = "warning"
    window_clutter: Severity = "error"
    address_near_edge: Severity = "warning"
    reserved_zone_ink: Severity = "error"
    form_not_flattened: Severity = "error"


CONFIGURABLE_CODES = tuple(field.name for field in fields(Severities))
ALL_CODES = ALWAYS_ERRORS + CONFIGURABLE_CODES

Millimetres = Annotated[float, Interval(ge=0, le=1000)]


@dataclass(frozen=True)
class Zone:
    """A rectangle of the page, in mm from its top-left corner as the page is displayed."""

    __pydantic_config__ = _STRICT_KEYS

    left_mm: Millimetres
    top_mm: Millimetres
    right_mm: Millimetres
    bottom_mm: Millimetres

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) in mm."""
        return (self.left_mm, self.top_mm, self.right_mm, self.bottom_mm)

    def __post_init__(self) -> None:
        if self.left_mm >= self.right_mm:
            raise ValueError(
                f"left_mm ({self.left_mm}) must be less than right_mm ({self.right_mm})"
            )
        if self.top_mm >= self.bottom_mm:
            raise ValueError(
                f"top_mm ({self.top_mm}) must be less than bottom_mm ({self.bottom_mm}): "
                "distances are measured downwards from the top edge"
            )


@dataclass(frozen=True)
class AddressZone(Zone):
    """The envelope window.

    The default contains both public positions we know of (a print provider's French
    right window, and the recipient box of SignalConso letters) with a little tolerance.
    """

    left_mm: Millimetres = 90.0
    top_mm: Millimetres = 50.0
    right_mm: Millimetres = 197.0
    bottom_mm: Millimetres = 92.0


PRINTER_MARGIN_MM = 5.0
"""The outer band kept blank by default: office and production printers alike leave it, and
print centres put their own marks (sheet counts, insertion codes) near the edges."""


def _outer_band(width_mm: float, height_mm: float, band_mm: float) -> tuple[Zone, ...]:
    """The top, bottom and right bands. The left margin is where letter templates print
    their fold and punch marks (LaTeX `lettre` from the page's edge, KOMA-Script `scrlttr2`
    from 3.5 mm): folding machines expect them, and keeping that band blank would refuse
    every such letter."""
    return (
        Zone(left_mm=0, top_mm=0, right_mm=width_mm, bottom_mm=band_mm),
        Zone(left_mm=0, top_mm=height_mm - band_mm, right_mm=width_mm, bottom_mm=height_mm),
        Zone(left_mm=width_mm - band_mm, top_mm=0, right_mm=width_mm, bottom_mm=height_mm),
    )


@dataclass(frozen=True)
class ReservedZones:
    """Rectangles that must stay blank, for the first page of each letter, its other pages,
    and every page. The default keeps the outer 5 mm of every A4 page blank but its left margin."""

    __pydantic_config__ = _STRICT_KEYS

    first_page: tuple[Zone, ...] = ()
    other_pages: tuple[Zone, ...] = ()
    all_pages: tuple[Zone, ...] = _outer_band(*A4_MM, PRINTER_MARGIN_MM)

    def on_page(self, first: bool) -> tuple[Zone, ...]:
        """The zones of a page: the first page of a letter, or one of its other pages."""
        return (self.first_page if first else self.other_pages) + self.all_pages


@dataclass(frozen=True)
class ValidationRules:
    """What a flow accepts; every field has a safe default."""

    __pydantic_config__ = _STRICT_KEYS

    max_pages: Annotated[int, Ge(1)] = 200
    max_file_mb: Annotated[float, Gt(0)] = 50.0
    size_tolerance_mm: Annotated[float, Interval(ge=0, le=20)] = 2.0
    pages_per_letter: Annotated[int, Ge(1)] | None = None
    """Pages of each letter in a multi-letter file; None: the whole file is one letter."""
    address_zone: AddressZone = AddressZone()
    address_min_lines: Annotated[int, Interval(ge=1, le=10)] = 3
    address_max_lines: Annotated[int, Interval(ge=1, le=10)] = 6
    address_max_chars: Annotated[int, Interval(ge=10, le=100)] = 38
    address_clearance_mm: Annotated[float, Interval(ge=0, le=20)] = 3.0
    """Blank space wanted between the address and the window's edges: the envelope may shift
    by that much around the sheet."""
    reserved_zones: ReservedZones = ReservedZones()
    max_seconds: Annotated[float, Interval(gt=0, le=LONGEST_CHECK_S)] = 30.0
    """Wall-clock and CPU time allowed to read one file."""
    max_memory_mb: Annotated[int, Interval(ge=128, le=65536)] = 1024
    """Address space allowed to the process reading one file."""
    severity: Severities = Severities()

    def __post_init__(self) -> None:
        if self.address_min_lines > self.address_max_lines:
            raise ValueError(
                f"address_min_lines ({self.address_min_lines}) must not exceed "
                f"address_max_lines ({self.address_max_lines})"
            )

    def first_pages(self, pages: int) -> range:
        """The index (from 0) of each letter's first page in a file of `pages` pages."""
        return range(0, pages, self.pages_per_letter or pages)

    def severity_of(self, code: str) -> Severity:
        """The configured severity of `code`; codes in ALWAYS_ERRORS are always errors."""
        if code in ALWAYS_ERRORS:
            return "error"
        return getattr(self.severity, code)  # type: ignore[no-any-return]


def rules_from_dict(data: Mapping[str, Any]) -> ValidationRules:
    """Rules sent as JSON (`dataclasses.asdict`) by a process that validated them."""
    zones = data["reserved_zones"]
    return ValidationRules(
        **{
            **data,
            "address_zone": AddressZone(**data["address_zone"]),
            "reserved_zones": ReservedZones(
                **{place: tuple(Zone(**zone) for zone in listed) for place, listed in zones.items()}
            ),
            "severity": Severities(**data["severity"]),
        }
    )
