"""Named crash points and fault points for the tests (as SQLite and RocksDB have kill points).

The only test hooks in production code, listed here and inert unless their environment
variable names a point:

- `IMPRIMFIP_CRASH_AT=name@N`: the process SIGKILLs itself the N-th time it reaches crash
  point `name`, so a test can check that a restart from there loses nothing and sends
  nothing twice.
- `IMPRIMFIP_FAULT_AT=name:ERRNO@NxK` (`@N` and `xK` optional, several separated by
  commas): fault point `name` fails with that errno, from the N-th time it is reached (1st
  by default) for K times in a row (once by default), for the disk errors a test cannot
  cause for real (EIO, ESTALE...). Shares fail with an `OSError`; the ledger's points fail
  with the SQLite error such a disk gives (ENOSPC is SQLITE_FULL, EIO SQLITE_IOERR...).
"""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENT_VARIABLE = "IMPRIMFIP_CRASH_AT"
FAULT_VARIABLE = "IMPRIMFIP_FAULT_AT"

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

FAULT_POINTS = (
    "claim.rename",  # inbox/ to processing/
    "claim.read",  # reading the claimed letter
    "filing.folder",  # creating the dated folder in done/
    "filing.move",  # processing/ to done/ or error/
    "filing.receipt",  # the receipt beside a deposited letter
    "filing.note",  # the French note of a refused or held letter
    "filing.twin",  # the note's JSON twin
    "filing.sidecar",  # the application's JSON sidecar, moved along
    "report.write",  # the flow's CSV report
    "ledger.write",  # any ledger transaction, at its commit
)
# What SQLite says when its disk fails with that errno.
_SQLITE_CODES = {
    errno.ENOSPC: (sqlite3.SQLITE_FULL, "SQLITE_FULL", "database or disk is full"),
    errno.EIO: (sqlite3.SQLITE_IOERR, "SQLITE_IOERR", "disk I/O error"),
    errno.EROFS: (
        sqlite3.SQLITE_READONLY,
        "SQLITE_READONLY",
        "attempt to write a readonly database",
    ),
    errno.EBUSY: (sqlite3.SQLITE_BUSY, "SQLITE_BUSY", "database is locked"),
    errno.EACCES: (sqlite3.SQLITE_PERM, "SQLITE_PERM", "access permission denied"),
    errno.ENOENT: (sqlite3.SQLITE_CANTOPEN, "SQLITE_CANTOPEN", "unable to open database file"),
}

_hits: Counter[str] = Counter()
_fault_hits: Counter[str] = Counter()


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


@dataclass(frozen=True)
class Fault:
    """One fault asked for: which errno, from which hit of its point, how many times."""

    number: int
    first: int = 1
    times: int = 1

    def strikes(self, hit: int) -> bool:
        return self.first <= hit < self.first + self.times


def parse_faults(text: str) -> dict[str, Fault]:
    """`filing.receipt:EIO@2x3,ledger.write:ENOSPC` as faults by point; a mistake in it
    is refused, so that a test never runs without the fault it meant to inject."""
    faults = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        point, _, rest = item.partition(":")
        name, _, count = rest.partition("@")
        first, _, times = count.partition("x")
        number = getattr(errno, name, None) if name.startswith("E") else None
        counts_ok = all(part.isdigit() for part in (first, times) if part)
        if point not in FAULT_POINTS or number is None or not counts_ok:
            raise ValueError(f"{FAULT_VARIABLE}: cannot use {item!r}")
        faults[point] = Fault(number, int(first or 1), int(times or 1))
    return faults


def _ledger_error(number: int) -> sqlite3.OperationalError:
    code, name, message = _SQLITE_CODES.get(number, _SQLITE_CODES[errno.EIO])
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    error.sqlite_errorname = name
    return error


def fail(point: str, path: Path | str | None = None) -> None:
    """Fail here as a faulty disk would, if the environment asks for it; else do nothing."""
    wanted = os.environ.get(FAULT_VARIABLE)
    if not wanted:
        return
    if point not in FAULT_POINTS:
        raise ValueError(f"unknown fault point {point!r}")
    fault = parse_faults(wanted).get(point)
    if fault is None:
        return
    _fault_hits[point] += 1
    if not fault.strikes(_fault_hits[point]):
        return
    if point.startswith("ledger."):
        raise _ledger_error(fault.number)
    raise OSError(fault.number, os.strerror(fault.number), None if path is None else str(path))
