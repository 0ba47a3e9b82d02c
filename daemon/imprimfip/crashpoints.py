"""Named crash points for the crash tests (as SQLite and RocksDB have kill points).

The only test hook in production code: inert unless IMPRIMFIP_CRASH_AT names a
point, in which case the process SIGKILLs itself the moment it reaches that point, so a
test can check that a restart from there loses nothing and sends nothing twice.
`IMPRIMFIP_CRASH_AT=name@N` crashes at the N-th time the point is reached.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENVIRONMENT_VARIABLE = "IMPRIMFIP_CRASH_AT"

POINTS = (
    "claim.row_written",  # ledger says claimed, the rename into processing/ not done
    "claim.renamed",  # in processing/, not yet read nor hashed
    "submit.row_written",  # ledger says submitting, nothing sent yet
    "submit.answered",  # IMPRIM'FIP accepted it, the internalRef not yet recorded
    "deposit.row_written",  # ledger says deposited, the letter still in processing/
    "move.linked",  # the letter is in both folders (between link and unlink)
    "done.moved",  # in done/, its receipt not yet written
    "reject.row_written",  # ledger says rejected, no note yet
    "reject.noted",  # the note is in error/, the letter still in processing/
)

_hits: Counter[str] = Counter()


def reached(point: str) -> None:
    """Crash here if the environment asks for it; otherwise do nothing."""
    wanted = os.environ.get(ENVIRONMENT_VARIABLE)
    if not wanted:
        return
    if point not in POINTS:
        raise ValueError(f"unknown crash point {point!r}")
    name, _, count = wanted.partition("@")
    if name != point:
        return
    _hits[point] += 1
    if _hits[point] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
