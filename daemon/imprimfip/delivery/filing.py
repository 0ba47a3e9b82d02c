"""Filing a decided letter: the side effect of `deposited`, `rejected` and held `uncertain`.

A deposited letter goes out of processing/ into a dated folder of done/ with its receipt; a
refused or held one into error/ with its French note. The destination is recorded in the
ledger before the move, and every step may be done again, so filing is idempotent
on replay. `filed_at` is stamped once the letter and its receipt or notes are all in place;
until then a restart files it again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from imprimfip import crashpoints, notes_fr
from imprimfip.delivery.flow import Flow
from imprimfip.folders import FlowFolders
from imprimfip.intake.sidecar import sidecar_name
from imprimfip.ledger import Ledger, Letter, LetterState
from imprimfip.ledger.store import now_iso
from imprimfip.moves import free_name, move, write_atomic
from imprimfip.storage.classify import storage_faults
from imprimfip.storage.leftovers import remove, temporaries

# What is written beside a filed letter: its receipt in done/; its note, the note's JSON
# twin and the picture of a page refused for its layout in error/.
RECEIPT = ".recu.json"
NOTE = ".erreur.txt"
TWIN = ".erreur.json"
PICTURE_SUFFIX = ".erreur.png"
COMPANIONS = (RECEIPT, NOTE, TWIN, PICTURE_SUFFIX)


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


def reasons_of(letter: Letter) -> list[notes_fr.Reason]:
    """The reasons recorded for a refused or held letter, one per line of `reason`."""
    codes = (letter.reason_code or "").split(",")
    texts = (letter.reason or "").split("\n")
    return [notes_fr.Reason(codes[min(i, len(codes) - 1)], text) for i, text in enumerate(texts)]


def receipt(flow: Flow, letter: Letter) -> dict[str, object]:
    """The receipt written beside a deposited letter in done/ (keys in French, for staff)."""
    return {
        "fichier": letter.name,
        "flux": flow.config.name,
        "reference_imprimfip": letter.internal_ref,
        "nom_depose": letter.submit_name,
        "sha256": letter.sha256,
        "taille_octets": letter.size,
        "depose_le": letter.submitting_since,
        "type_envoi": flow.config.sending_type,
        "papier": flow.config.paper,
        "pour_le_compte_de": flow.config.on_behalf_of,
    }


def write_receipt(placed: Path, receipt: Mapping[str, object]) -> None:
    """Write the receipt of a deposited letter beside it, in done/."""
    body = json.dumps(dict(receipt), ensure_ascii=False, indent=2) + "\n"
    crashpoints.fail("filing.receipt", placed)
    write_atomic(placed.with_name(placed.name + RECEIPT), body.encode("utf-8"))


def _move(source: Path, target: Path) -> Path:
    crashpoints.fail("filing.move", target)
    return move(source, target)


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
    crashpoints.fail("filing.note", target)
    write_atomic(target.with_name(target.name + NOTE), text.encode("utf-8"))
    crashpoints.fail("filing.twin", target)
    write_atomic(target.with_name(target.name + TWIN), twin.encode("utf-8"))
    crashpoints.reached("reject.noted")
    return _move(source, target)


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


def _drew_picture(ledger: Ledger, letter: Letter) -> bool:
    """Whether the letter was refused with a picture of its page (see `Courier.deliver`)."""
    if letter.state is not LetterState.REJECTED:
        return False
    for step in ledger.transitions(letter.id):
        detail = step["detail"]
        if step["to_state"] == LetterState.REJECTED and isinstance(detail, dict):
            return bool(detail.get("picture"))
    return False


def file_letter(ledger: Ledger, flow: Flow, letter: Letter, source: Path | None = None) -> None:
    """Put a decided letter where the ledger says, from processing/ unless `source` is given.

    Raises `StorageFault` when its share fails (and `LedgerFault` when the ledger's disk
    does): the letter keeps its state, and filing it again later picks up where it stopped.
    """
    if letter.final_path is None or letter.claim_name is None:
        return
    source = source or flow.folders.processing / letter.claim_name
    target = Path(letter.final_path)
    with storage_faults(target):
        _file(ledger, flow, letter, source, target)


def _file(ledger: Ledger, flow: Flow, letter: Letter, source: Path, target: Path) -> None:
    assert letter.claim_name is not None
    # What a failed earlier try left half-written goes first.
    remove(temporaries(target, COMPANIONS))
    if letter.state is LetterState.DEPOSITED:
        crashpoints.fail("filing.folder", target.parent)
        placed = _move(source, target)
        if placed != target:
            # Two letters of one name decided together: a replay must find this one where
            # it went, not write its receipt beside the other.
            letter = ledger.update(letter.id, final_path=str(placed))
        crashpoints.reached("done.moved")
        write_receipt(placed, receipt(flow, letter))
    else:
        advice = "" if letter.state is LetterState.UNCERTAIN else notes_fr.RESEND
        picture = flow.folders.processing / picture_name(letter.claim_name)
        placed = file_error(
            source,
            target,
            name=letter.name,
            reasons=reasons_of(letter),
            when=datetime.now().astimezone(),
            advice=advice,
            picture=picture if _drew_picture(ledger, letter) else None,
            state=str(letter.state),
            sha256=letter.sha256,
            submit_name=letter.submit_name,
        )
    companion = flow.folders.processing / sidecar_name(letter.claim_name)
    if os.path.lexists(companion):
        crashpoints.fail("filing.sidecar", companion)
        move(companion, placed.with_name(sidecar_name(placed.name)))
    ledger.update(letter.id, final_path=str(placed), filed_at=now_iso())
