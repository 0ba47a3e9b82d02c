"""Every error the daemon raises, sorted by who must act (see docs/invariants.md, 'Letter
faults and system faults are different').

    ImprimfipError
    ├── LetterFault          the letter is wrong: staff fix it, it goes to error/
    │   └── LetterRejected       IMPRIM'FIP answered 400 about this letter
    ├── SystemFault          the system is unwell: the letter waits, the daemon backs off
    │   ├── ApiUnavailable       503, connection refused, DNS or TLS failure before sending
    │   ├── ApiThrottled         429 or gateway code 900804 (carries retry_after)
    │   └── ApiAuthFailed        401, 403, gateway codes 900901, 900902, 900910
    ├── StorageFault         a share or disk is full, read-only, failing or gone: the letter
    │   │                        keeps its state, the step is retried, the daemon says why once
    │   └── LedgerFault          the same on the ledger's disk: every flow waits, since nothing
    │                            may happen that cannot be recorded
    ├── OutcomeUnknown       the request may or may not have been accepted: a person decides
    ├── UnknownFile          a status query names a file the server does not know (404)
    ├── LedgerError          the ledger refused a read or a write; nothing was changed
    │   ├── UnknownLetter        no letter has this number: whoever gave it (resolve) fixes it
    │   ├── ForbiddenMove        a move the life of a letter forbids: a bug of the daemon
    │   ├── UnknownField         a letter has no such field: a bug of the daemon
    │   └── LedgerTooNew         written by a newer imprimfip: the sysadmin upgrades or restores
    ├── LedgerDamaged        SQLite finds the ledger file damaged: the sysadmin restores
    │                        the latest backup (exit 65)
    └── ConfigError          the configuration is wrong: the sysadmin fixes it (exit 78)

Third-party exceptions (httpx, pypdf, sqlite3) are translated into these at the boundary of
the package that talks to the library; nothing above it sees them. `OSError` and SQLite
errors that say a disk is unwell become storage faults through `storage.classify`; any
other `OSError` stays what it is: a bug of ours, never blamed on the letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class ImprimfipError(Exception):
    """Root of the daemon's own errors."""


@dataclass(frozen=True)
class ApiErrorDetail:
    """What an IMPRIM'FIP answer told us, kept for logs and notes (never a secret)."""

    http_status: int | None = None
    code: int | None = None
    message: str = ""
    correlation_id: str | None = None


class ApiError(ImprimfipError):
    """An IMPRIM'FIP call that did not succeed; `detail` says what the server answered."""

    def __init__(self, detail: ApiErrorDetail) -> None:
        super().__init__(detail.message or f"HTTP {detail.http_status}")
        self.detail = detail


class LetterFault(ImprimfipError):
    """The letter itself is wrong: the person who saved it must fix it."""


class LetterRejected(LetterFault, ApiError):
    """IMPRIM'FIP refused this letter (HTTP 400); its message reaches the user."""

    def __init__(self, detail: ApiErrorDetail) -> None:
        ApiError.__init__(self, detail)


class SystemFault(ApiError):
    """The service cannot be used right now; nothing about the letter is wrong."""


class ApiUnavailable(SystemFault):
    """The API could not be reached or said it is unavailable; nothing was accepted."""


class ApiThrottled(SystemFault):
    """The rate limit was hit; every caller pauses for `retry_after` seconds."""

    def __init__(self, detail: ApiErrorDetail, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ApiAuthFailed(SystemFault):
    """Credentials, token or scope were refused: the sysadmin must act, letters wait."""


class StorageKind(StrEnum):
    """What is wrong with a disk or share, whatever the error that said it."""

    FULL = "full"
    READ_ONLY = "read_only"
    DENIED = "denied"
    IO = "io"
    VANISHED = "vanished"
    LOCKED = "locked"


@dataclass(frozen=True)
class StorageDetail:
    """Which storage refused, how, and the error's own name (`ENOSPC`, `SQLITE_FULL`)."""

    kind: StorageKind
    path: str | None
    code: str


class StorageFault(ImprimfipError):
    """A share or disk cannot be used right now; nothing about the letter is wrong, and it
    is not a bug: the step waits and is tried again."""

    def __init__(self, detail: StorageDetail) -> None:
        super().__init__(f"{detail.code} ({detail.kind}) at {detail.path or 'an unknown path'}")
        self.detail = detail


class LedgerFault(StorageFault):
    """The ledger's disk cannot be used: intake and deposits wait for every flow."""


class OutcomeUnknown(ApiError):
    """The request may have been accepted: never resend it automatically."""


class UnknownFile(ApiError):
    """The status query names a file (or business reference) the server does not know.

    Routine while probing for a lost deposit; for a recorded internalRef, a sign to look.
    """


class LedgerError(ImprimfipError):
    """The ledger refused an operation; its transaction was rolled back."""


class UnknownLetter(LedgerError):
    """No letter (or, for tracking, no followed letter) has this number."""


class ForbiddenMove(LedgerError):
    """A state change the life of a letter does not allow (`ledger/states.py`)."""


class UnknownField(LedgerError):
    """A value for a field that letters do not have."""


class LedgerTooNew(LedgerError):
    """The ledger's schema is newer than this program knows."""


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in the configuration: where, what, and what is expected."""

    key: str
    message: str


class ConfigError(ImprimfipError):
    """The configuration cannot be used; every problem found is listed, not just the first."""

    def __init__(self, source: str, problems: list[ConfigProblem]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: {p.key}: {p.message}" for p in problems]
        super().__init__("\n".join(lines))


class LedgerDamaged(ImprimfipError):
    """SQLite reports the ledger file at `path` damaged (not a database, malformed)."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"the ledger {path} is damaged: {detail}")
