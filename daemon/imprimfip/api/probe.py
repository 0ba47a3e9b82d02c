"""The internalRefs a lost submission could have received (pure; see docs/invariants.md,
'Nothing is mailed twice').

The API has no idempotency key: when a submission's answer is lost, the only way to learn
whether it was accepted is to ask the status of every reference the server could have given
it. The server builds `<stem>_<MMddyyyyHHmmss>@<onBehalfOf>.pdf` from its local clock at
reception, and when that second is already taken for the same stem and owner it takes the
next free second. So the candidates are every second from just before the request left to
a few seconds after it ended, read on the server's clock. Sending each letter under a file
name of its own keeps the probe unambiguous and short.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo

# The server may stamp the second before ours began (clocks are not in step to the
# millisecond) and, when seconds are taken, a few after the request ended.
BEFORE_S = 1.0
AFTER_S = 3.0


def ref_stem(filename: str) -> str:
    """The file name without its last extension, as the internalRef begins."""
    return filename.rsplit(".", 1)[0] if "." in filename else filename


def internal_ref(filename: str, on_behalf_of: str, moment: datetime) -> str:
    """The reference the server gives `filename` received at `moment` (its local time)."""
    return f"{ref_stem(filename)}_{moment.strftime('%m%d%Y%H%M%S')}@{on_behalf_of}.pdf"


def candidate_refs(
    filename: str,
    on_behalf_of: str,
    sent_from: datetime,
    sent_until: datetime,
    *,
    server_tz: tzinfo,
    tolerance_s: float = 0.0,
) -> list[str]:
    """Every reference, earliest first, for a request in flight during [sent_from,
    sent_until] (aware datetimes), widened by BEFORE_S and AFTER_S and by `tolerance_s`
    on both sides for a server clock that is not in step with ours. No reference twice,
    even when a daylight-saving change repeats an hour."""
    if sent_from.tzinfo is None or sent_until.tzinfo is None:
        raise ValueError("sent_from and sent_until must be timezone-aware")
    if sent_until < sent_from:
        raise ValueError("sent_until is before sent_from")
    start = sent_from - timedelta(seconds=BEFORE_S + tolerance_s)
    end = sent_until + timedelta(seconds=AFTER_S + tolerance_s)
    first = math.floor(start.timestamp())
    last = math.ceil(end.timestamp())
    refs: dict[str, None] = {}
    for second in range(first, last + 1):
        moment = datetime.fromtimestamp(second, server_tz)
        refs[internal_ref(filename, on_behalf_of, moment)] = None
    return list(refs)
