"""After a restart: finish what the ledger decided and pick up what was interrupted."""

from __future__ import annotations

import os

import structlog

from imprimfip.delivery.courier import Courier, letter_log
from imprimfip.delivery.filer import Station
from imprimfip.intake.claim import Claimed, NotRegular, reread
from imprimfip.ledger import Letter, LetterState
from imprimfip.outputs import notes_fr

log = structlog.get_logger(__name__)


def _in_processing(station: Station, letter: Letter) -> bool:
    return letter.claim_name is not None and os.path.lexists(
        station.folders.processing / letter.claim_name
    )


def finish_decided(courier: Courier, station: Station) -> None:
    """Replay the filing of letters already decided (done, rejected, held) but not filed."""
    for letter in courier.ledger.unfiled(station.flow.name):
        letter_log(station, letter).info("replaying_filing", state=str(letter.state))
        courier.finish(station, letter)


def interrupted(courier: Courier, station: Station, limit: int) -> list[Claimed]:
    """Letters claimed but not yet sent, read again; stopped deposits become uncertain.

    Returns the claimed letters to deliver again. A letter stopped while being submitted
    may have been received: it is never sent again automatically (see docs/invariants.md,
    'Nothing is mailed twice').
    """
    ledger = courier.ledger
    for letter in ledger.in_states(LetterState.SUBMITTING, flow=station.flow.name):
        letter_log(station, letter).warning("deposit_interrupted_now_uncertain")
        ledger.move(letter.id, LetterState.UNCERTAIN, {"why": "stopped during the deposit"})
    again = []
    for letter in ledger.in_states(LetterState.CLAIMED, flow=station.flow.name):
        if not _in_processing(station, letter):
            ledger.move(letter.id, LetterState.VOID, {"why": "claim rename never happened"})
            continue
        content = reread(ledger, station.folders, letter, limit)
        if isinstance(content, NotRegular):
            courier.reject(station, letter, [notes_fr.not_regular_file(content.kind)])
        else:
            again.append(content)
    return again


def unsettled(courier: Courier, station: Station) -> list[Letter]:
    """Uncertain letters not yet found again nor held for a person."""
    return [
        letter
        for letter in courier.ledger.in_states(LetterState.UNCERTAIN, flow=station.flow.name)
        if letter.final_path is None
    ]
