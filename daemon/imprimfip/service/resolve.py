"""`imprimfip resolve`: a person settles a letter whose deposit outcome is unknown.

The daemon never resends such a letter by itself (see docs/invariants.md, 'Nothing is
mailed twice'). After checking in
IMPRIM'FIP, a person either records it as received (`--sent INTERNAL_REF`), which files it
in done/ with that reference, or asks for it to be sent again (`--resend`), which puts it
back into the inbox as a new letter. Without an action, the uncertain letters are listed.
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path

from imprimfip.config import Config, load_config
from imprimfip.delivery import filing
from imprimfip.delivery.flow import Flow
from imprimfip.errors import ConfigError, UnknownLetter
from imprimfip.exitcodes import ExitCode
from imprimfip.folders import FlowFolders
from imprimfip.ledger import Ledger, Letter, LetterState
from imprimfip.moves import free_name, move
from imprimfip.service.config_file import DEFAULT_CONFIG, report_config_error

NOTE_SUFFIXES = (".erreur.txt", ".erreur.json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="TOML config file")
    parser.add_argument("letter", nargs="?", type=int, help="the letter's number (see the list)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--sent", metavar="INTERNAL_REF", help="IMPRIM'FIP has it under this internalRef"
    )
    action.add_argument(
        "--resend", action="store_true", help="IMPRIM'FIP does not have it: send it again"
    )


def _listing(ledger: Ledger) -> str:
    letters = ledger.in_states(LetterState.UNCERTAIN)
    if not letters:
        return "No uncertain letter."
    lines = ["number  flow  file  deposited as  since"]
    lines += [f"{x.id}  {x.flow}  {x.name}  {x.submit_name}  {x.submitting_since}" for x in letters]
    return "\n".join(lines)


def _remove_notes(held: Path) -> None:
    for suffix in NOTE_SUFFIXES:
        held.with_name(held.name + suffix).unlink(missing_ok=True)


def _held_path(ledger: Ledger, letter: Letter) -> Path:
    """Where the letter was held in error/ before a person resolved it."""
    for step in reversed(ledger.transitions(letter.id)):
        held = step["detail"].get("held_path")  # type: ignore[union-attr]
        if held:
            return Path(str(held))
    assert letter.final_path is not None
    return Path(letter.final_path)


def record_sent(config: Config, ledger: Ledger, letter: Letter, internal_ref: str) -> Path:
    """File an uncertain letter in done/ as deposited under `internal_ref`."""
    flow = Flow(config.flow(letter.flow), FlowFolders(config.flow(letter.flow).root), ())
    held = _held_path(ledger, letter)
    if letter.state is LetterState.UNCERTAIN:
        target = filing.done_target(flow.folders, letter.name, datetime.now().astimezone())
        letter = ledger.move(
            letter.id,
            LetterState.DEPOSITED,
            {"by": "imprimfip resolve --sent", "held_path": str(held)},
            internal_ref=internal_ref,
            final_path=str(target),
            filed_at=None,
        )
    filing.file_letter(ledger, flow, letter, source=held)
    _remove_notes(held)
    return Path(ledger.get(letter.id).final_path or "")


def resend(config: Config, ledger: Ledger, letter: Letter) -> Path:
    """Put an uncertain letter back into its inbox, to be sent as a new letter."""
    folders = FlowFolders(config.flow(letter.flow).root)
    held = _held_path(ledger, letter)
    target = folders.inbox / free_name(folders.inbox, letter.name)
    if letter.state is LetterState.UNCERTAIN:
        ledger.move(
            letter.id,
            LetterState.VOID,
            {"by": "imprimfip resolve --resend", "held_path": str(held), "resent_as": str(target)},
        )
    if os.path.lexists(held):
        target = move(held, target)
    _remove_notes(held)
    return target


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config, secrets=False)
    except ConfigError as error:
        return report_config_error(error)
    ledger = Ledger(config.ledger.path)
    try:
        if args.letter is None:
            print(_listing(ledger))
            return ExitCode.OK
        try:
            letter = ledger.get(args.letter)
        except UnknownLetter:
            print(
                f"imprimfip resolve: no letter number {args.letter}; run it without a number "
                "to list the uncertain ones"
            )
            return ExitCode.USAGE
        if letter.state is not LetterState.UNCERTAIN or letter.final_path is None:
            print(
                f"imprimfip resolve: letter {letter.id} ({letter.name}) is {letter.state}, "
                "not an uncertain letter held for a person: nothing to resolve"
            )
            return ExitCode.FAILED
        if args.sent:
            placed = record_sent(config, ledger, letter, args.sent)
            print(f"Letter {letter.id} recorded as deposited ({args.sent}), filed as {placed}")
        elif args.resend:
            placed = resend(config, ledger, letter)
            print(f"Letter {letter.id} put back into the inbox as {placed}: it will be sent again")
        else:
            print("imprimfip resolve: say --sent INTERNAL_REF or --resend")
            return ExitCode.USAGE
        return ExitCode.OK
    finally:
        ledger.close()
