"""Half-written temporary files: which ones a filing may leave, and removing them.

Outputs (receipts, notes, the report) are written beside their final name as `.<name>.tmp`,
then renamed, so that nobody reads half of one. A write that fails (a full or failing share)
or a crash can leave that temporary behind; it must go before the step is retried, and at
start.

Only the temporaries of letters whose filing is incomplete (the ledger knows them and
their destination) and of the flow's report can exist, so they are named exactly, never
searched for: nothing that grows with the folders' history is read, and no file of staff
is ever touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"


def temporary_for(path: Path) -> Path:
    """Where `path` is written before it is renamed into place."""
    return path.with_name(f".{path.name}{TEMPORARY_SUFFIX}")


def is_temporary(name: str) -> bool:
    """Whether a file name is one of our temporaries (for checks over a whole share)."""
    return name.startswith(".") and name.endswith(TEMPORARY_SUFFIX) and len(name) > 5


def temporaries(destination: Path, companions: Iterable[str]) -> list[Path]:
    """The temporaries a filing to `destination` may leave: one per companion file written
    beside the letter (its receipt, or its note and JSON twin), named by suffix."""
    return [temporary_for(destination.with_name(destination.name + c)) for c in companions]


def remove(paths: Iterable[Path]) -> list[Path]:
    """Remove those of `paths` that exist; return them (for the log).

    No fsync: a temporary that comes back after a power cut is removed at the next start.
    """
    removed = []
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed
