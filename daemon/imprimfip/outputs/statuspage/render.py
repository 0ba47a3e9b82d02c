"""The status page's HTML, in French and without JavaScript, from Jinja2 templates
(`templates/`) with autoescaping on: every value shown is escaped by the template engine,
not by hand. The views (`views.py`) gather the data; this module turns it into pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from imprimfip import dates_fr
from imprimfip.reports_fr import (
    ATTENTION_LABELS,
    LETTER_STATES,
    SENDING_TYPES,
    alert_title,
)


@dataclass(frozen=True)
class FlowSummary:
    name: str
    sending_type: str


def _when(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):
        return datetime.fromisoformat(value) if value else None
    return value


def _date(value: datetime | str | None) -> str:
    found = _when(value)
    return dates_fr.in_table(found) if found else ""


def _day(value: datetime | str | None) -> str:
    found = _when(value)
    return found.astimezone().date().isoformat() if found else ""


def number(value: int) -> str:
    """12 345, with the narrow no-break space French uses between thousands."""
    return f"{value:,}".replace(",", "\u202f")


_ENVIRONMENT = Environment(
    loader=PackageLoader("imprimfip.outputs.statuspage", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENVIRONMENT.filters.update(
    date=_date,
    in_sentence=dates_fr.in_sentence,
    day=_day,
    number=number,
    motive=lambda attention: ATTENTION_LABELS.get(attention or "", ""),
    sending_type=lambda kind: SENDING_TYPES.get(kind, kind),
    state=lambda state: LETTER_STATES.get(state, state),
    alert=alert_title,
)


def render(template: str, *, flows: Sequence[FlowSummary], **context: Any) -> str:
    return _ENVIRONMENT.get_template(template).render(flows=flows, **context)
