"""The status page's lists as queries: pages of lines with a link to the next, the letters to
look at capped with their total, pages per flow, status, day and letter (the real page
server on a real SQLite ledger, read over HTTP)."""

from __future__ import annotations

import asyncio
import html
import re
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.history import WHOLE_FILE, History, Outcome, Status
from imprimfip.ledger.workers import Reader
from imprimfip.outputs.statuspage.render import FlowSummary
from imprimfip.tracking import finality as f
from tests.outputs.test_status_page import served

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FLOWS = [FlowSummary("courrier", "STD"), FlowSummary("lots", "STD")]


def deposit(ledger: Ledger, flow: str, name: str, when: datetime, *statuses: Status) -> int:
    letter = ledger.add(flow, name, LetterState.CLAIMED)
    ledger.move(letter.id, LetterState.SUBMITTING, submitting_since=when.isoformat())
    ledger.move(letter.id, LetterState.DEPOSITED, internal_ref=f"{name[:-4]}_{letter.id}@demo.pdf")
    history = History(ledger)
    history.enroll(letter.id, "STD", when, NOW)
    if statuses:
        history.record(letter.id, NOW, Outcome(statuses, None, "final"))
    return letter.id


def refuse(ledger: Ledger, name: str) -> None:
    letter = ledger.add("courrier", name, LetterState.CLAIMED)
    ledger.move(letter.id, LetterState.REJECTED, reason="La page 1 n'est pas au format A4.")


@pytest.fixture
def ledger(tmp_path):
    """120 letters in `courrier` over 6 days (the last 30 shipped), a multi-document file
    in `lots`, 25 letters refused before their deposit."""
    opened = Ledger(tmp_path / "ledger.sqlite3")
    shipped = (Status(WHOLE_FILE, f.SUBMITTED, None, ""),)
    for n in range(120):
        when = NOW - timedelta(days=5) + timedelta(hours=n)
        done = (*shipped, Status(f"ref-{n}", f.SHIPPED, None, "")) if n >= 90 else ()
        deposit(opened, "courrier", f"lettre-{n:03d}.pdf", when, *done)
    documents = [Status(f"FAC-2026-{n}", f.SHIPPED, None, "") for n in (1, 2, 3)]
    deposit(opened, "lots", "lot-mars.pdf", NOW - timedelta(days=1), *shipped, *documents)
    for n in range(25):
        refuse(opened, f"refusee-{n:02d}.pdf")
    yield opened
    opened.close()


@pytest.fixture
async def http(ledger):
    async with (
        served(ledger, FLOWS, NOW) as server,
        httpx.AsyncClient(base_url=server.url or "", timeout=30) as client,
    ):
        yield client


def section(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.S)
    assert match, f"no section {anchor}"
    return match.group(1)


def files(part: str) -> list[str]:
    return [
        html.unescape(name) for name in re.findall(r'<a href="/courrier/\d+">([^<]+)</a>', part)
    ]


def next_link(part: str) -> str | None:
    found = re.search(r'<a href="([^"]+)">Courriers suivants', part)
    return html.unescape(found.group(1)) if found else None


async def test_every_letter_is_listed_once_page_after_page(http):
    seen, address = [], "/?flux=courrier"
    while address:
        part = section((await http.get(address)).text, "derniers")
        names = files(part)
        assert len(names) <= 50
        seen += names
        address = next_link(part)
    assert len(seen) == 145
    assert len(set(seen)) == len(seen)
    deposited = [name for name in seen if name.startswith("lettre-")]
    assert deposited == sorted(deposited, reverse=True), "the latest first"


async def test_the_letters_to_look_at_are_capped_with_their_total(http):
    part = section((await http.get("/")).text, "a-traiter")
    assert "À traiter (25)" in part
    assert len(files(part)) == 20
    assert "Voir les 25 courriers à traiter" in part
    everything = section((await http.get("/a-traiter")).text, "a-traiter")
    assert sorted(files(everything)) == [f"refusee-{n:02d}.pdf" for n in range(25)]


async def test_a_status_a_day_and_a_search_each_have_their_page(http):
    shipped = section(
        (await http.get("/", params={"flux": "courrier", "statut": f.SHIPPED})).text, "statut"
    )
    assert "Statut : Expédié (30)" in shipped
    assert len(files(shipped)) == 30
    day = (NOW - timedelta(days=5)).astimezone().date()
    on_day = files(section((await http.get("/", params={"jour": day.isoformat()})).text, "jour"))
    assert on_day and all(name.startswith("lettre-") for name in on_day)
    assert len(on_day) <= 24
    found = section((await http.get("/", params={"q": "FAC-2026-2"})).text, "recherche")
    assert files(found) == ["lot-mars.pdf"] and "FAC-2026-2" in found
    by_ref = section((await http.get("/", params={"q": "lettre-007_8@demo"})).text, "recherche")
    assert files(by_ref) == ["lettre-007.pdf"]


async def test_a_letter_has_its_page_with_its_whole_history(http):
    front = (await http.get("/", params={"q": "lot-mars"})).text
    [address] = re.findall(r'href="(/courrier/\d+)"', section(front, "recherche"))[:1]
    page = (await http.get(address)).text
    assert "lot-mars.pdf" in section(page, "courrier")
    assert files(section(page, "statut")) == ["lot-mars.pdf"] * 3
    history = section(page, "historique")
    assert all(ref in history for ref in ("FAC-2026-1", "FAC-2026-2", "FAC-2026-3"))
    assert "Déposé" in section(page, "etapes")
    assert (await http.get("/courrier/999999")).status_code == 404


async def test_the_page_says_when_its_counts_are_catching_up(ledger, http):
    deposit(ledger, "courrier", "toute-neuve.pdf", NOW)
    assert "Mise à jour en cours" not in (await http.get("/")).text, "a moment's lag is not"
    with ledger.transaction() as db:
        db.execute("INSERT OR IGNORE INTO changed_letters SELECT id, 1 FROM letters")
    assert "Mise à jour en cours : 147 courrier(s)" in (await http.get("/")).text


async def test_a_reader_holding_the_ledger_never_holds_a_deposit_up(ledger, tmp_path):
    """A read that stays open (a slow page) runs in its own thread on its own connection:
    the loop goes on writing the letters' moves meanwhile."""
    reader = Reader(tmp_path / "ledger.sqlite3")
    reading, release = threading.Event(), threading.Event()

    def slow(db):
        db.execute("BEGIN")
        count = db.execute("SELECT count(*) FROM letters").fetchone()[0]
        reading.set()
        release.wait(30)
        db.execute("COMMIT")
        return count

    read = asyncio.ensure_future(reader.run(slow))
    await asyncio.to_thread(reading.wait, 30)
    letter = deposit(ledger, "courrier", "pendant-la-lecture.pdf", NOW)
    assert ledger.get(letter).state is LetterState.DEPOSITED
    assert not read.done(), "the read is still open while the letter was deposited"
    release.set()
    assert await read == letter - 1, "the reader saw the ledger as it was when it began"
    await reader.close()
