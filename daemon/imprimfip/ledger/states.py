"""The life of a letter in the ledger, and which moves between states are allowed.

A state names a decision; the side effect it announces (a rename, an upload, a note) is done
after the state is durable, and done again on replay if the daemon stopped in between.

    claimed ──▶ submitting ──▶ deposited  (IMPRIM'FIP accepted the letter)
       │  ▲          │
       │  └ (system  ├──▶ rejected   (the API refused the letter)
       │     fault)  └──▶ uncertain  (outcome unknown: held for a person) ──▶ deposited | void
       ├──▶ rejected (invalid letter, duplicate, not a regular file)
       └──▶ void     (the claim's rename never happened: the file is still in the inbox)

A person settles an uncertain letter with `imprimfip resolve`: it was received (deposited,
with its internalRef) or must be sent again (void: the file goes back to the inbox as a new
letter).
"""

from __future__ import annotations

from enum import StrEnum


class LetterState(StrEnum):
    CLAIMED = "claimed"
    SUBMITTING = "submitting"
    DEPOSITED = "deposited"
    REJECTED = "rejected"
    UNCERTAIN = "uncertain"
    VOID = "void"


_ALLOWED: dict[LetterState | None, frozenset[LetterState]] = {
    None: frozenset({LetterState.CLAIMED, LetterState.REJECTED}),
    LetterState.CLAIMED: frozenset(
        {LetterState.SUBMITTING, LetterState.REJECTED, LetterState.VOID}
    ),
    LetterState.SUBMITTING: frozenset(
        {LetterState.DEPOSITED, LetterState.REJECTED, LetterState.UNCERTAIN, LetterState.CLAIMED}
    ),
    LetterState.UNCERTAIN: frozenset({LetterState.DEPOSITED, LetterState.VOID}),
    LetterState.DEPOSITED: frozenset(),
    LetterState.REJECTED: frozenset(),
    LetterState.VOID: frozenset(),
}

# States whose letter still sits in processing/ once its side effect is complete.
IN_PROCESSING = frozenset({LetterState.CLAIMED, LetterState.SUBMITTING})


def can_move(current: LetterState | None, target: LetterState) -> bool:
    """Whether a letter in `current` (None: not yet in the ledger) may go to `target`."""
    return target in _ALLOWED[current]
