"""Filing a decided letter: the side effect of `done`, `rejected` and held `uncertain`.

`filed_at` is stamped once the letter and its receipt or notes are all in place; until
then a restart files it again, which every step allows (the destination is in the ledger).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from imprimfip.config.model import FlowConfig
from imprimfip.folders import FlowFolders
from imprimfip.intake.sidecar import sidecar_name
from imprimfip.ledger import Ledger, Letter, LetterState
from imprimfip.ledger.store import now_iso
from imprimfip.outputs import filing, notes_fr
from imprimfip.outputs.moves import move


@dataclass(frozen=True)
class Station:
    """A flow as delivery needs it: its options, its folders, its static annexes."""

    flow: FlowConfig
    folders: FlowFolders
    annexes: tuple[tuple[str, bytes], ...]


def reasons_of(letter: Letter) -> list[notes_fr.Reason]:
    """The reasons recorded for a refused or held letter, one per line of `reason`."""
    codes = (letter.reason_code or "").split(",")
    texts = (letter.reason or "").split("\n")
    return [notes_fr.Reason(codes[min(i, len(codes) - 1)], text) for i, text in enumerate(texts)]


def receipt(station: Station, letter: Letter) -> dict[str, object]:
    """The receipt written beside a deposited letter in done/ (keys in French, for staff)."""
    return {
        "fichier": letter.name,
        "flux": station.flow.name,
        "reference_imprimfip": letter.internal_ref,
        "nom_depose": letter.submit_name,
        "sha256": letter.sha256,
        "taille_octets": letter.size,
        "depose_le": letter.submitting_since,
        "type_envoi": station.flow.sending_type,
        "papier": station.flow.paper,
        "pour_le_compte_de": station.flow.on_behalf_of,
    }


def _drew_picture(ledger: Ledger, letter: Letter) -> bool:
    """Whether the letter was refused with a picture of its page (see `Courier.deliver`)."""
    if letter.state is not LetterState.REJECTED:
        return False
    for step in ledger.transitions(letter.id):
        detail = step["detail"]
        if step["to_state"] == LetterState.REJECTED and isinstance(detail, dict):
            return bool(detail.get("picture"))
    return False


def finish(ledger: Ledger, station: Station, letter: Letter, source: Path | None = None) -> None:
    """Put a decided letter where the ledger says, from processing/ unless `source` is given."""
    if letter.final_path is None or letter.claim_name is None:
        return
    source = source or station.folders.processing / letter.claim_name
    target = Path(letter.final_path)
    if letter.state is LetterState.DONE:
        placed = filing.file_done(source, target, receipt(station, letter))
    else:
        advice = "" if letter.state is LetterState.UNCERTAIN else notes_fr.RESEND
        picture = station.folders.processing / filing.picture_name(letter.claim_name)
        placed = filing.file_error(
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
    companion = station.folders.processing / sidecar_name(letter.claim_name)
    if os.path.lexists(companion):
        move(companion, placed.with_name(sidecar_name(placed.name)))
    ledger.update(letter.id, final_path=str(placed), filed_at=now_iso())
