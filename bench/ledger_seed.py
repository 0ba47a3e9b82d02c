"""A ledger of N letters with realistic lives, as the version before the stored lines
(schema version 2) left it, written in one transaction and kept in a cache folder keyed by N:
the daemon's first start on it is an upgrade, as in an office that installs this version.

Letters are spread evenly over `YEARS` years up to now, in four flows: `courrier` (ordinary
letters, 70 %), `recommande` (LRAR, 15 %), `electronique` (LRE, 10 %) and `lots` (ordinary
multi-document files of 3 letters, 5 %). About 2 % were refused before their deposit, a
handful are uncertain; every deposited letter has its three moves, a tracking row and the
statuses the poller would have recorded: most ended as final (shipped, delivered), some in
error, some registered letters refused or not collected, some overdue with their alert, a
few no longer followed, and the letters of the last weeks still followed (their next poll
a day ahead, so no poll is due while a benchmark runs). The tables are made by the ledger's
own migrations 1 and 2; the rows are written straight with SQL, in the columns and with the
values version 2's `Ledger` and `History` wrote (a deposited letter's state was `done`), as
today's code can no longer write them; so a million letters take a few minutes, once.
Everything the daemon keeps beyond that (the lines, their counts, the word index) it builds
itself when it upgrades the ledger.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from imprimfip.ledger.schema import MIGRATIONS

YEARS = 3
# Bump when the generated content changes, so cached ledgers of an older kind are not used.
GENERATION = 1
SCHEMA = 2
# What schema 2 called a deposited letter (migration 3 renames it).
DEPOSITED = "done"
FLOWS = (("courrier", "STD", 0.70), ("recommande", "LRAR", 0.15), ("electronique", "LRE", 0.10))
MULTI = ("lots", "STD")
STILL_FOLLOWED_DAYS = 20


def cache_path(letters: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "imprimfip-bench-ledgers"
    return folder / f"ledger-v{SCHEMA}-g{GENERATION}-{letters}.sqlite3"


def cached_ledger(letters: int) -> Path:
    """The cached ledger of `letters` letters, generated first if missing."""
    path = cache_path(letters)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.unlink(missing_ok=True)
        generate(partial, letters)
        partial.rename(path)
    return path


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


@dataclass
class Rows:
    letters: list[tuple[object, ...]] = field(default_factory=list)
    moves: list[tuple[object, ...]] = field(default_factory=list)
    tracking: list[tuple[object, ...]] = field(default_factory=list)
    statuses: list[tuple[object, ...]] = field(default_factory=list)
    alerts: list[tuple[object, ...]] = field(default_factory=list)


def _flow(chance: random.Random) -> tuple[str, str, bool]:
    draw = chance.random()
    for name, kind, share in FLOWS:
        if draw < share:
            return name, kind, False
        draw -= share
    return MULTI[0], MULTI[1], True


def _ending(chance: random.Random, kind: str) -> tuple[tuple[str, str, float] | None, str, str]:
    """How a document's life ends after its shipping: the last status (and its delay in
    days after the shipping), the trouble it means, and how its tracking ended."""
    draw = chance.random()
    if draw < 0.004:
        return ("Erreur", "Adresse illisible", -0.5), "error", "final"
    if kind == "STD":
        return None, "", "final"
    if draw < 0.03:
        return ("Refusé", "Pli refusé par le destinataire", 2), "delivery", "final"
    if draw < 0.05:
        return ("Négligé", "Pli non réclamé", 16), "delivery", "final"
    if draw < 0.055:
        return None, "", "horizon"
    return ("Distribué", "", 2), "", "final"


def _documents(
    chance: random.Random, kind: str, at: datetime, now: datetime
) -> tuple[list[tuple[str, str, datetime]], str, str | None]:
    """The statuses of one document seen by `now`, the trouble it shows, how it ended."""
    late = chance.random() < 0.01
    shipped = at + (timedelta(days=3) if late else timedelta(hours=20))
    last, trouble, ended = _ending(chance, kind)
    life = [
        ("En attente de traitement", "", at + timedelta(hours=1)),
        ("En cours de traitement", "", at + timedelta(hours=8)),
    ]
    if last is not None and last[0] == "Erreur":
        life.append((last[0], last[1], at + timedelta(hours=9)))
    else:
        life.append(("Expédié", "", shipped))
        if last is not None:
            life.append((last[0], last[1], shipped + timedelta(days=last[2])))
    seen = [status for status in life if status[2] <= now]
    if len(seen) < len(life):
        ended = None
        trouble = "overdue" if late and now - at > timedelta(days=2) else ""
    elif late and not trouble:
        trouble = "overdue"
    return seen, trouble, ended


def _letter(rows: Rows, letter_id: int, at: datetime, now: datetime, chance: random.Random) -> None:
    flow, kind, multi = _flow(chance)
    name = f"{flow}-{at:%Y%m%d}-{letter_id:07d}-{chance.choice(NAMES)}.pdf"
    sha = hashlib.sha256(name.encode()).hexdigest()
    stamp = iso(at)
    draw = chance.random()
    if draw < 0.02:
        error_path = f"/srv/{flow}/error/{name}"
        reason = "La page 1 n'est pas au format A4."
        rejected = (letter_id, flow, name, "rejected", sha, 48_213, name, None, None)
        rows.letters.append(
            (*rejected, error_path, "page_size", reason, None, stamp, None, stamp, stamp)
        )
        rows.moves += [
            (letter_id, stamp, None, "claimed"),
            (letter_id, stamp, "claimed", "rejected"),
        ]
        return
    ref = f"{name.removesuffix('.pdf')}_{at:%d%m%Y%H%M%S}@imprimfip.pdf"
    state = "uncertain" if draw < 0.02002 else DEPOSITED
    done_path = f"/srv/{flow}/done/{at:%Y-%m-%d}/{name}"
    deposited_ref = ref if state == DEPOSITED else None
    known = (letter_id, flow, name, state, sha, 48_213, name, name, deposited_ref, done_path)
    rows.letters.append((*known, None, None, stamp, stamp, None, stamp, stamp))
    rows.moves += [
        (letter_id, stamp, None, "claimed"),
        (letter_id, stamp, "claimed", "submitting"),
        (letter_id, stamp, "submitting", state),
    ]
    if state != DEPOSITED:
        return
    references = [f"FAC-{letter_id:07d}-{n}" for n in range(1, 4)] if multi else [ref]
    rows.statuses.append((letter_id, "", "Soumis", stamp, "", iso(at + timedelta(minutes=10))))
    ends, trouble = [], ""
    for reference in references:
        seen, problem, end = _documents(chance, kind, at, now)
        trouble = trouble or problem
        ends.append(end)
        rows.statuses += [
            (letter_id, reference, status, iso(when), message, iso(when))
            for status, message, when in seen
        ]
    ended = None if None in ends else ("horizon" if "horizon" in ends else "final")
    if at > now - timedelta(days=STILL_FOLLOWED_DAYS):
        ended = None
    next_poll = None if ended else iso(now + timedelta(days=1))
    rows.tracking.append((letter_id, kind, stamp, next_poll, 4, stamp, ended))
    if trouble:
        key = {"overdue": "overdue", "error": f"error:{references[0]}"}.get(
            trouble, f"delivery:{references[0]}"
        )
        kind_of = key.split(":")[0]
        body = json.dumps({"kind": kind_of, "flow": flow, "file": name}, ensure_ascii=False)
        rows.alerts.append((letter_id, key, kind_of, stamp, body))


NAMES = ("DUPONT", "MARTIN", "BERNARD", "Relevé-d'échéances", "Facture", "Convocation", "Avis")


def _batches(letters: int, now: datetime, seed: int, size: int = 20_000) -> Iterator[Rows]:
    chance = random.Random(seed)
    start = now - timedelta(days=365 * YEARS)
    step = (now - start) / max(letters, 1)
    rows = Rows()
    for n in range(letters):
        at = start + step * n + timedelta(seconds=chance.uniform(0, 30))
        _letter(rows, n + 1, at, now, chance)
        if len(rows.letters) >= size:
            yield rows
            rows = Rows()
    yield rows


def generate(path: Path, letters: int, seed: int = 12) -> None:
    """Write a ledger of `letters` letters at `path` with schema version 2."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    for number, script in enumerate(MIGRATIONS[:SCHEMA], start=1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    db.execute("BEGIN")
    for rows in _batches(letters, datetime.now(UTC), seed):
        db.executemany(f"INSERT INTO letters VALUES ({', '.join('?' * 17)})", rows.letters)
        db.executemany(
            "INSERT INTO transitions (letter_id, at, from_state, to_state) VALUES (?, ?, ?, ?)",
            rows.moves,
        )
        db.executemany(
            "INSERT INTO tracking (letter_id, sending_type, deposited_at, next_poll_at, polls, "
            "last_poll_at, ended) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows.tracking,
        )
        db.executemany(
            "INSERT INTO status_history (letter_id, reference, status, status_date, message, "
            "seen_at) VALUES (?, ?, ?, ?, ?, ?)",
            rows.statuses,
        )
        db.executemany(
            "INSERT INTO alerts (letter_id, key, kind, raised_at, body) VALUES (?, ?, ?, ?, ?)",
            rows.alerts,
        )
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
