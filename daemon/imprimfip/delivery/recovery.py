"""After a restart, or once a storage fault has cleared: file what the ledger decided and
pick up what was interrupted, from the ledger, leaving alone the letters still on their way
(`busy`)."""

from __future__ import annotations

import os
from collections.abc import Collection

import structlog

from imprimfip import notes_fr
from imprimfip.delivery.courier import Courier, letter_log
from imprimfip.delivery.flow import Flow
from imprimfip.intake.claim import Claimed, NotRegular, reread
from imprimfip.ledger import Letter, LetterState

log = structlog.get_logger(__name__)


def _in_processing(flow: Flow, letter: Letter) -> bool:
    return letter.claim_name is not None and os.path.lexists(
        flow.folders.processing / letter.claim_name
    )


def file_decided(courier: Courier, flow: Flow, busy: Collection[int] = ()) -> None:
    """Replay the filing of letters already decided (deposited, rejected, held) but not filed.

    Raises `StorageFault` at the first letter its share (or the ledger) cannot take; the
    others wait for the next replay.
    """
    for letter in courier.ledger.unfiled(flow.config.name):
        if letter.id in busy:
            continue
        letter_log(flow, letter).info("replaying_filing", state=str(letter.state))
        courier.file(flow, letter)


def interrupted(
    courier: Courier, flow: Flow, limit: int, busy: Collection[int] = ()
) -> list[Claimed]:
    """Letters claimed but not yet sent, read again; stopped deposits become uncertain.

    Returns the claimed letters to deliver again. A letter stopped while being submitted
    may have been received: it is never sent again automatically (see docs/invariants.md,
    'Nothing is mailed twice').
    """
    ledger = courier.ledger
    for letter in ledger.in_states(LetterState.SUBMITTING, flow=flow.config.name):
        if letter.id in busy:
            continue
        letter_log(flow, letter).warning("deposit_interrupted_now_uncertain")
        ledger.move(letter.id, LetterState.UNCERTAIN, {"why": "stopped during the deposit"})
    again = []
    for letter in ledger.in_states(LetterState.CLAIMED, flow=flow.config.name):
        if letter.id in busy:
            continue
        if not _in_processing(flow, letter):
            ledger.move(letter.id, LetterState.VOID, {"why": "claim rename never happened"})
            continue
        content = reread(ledger, flow.folders, letter, limit)
        if isinstance(content, NotRegular):
            courier.reject(flow, letter, [notes_fr.not_regular_file(content.kind)])
        else:
            again.append(content)
    return again


def unsettled(courier: Courier, flow: Flow) -> list[Letter]:
    """Uncertain letters not yet found again nor held for a person."""
    return [
        letter
        for letter in courier.ledger.in_states(LetterState.UNCERTAIN, flow=flow.config.name)
        if letter.final_path is None
    ]
