"""Retention, by choice and never by surprise (`[retention]`, off by default).

Three kinds, each on only when given a number of days: a deposited letter's PDF and receipt
in done/ (`done_days`), a refused letter's PDF and notes in error/ (`error_days`), a
letter's detailed history in the ledger (`history_days`, see `ledger.retention`). Only a
letter whose life is over is touched: refused, returned to the inbox (void), or deposited
and no longer followed (final status, or past its horizon). A letter still followed, held
as uncertain or in flight keeps everything; it is logged once as kept and passed over.
Files are removed only inside the flow's own done/ or error/ folder.

It runs off the event loop, in a thread with its own connection, in batches of `BATCH`
letters in the order they came, a cursor per kind kept in the ledger: a run costs what it
retires. Every removal is logged (`retention_removed`) and counted
(`imprimfip_retention_removed_total`). Nothing else depends on it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from imprimfip.config.model import RetentionConfig
from imprimfip.folders import FlowFolders
from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger import retention as aged
from imprimfip.ledger.lines import read_cursor, write_cursor
from imprimfip.ledger.store import iso
from imprimfip.ledger.workers import Workers
from imprimfip.metrics import RETIRED

log = structlog.get_logger(__name__)

BATCH = 200
FIRST_RUN_S = 60.0
EVERY_S = 3600.0
# Beside the letter's own file: its receipt in done/, its notes in error/.
COMPANIONS = {"done": (".recu.json",), "error": (".erreur.txt", ".erreur.json")}


def is_over(letter: aged.Aged) -> bool:
    """Whether nothing more can happen to a letter."""
    if letter.state in (LetterState.REJECTED, LetterState.VOID):
        return True
    return letter.state == LetterState.DEPOSITED and letter.ended is not None


# Whose files each kind is about: a letter held as uncertain sits in error/ too.
_OWNERS = {
    "done": frozenset({LetterState.DEPOSITED}),
    "error": frozenset({LetterState.REJECTED, LetterState.UNCERTAIN}),
}


def concerns(letter: aged.Aged, kind: str) -> bool:
    return kind == "history" or letter.state in _OWNERS[kind]


def removable(letter: aged.Aged, kind: str) -> bool:
    """Whether retention of `kind` may take this letter's files or history."""
    if not (is_over(letter) and concerns(letter, kind)):
        return False
    return kind == "history" or (letter.final_path is not None and letter.filed_at is not None)


def files_of(final_path: Path, kind: str, folder: Path) -> list[Path]:
    """The letter's files of `kind`, if they sit inside `folder` (else none)."""
    if not final_path.resolve().is_relative_to(folder.resolve()):
        return []
    return [final_path] + [final_path.with_name(final_path.name + c) for c in COMPANIONS[kind]]


class Retention:
    """Runs every kind that is on, once a minute after the start, then every hour."""

    def __init__(
        self,
        config: RetentionConfig,
        roots: Mapping[str, Path],
        ledger: Path,
        clock: Callable[[], datetime],
    ) -> None:
        self._days = {
            "done": config.done_days,
            "error": config.error_days,
            "history": config.history_days,
        }
        self._folders = {flow: FlowFolders(root) for flow, root in roots.items()}
        self._writer: Workers[Ledger] = Workers(
            lambda: Ledger(ledger), Ledger.close, threads=1, name="ledger-retention"
        )
        self._clock = clock

    @property
    def on(self) -> bool:
        return any(days is not None for days in self._days.values())

    async def run(self) -> None:
        """Run until cancelled; a folder that cannot be changed now is tried again at the
        next run (the letter's cursor did not move)."""
        await asyncio.sleep(FIRST_RUN_S)
        while True:
            await self.run_once()
            await asyncio.sleep(EVERY_S)

    async def run_once(self) -> None:
        """Retire, kind by kind, every letter old enough for it."""
        for kind, days in self._days.items():
            if days is None:
                continue
            until = iso(self._clock() - timedelta(days=days))
            try:
                while await self._writer.run(
                    lambda ledger, k=kind, u=until: self._batch(ledger, k, u)
                ):
                    await asyncio.sleep(0)
            except OSError as exc:
                log.warning("retention_paused", what=kind, error=str(exc))

    async def close(self) -> None:
        await self._writer.close()

    def _batch(self, ledger: Ledger, kind: str, until: str) -> bool:
        """Retire one batch of letters that arrived before `until`; False when done."""
        name = f"retention_{kind}"
        letters = aged.after(ledger.connection, read_cursor(ledger.connection, name), BATCH)
        old = [letter for letter in letters if letter.created_at < until]
        if not old:
            return False
        retired = [letter for letter in old if self._retire(letter, kind)]
        with ledger.transaction() as db:
            if kind == "history":
                aged.forget_history(db, [letter.letter_id for letter in retired])
            write_cursor(db, name, old[-1].letter_id)
        for letter in retired if kind == "history" else ():
            _removed(letter, kind)
        return len(old) == len(letters)

    def _retire(self, letter: aged.Aged, kind: str) -> bool:
        """Remove the letter's files of `kind` now (history: say it may go)."""
        if not removable(letter, kind):
            if concerns(letter, kind) and not is_over(letter):
                _say("retention_kept", letter, kind, state=letter.state)
            return False
        if kind == "history":
            return True
        folders = self._folders.get(letter.flow)
        folder = getattr(folders, kind, None)
        if folder is None or letter.final_path is None:
            return False
        removed = False
        for path in files_of(Path(letter.final_path), kind, folder):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed = True
        if kind == "done":
            with contextlib.suppress(OSError):
                Path(letter.final_path).parent.rmdir()  # its dated folder, once empty
        if removed:
            _removed(letter, kind)
        return removed


def _removed(letter: aged.Aged, kind: str) -> None:
    RETIRED.labels(flow=letter.flow, what=kind).inc()
    _say("retention_removed", letter, kind)


def _say(event: str, letter: aged.Aged, kind: str, **more: object) -> None:
    log.info(
        event, letter_id=letter.letter_id, flow=letter.flow, file=letter.name, what=kind, **more
    )
