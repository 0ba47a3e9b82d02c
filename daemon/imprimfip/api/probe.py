"""The internalRefs a lost submission could have received (pure; see docs/invariants.md,
'Nothing is mailed twice').

The API has no idempotency key: when a submission's answer is lost, the only way to learn
whether it was accepted is to ask the status of every reference the server could have given
it. The server builds `<stem>_<MMddyyyyHHmmss>@<onBehalfOf>.pdf` from its local clock at
reception, and when that second is already taken for the same stem and owner it takes the
next free second. So the candidates are every second during which the request was on its
way, read on the server's clock, and one more. Each costs a status call, so the window is
bounded by what is known: the request left after the ledger said "submitting", it ended
when its answer failed (when that is recorded) and at the latest at its own deadline (the
client gives up a request after `request_timeout_s`), and the server's clock is ours plus
an offset measured on its answers (see `clock.py`). Sending each letter under a file name
of its own keeps the probe unambiguous.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo

from imprimfip.api.clock import ClockOffset

# A second already taken for the same name and owner makes the server use the next one.
AFTER_S = 1.0


def ref_stem(filename: str) -> str:
    """The file name without its last extension, as the internalRef begins."""
    return filename.rsplit(".", 1)[0] if "." in filename else filename


def internal_ref(filename: str, on_behalf_of: str, moment: datetime) -> str:
    """The reference the server gives `filename` received at `moment` (its local time)."""
    return f"{ref_stem(filename)}_{moment.strftime('%m%d%Y%H%M%S')}@{on_behalf_of}.pdf"


def flight(
    since: datetime, ended: datetime | None, deadline_s: float, now: datetime
) -> tuple[datetime, datetime]:
    """When a request of unknown outcome may have reached the server (our clock): from
    `since` (recorded before it left) to its end if known, else to its own deadline, and
    never after `now`."""
    latest = since + timedelta(seconds=deadline_s)
    if ended is not None:
        latest = min(latest, ended)
    return since, max(since, min(latest, now))


def candidate_refs(
    filename: str,
    on_behalf_of: str,
    sent_from: datetime,
    sent_until: datetime,
    *,
    server_tz: tzinfo,
    offset: ClockOffset,
) -> list[str]:
    """Every reference, earliest first, for a request in flight during [sent_from,
    sent_until] (aware, our clock): those instants on the server's clock (ours plus
    `offset`, within its error), and AFTER_S more. No reference twice, even when a
    daylight-saving change repeats an hour."""
    if sent_from.tzinfo is None or sent_until.tzinfo is None:
        raise ValueError("sent_from and sent_until must be timezone-aware")
    if sent_until < sent_from:
        raise ValueError("sent_until is before sent_from")
    first = math.floor(sent_from.timestamp() + offset.lowest)
    last = math.floor(sent_until.timestamp() + offset.highest + AFTER_S)
    refs: dict[str, None] = {}
    for second in range(first, last + 1):
        moment = datetime.fromtimestamp(second, server_tz)
        refs[internal_ref(filename, on_behalf_of, moment)] = None
    return list(refs)
