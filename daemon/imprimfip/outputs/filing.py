"""Filing a letter: out of processing/ into done/ with a receipt, or error/ with a note.

Both are idempotent on replay: the destination was recorded in the ledger before the move.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from imprimfip import crashpoints
from imprimfip.folders import FlowFolders
from imprimfip.outputs import notes_fr
from imprimfip.outputs.moves import free_name, move, write_atomic


def done_target(folders: FlowFolders, name: str, when: datetime) -> Path:
    """Where a deposited letter goes: a dated sub-folder of done/, under a free name."""
    folder = folders.done / when.strftime("%Y-%m-%d")
    return folder / free_name(folder, name)


def error_target(folders: FlowFolders, name: str) -> Path:
    """Where a refused or held letter goes: error/, under a free name."""
    return folders.error / free_name(folders.error, name)


def file_done(source: Path, target: Path, receipt: Mapping[str, object]) -> Path:
    """Move a deposited letter to `target` and write its receipt beside it."""
    placed = move(source, target)
    crashpoints.reached("done.moved")
    body = json.dumps(dict(receipt), ensure_ascii=False, indent=2) + "\n"
    write_atomic(placed.with_name(f"{placed.name}.recu.json"), body.encode("utf-8"))
    return placed


def file_error(
    source: Path,
    target: Path,
    *,
    name: str,
    reasons: Sequence[notes_fr.Reason],
    when: datetime,
    advice: str = notes_fr.RESEND,
    **facts: object,
) -> Path:
    """Write the French note and its JSON twin, then move the letter beside them.

    The note is written first so that staff never find a letter in error/ without its reason.
    """
    text = notes_fr.render(name, reasons, when, advice)
    twin = notes_fr.render_json(name, reasons, when, **facts)
    write_atomic(target.with_name(f"{target.name}.erreur.txt"), text.encode("utf-8"))
    write_atomic(target.with_name(f"{target.name}.erreur.json"), twin.encode("utf-8"))
    crashpoints.reached("reject.noted")
    return move(source, target)
