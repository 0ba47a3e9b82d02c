"""Filing a letter: out of processing/ into done/ with a receipt, or error/ with a note.

Both are idempotent on replay: the destination was recorded in the ledger before the move.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from imprimfip import crashpoints
from imprimfip.folders import FlowFolders
from imprimfip.outputs import notes_fr
from imprimfip.outputs.moves import free_name, move, write_atomic

PICTURE_SUFFIX = ".erreur.png"


def picture_name(name: str) -> str:
    """The picture drawn for a refused letter named `name`, in processing/ or error/."""
    return f"{name}{PICTURE_SUFFIX}"


def keep_picture(folders: FlowFolders, claim_name: str, png: bytes) -> None:
    """Keep the picture drawn for a claimed letter beside it in processing/, until the
    letter is filed: the refusal is decided after, and may be filed again after a restart."""
    write_atomic(folders.processing / picture_name(claim_name), png)


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
    picture: Path | None = None,
    **facts: object,
) -> Path:
    """Write the French note and its JSON twin, then move the letter beside them.

    The note is written first so that staff never find a letter in error/ without its reason.
    `picture`, the image drawn for the letter (kept in processing/ by `keep_picture`), goes
    first beside it, and both notes name it; without one, an image left there by an earlier
    letter of the same name is removed, as its notes are replaced.
    """
    shown = _place_picture(picture, target)
    text = notes_fr.render(name, reasons, when, advice, picture=shown)
    twin = notes_fr.render_json(name, reasons, when, picture=shown, **facts)
    write_atomic(target.with_name(f"{target.name}.erreur.txt"), text.encode("utf-8"))
    write_atomic(target.with_name(f"{target.name}.erreur.json"), twin.encode("utf-8"))
    crashpoints.reached("reject.noted")
    return move(source, target)


def _place_picture(picture: Path | None, target: Path) -> str | None:
    """Put `picture` beside `target` (again, on a replay); the name it has there, if any."""
    placed = target.with_name(picture_name(target.name))
    if picture is None:
        placed.unlink(missing_ok=True)
        return None
    if os.path.lexists(picture):
        write_atomic(placed, picture.read_bytes())
        picture.unlink()
    return placed.name if os.path.lexists(placed) else None
