"""Bringing each letter's lines (`ledger.lines`) up to date: `refresh` takes a batch of the
letters the ledger noted as changed, computes their lines (`letters.lines_of`, the same
words as ever) and stores those that differ, with the report months they touch.

Synchronous, on the caller's connection: the daemon runs it in the keeper's thread
(`tracking.keeper`), `imprimfip status` before it reads the lines (`bring_up_to_date`,
which takes a large backlog in ranges through `catch_up` first).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from imprimfip.ledger import Ledger
from imprimfip.ledger import lines as stored_lines
from imprimfip.ledger.history import History
from imprimfip.tracking import catch_up
from imprimfip.tracking.catch_up import SHOWN, Filler
from imprimfip.tracking.letters import lines_of
from imprimfip.tracking.schedule import Timing
from imprimfip.tracking.stored import Row, month_of, row_of

BATCH = 500

Months = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Refreshed:
    """What one batch did: letters taken, and the (flow, month) of the lines changed."""

    letters: int
    months: Months


def refresh(ledger: Ledger, timing: Timing, limit: int = BATCH) -> Refreshed:
    """Bring the lines of up to `limit` changed letters up to date."""
    db = ledger.connection
    marks = stored_lines.changed(db, limit)
    if not marks:
        return Refreshed(0, frozenset())
    ids = [mark.letter_id for mark in marks]
    letters = ledger.letters(ids)
    facts = History(ledger).facts(ids)
    before = stored_lines.stored(db, ids)
    updates = []
    for mark in marks:
        letter = letters.get(mark.letter_id)
        now: list[Row] = []
        if letter is not None and letter.state in SHOWN:
            known = facts[mark.letter_id]
            shown = lines_of(letter, known.tracked, known.latest, known.alerts, timing)
            now = [row_of(letter, line, place) for place, line in enumerate(shown)]
        if now != before[mark.letter_id]:
            touched = {
                (str(row[2]), month_of(str(row[7]))) for row in [*now, *before[mark.letter_id]]
            }
            updates.append(stored_lines.Update(mark, tuple(now), frozenset(touched)))
    with ledger.transaction() as write:
        stored_lines.store(write, updates, marks)
    return Refreshed(len(marks), frozenset(m for update in updates for m in update.months))


def bring_up_to_date(ledger: Ledger, timing: Timing) -> None:
    """Every letter's lines up to date now (`imprimfip status`, whether the daemon runs or
    not): a backlog in ranges (`catch_up`), then the letters left one by one."""
    if stored_lines.waiting(ledger.connection) > BATCH:
        filler, high = Filler(timing), sys.maxsize
        while high is not None:
            _, high = filler.fill_below(ledger, high, catch_up.CATCH_UP_LETTERS)
    while refresh(ledger, timing).letters == BATCH:
        pass
