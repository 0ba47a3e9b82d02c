"""What each address of the status page shows, and what it asks of the ledger.

Addresses (GET only; every list is one page of `PAGE` lines, with a link to the next):

- `/`: the search form, the flows with their letters counted by status, the letters that
  need someone (the `TO_DO` most urgent, with their total), then the latest letters; narrowed
  by `?flux=` (one flow), `?statut=` (one status), `?jour=AAAA-MM-JJ` (one day) or `?q=`
  (a search by file name, IMPRIM'FIP reference or business reference), `?apres=` for the
  next page;
- `/a-traiter`: every letter that needs someone, the most urgent first (`?flux=`);
- `/courrier/<n>`: one letter with its whole history;
- `/courrier/<n>/image`: the picture of the page of a letter refused for its layout, as
  filed beside it in its flow's error/ folder (linked from the lists and the letter's page
  while it is there).

The data comes from a `PageSource` (`service.lookups`), whose reads run in worker threads.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from urllib.parse import urlencode

from imprimfip.letter_lines import Line
from imprimfip.outputs.statuspage.render import FlowSummary, number, render

PAGE = 50
TO_DO = 20
# Lines lag a change by a fraction of a second; only a backlog this large (after an
# upgrade) is worth telling staff that counts and lists are still catching up.
CATCHING_UP = 100
_CURSOR = re.compile(r"^\d{1,19}(-\d{1,19})?$")


@dataclass(frozen=True)
class Wanted:
    """One list as the page's address asks for it."""

    flow: str = ""
    status: str = ""
    day: date | None = None
    to_do: bool = False
    words: str = ""
    after: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Listing:
    lines: list[Line]
    following: tuple[int, ...] | None  # the cursor of the next page; None on the last


@dataclass(frozen=True)
class Count:
    flow: str
    status: str
    attention: str  # '' when this status needs nobody
    lines: int


@dataclass(frozen=True)
class Story:
    """One letter and everything the ledger recorded of it (times as ISO text)."""

    letter_id: int
    flow: str
    file: str
    state: str
    internal_ref: str | None
    reason: str | None
    created_at: str
    lines: list[Line]
    moves: list[dict[str, str | None]] = field(default_factory=list)
    statuses: list[dict[str, str | None]] = field(default_factory=list)
    alerts: list[dict[str, str | None]] = field(default_factory=list)


class PageSource(Protocol):
    async def counts(self) -> list[Count]: ...

    async def listing(self, wanted: Wanted, limit: int) -> Listing: ...

    async def story(self, letter_id: int) -> Story | None: ...

    async def waiting(self) -> int:
        """Letters whose lines are not up to date yet (after an upgrade)."""
        ...

    async def pictures(self, letter_ids: Sequence[int]) -> set[int]:
        """Those of `letter_ids` refused with a picture of their page still beside them."""
        ...

    async def picture(self, letter_id: int) -> bytes | None:
        """The PNG picture of a refused letter's page; None if it has none (any more)."""
        ...


async def _pictured(source: PageSource, *lists: Sequence[Line]) -> set[int]:
    return await source.pictures([line.letter_id for lines in lists for line in lines])


def cursor(text: str) -> tuple[int, ...] | None:
    """The cursor of `?apres=` ("id" or "urgency-id"); None if absent or malformed."""
    if not _CURSOR.match(text):
        return None
    return tuple(int(part) for part in text.split("-"))


def day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def by_status(counts: Sequence[Count]) -> dict[str, list[Count]]:
    """Each flow's letters by status, the most frequent first (whatever their reason to be
    looked at: a shipped letter may or may not have been late)."""
    merged: dict[str, Counter[str]] = {}
    for count in counts:
        merged.setdefault(count.flow, Counter())[count.status] += count.lines
    return {
        flow: [
            Count(flow, status, "", lines)
            for status, lines in sorted(statuses.items(), key=lambda item: (-item[1], item[0]))
        ]
        for flow, statuses in merged.items()
    }


def to_do_total(counts: Sequence[Count], flow: str) -> int:
    return sum(c.lines for c in counts if c.attention and (not flow or c.flow == flow))


def status_total(counts: Sequence[Count], flow: str, status: str) -> int:
    return sum(c.lines for c in counts if c.status == status and (not flow or c.flow == flow))


@dataclass(frozen=True)
class Link:
    href: str
    label: str


def _next(path: str, params: Mapping[str, str], listing: Listing) -> Link | None:
    if listing.following is None:
        return None
    after = "-".join(str(part) for part in listing.following)
    query = urlencode({**{k: v for k, v in params.items() if v}, "apres": after})
    return Link(f"{path}?{query}", "Courriers suivants →")


def wanted_from(params: Mapping[str, str], flows: Sequence[FlowSummary]) -> Wanted:
    flow = params.get("flux", "")
    return Wanted(
        flow=flow if flow in {f.name for f in flows} else "",
        status=params.get("statut", "").strip(),
        day=day(params.get("jour", "")),
        words=params.get("q", "").strip(),
        after=cursor(params.get("apres", "")),
    )


def _backlog(waiting: int) -> int:
    return waiting if waiting >= CATCHING_UP else 0


def _list_title(wanted: Wanted) -> tuple[str, str, str]:
    """The main list's title, section id and text when empty."""
    if wanted.words:
        return f"Recherche : « {wanted.words} »", "recherche", "Aucun courrier trouvé."
    if wanted.status:
        return f"Statut : {wanted.status}", "statut", "Aucun courrier n'a ce statut."
    if wanted.day:
        shown = wanted.day.strftime("%d/%m/%Y")
        return f"Courriers du {shown}", "jour", "Aucun courrier ce jour-là."
    return "Derniers courriers", "derniers", "Aucun courrier déposé."


async def front(
    source: PageSource, flows: Sequence[FlowSummary], now: datetime, params: Mapping[str, str]
) -> str:
    """The page at `/`: counts, letters to look at, then one page of the list asked for."""
    wanted = wanted_from(params, flows)
    narrowed = bool(wanted.words or wanted.status or wanted.day or wanted.after)
    counts, listing, to_do, waiting = await asyncio.gather(
        source.counts(),
        source.listing(wanted, PAGE),
        source.listing(Wanted(flow=wanted.flow, to_do=True), TO_DO),
        source.waiting(),
    )
    total = to_do_total(counts, wanted.flow)
    more = None
    if total > len(to_do.lines):
        query = urlencode({"flux": wanted.flow} if wanted.flow else {})
        more = Link(f"/a-traiter?{query}", f"Voir les {number(total)} courriers à traiter")
    pictured = await _pictured(source, listing.lines, [] if narrowed else to_do.lines)
    title, anchor, empty = _list_title(wanted)
    if wanted.status:
        title += f" ({status_total(counts, wanted.flow, wanted.status)})"
    return render(
        "index.html",
        flows=flows,
        now=now,
        waiting=_backlog(waiting),
        wanted=wanted,
        by_flow=by_status(counts),
        to_do=None if narrowed else to_do.lines,
        to_do_total=total,
        to_do_more=more,
        listing=listing,
        following=_next("/", params, listing),
        pictured=pictured,
        title=title,
        anchor=anchor,
        empty=empty,
    )


async def to_do_page(
    source: PageSource, flows: Sequence[FlowSummary], now: datetime, params: Mapping[str, str]
) -> str:
    wanted = wanted_from(params, flows)
    wanted = Wanted(flow=wanted.flow, to_do=True, after=wanted.after)
    counts, listing, waiting = await asyncio.gather(
        source.counts(), source.listing(wanted, PAGE), source.waiting()
    )
    where = f" du flux {wanted.flow}" if wanted.flow else ""
    return render(
        "to_do.html",
        flows=flows,
        now=now,
        waiting=_backlog(waiting),
        listing=listing,
        following=_next("/a-traiter", params, listing),
        pictured=await _pictured(source, listing.lines),
        title=f"À traiter{where} ({to_do_total(counts, wanted.flow)})",
    )


async def letter_page(
    source: PageSource, flows: Sequence[FlowSummary], now: datetime, letter_id: int
) -> str | None:
    story = await source.story(letter_id)
    if story is None:
        return None
    pictured = await source.pictures([letter_id])
    return render("letter.html", flows=flows, now=now, waiting=0, story=story, pictured=pictured)
