"""The status page, served for real and read in headless Chromium (Debian's chromium)."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from imprimfip.config.model import StatusPageConfig
from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.history import WHOLE_FILE, History, Outcome, Status
from imprimfip.ledger.workers import Reader
from imprimfip.outputs.statuspage.page_server import StatusPage
from imprimfip.outputs.statuspage.render import FlowSummary
from imprimfip.service.lookups import PageLookups
from imprimfip.tracking import finality as f
from imprimfip.tracking.refresh import refresh
from imprimfip.tracking.schedule import Timing

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
NOW = datetime.now(UTC)
FLOWS = [FlowSummary("courrier", "STD"), FlowSummary("recommande", "LRAR")]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


def deposit(
    ledger: Ledger,
    history: History,
    flow: str,
    name: str,
    hours_ago: float,
    *statuses: Status,
    alerts=(),
) -> None:
    deposited = NOW - timedelta(hours=hours_ago)
    letter = ledger.add(flow, name, LetterState.CLAIMED)
    ledger.move(letter.id, LetterState.SUBMITTING, submitting_since=deposited.isoformat())
    ledger.move(letter.id, LetterState.DEPOSITED, internal_ref=f"{letter.id}@demo.pdf")
    kind = "LRAR" if flow == "recommande" else "STD"
    history.enroll(letter.id, kind, deposited, NOW)
    bodies = tuple((key, key, {"flow": flow}, ()) for key in alerts)
    history.record(letter.id, NOW, Outcome(statuses, NOW + timedelta(hours=1), None, bodies))


def doc(letter_id: int, status: str, message: str = "") -> Status:
    return Status(f"{letter_id}@demo.pdf", status, NOW.isoformat(), message)


@pytest.fixture
def ledger(tmp_path):
    """Five letters: one shipped, one in error, one overdue, one refused, one uncertain."""
    opened = Ledger(tmp_path / "ledger.sqlite3")
    history = History(opened)
    submitted = Status(WHOLE_FILE, f.SUBMITTED, NOW.isoformat(), "")
    deposit(opened, history, "courrier", "Relevé d'échéances.pdf", 30, submitted, doc(1, f.SHIPPED))
    deposit(
        opened,
        history,
        "courrier",
        "Facture <12>.pdf",
        20,
        Status(WHOLE_FILE, f.ERROR, None, "PDF illisible"),
        alerts=("error:",),
    )
    deposit(
        opened,
        history,
        "courrier",
        "Relance.pdf",
        50,
        submitted,
        doc(3, f.WAITING),
        alerts=("overdue",),
    )
    deposit(
        opened,
        history,
        "recommande",
        "Convocation.pdf",
        80,
        submitted,
        doc(4, f.REFUSED, "Pli refusé"),
        alerts=("delivery:4@demo.pdf",),
    )
    uncertain = opened.add("recommande", "Incertaine.pdf", LetterState.CLAIMED)
    opened.move(uncertain.id, LetterState.SUBMITTING, submitting_since=NOW.isoformat())
    opened.move(uncertain.id, LetterState.UNCERTAIN)
    yield opened
    opened.close()


def up_to_date(ledger: Ledger) -> None:
    """Bring every letter's lines up to date, as the daemon's keeper does."""
    while refresh(ledger, Timing()).letters:
        pass


@contextlib.asynccontextmanager
async def served(
    ledger: Ledger,
    flows: list[FlowSummary],
    now: datetime,
    error_folders: Mapping[str, Path] | None = None,
) -> AsyncIterator[StatusPage]:
    """The real page server on `ledger`, its lines brought up to date first; a refused
    letter's picture is looked for in `error_folders` (each flow's error/)."""
    up_to_date(ledger)
    path = Path(ledger.connection.execute("PRAGMA database_list").fetchone()["file"])
    reader = Reader(path)
    lookups = PageLookups(reader, error_folders or {})
    server = StatusPage(StatusPageConfig(listen="127.0.0.1:0"), flows, lookups, lambda: now)
    await server.start()
    assert server.url is not None
    try:
        yield server
    finally:
        await server.stop()
        await reader.close()


@pytest.fixture
async def page(ledger):
    async with served(ledger, FLOWS, NOW) as server:
        yield server


async def chromium(tmp_path: Path, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        str(CHROMIUM),
        *FLAGS,
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    async with asyncio.timeout(60):
        out, _ = await process.communicate()
    assert process.returncode == 0
    return out.decode("utf-8")


def text_of(section: str, dom: str) -> str:
    """The text of a section, its tags dropped and its white space collapsed."""
    match = re.search(rf'<section id="{section}">(.*?)</section>', dom, re.S)
    assert match, f"no section {section}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


@pytest.mark.slow  # headless Chromium starts for each page read
@needs_chromium
async def test_the_page_lists_flows_counts_and_letters_needing_attention_first(tmp_path, page):
    dom = await chromium(tmp_path, "--dump-dom", page.url)
    assert "<title>Suivi des envois IMPRIM'FIP</title>" in dom
    assert "<script" not in dom
    flows = text_of("flux", dom)
    assert "courrier (Courrier simple)" in flows and "recommande (Recommandé avec AR)" in flows
    assert re.search(r"Expédié\s+1", flows)
    attention = text_of("a-traiter", dom)
    order = [
        attention.index(name)
        for name in ("Incertaine.pdf", "Facture &lt;12&gt;.pdf", "Relance.pdf", "Convocation.pdf")
    ]
    assert order == sorted(order), "uncertain, errors, overdue, then undelivered"
    assert "Relevé d'échéances.pdf" not in attention
    for label in ("Dépôt incertain", "Erreur", "En retard", "Non distribué"):
        assert label in attention
    recent = text_of("derniers", dom)
    assert recent.index("Incertaine.pdf") < recent.index("Relevé d'échéances.pdf")


@pytest.mark.slow  # headless Chromium starts for each page read
@needs_chromium
async def test_searching_a_file_name_ignores_case_and_accents(tmp_path, page):
    dom = await chromium(tmp_path, "--dump-dom", f"{page.url}?q=releve")
    found = text_of("recherche", dom)
    assert "Relevé d'échéances.pdf" in found
    assert "Relance.pdf" not in found
    narrowed = await chromium(tmp_path, "--dump-dom", f"{page.url}?flux=recommande")
    assert "Relevé" not in text_of("derniers", narrowed)
    assert "Convocation.pdf" in text_of("derniers", narrowed)


async def test_the_page_forbids_scripts_and_is_read_only(page):
    async with httpx.AsyncClient() as http:
        answer = await http.get(page.url)
        posted = await http.post(page.url)
    assert answer.status_code == 200
    assert "script-src" not in answer.headers["content-security-policy"]
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert posted.status_code == 405


@needs_chromium
async def test_a_letter_found_by_its_reference_opens_with_its_history(tmp_path, page):
    found = await chromium(tmp_path, "--dump-dom", f"{page.url}?q=4@demo")
    assert "Convocation.pdf" in text_of("recherche", found)
    [address] = re.findall(r'href="(/courrier/\d+)"', found.split('id="recherche"')[1])[:1]
    letter = await chromium(tmp_path, "--dump-dom", page.url.rstrip("/") + address)
    assert "<script" not in letter
    assert "Convocation.pdf" in text_of("courrier", letter)
    history = text_of("historique", letter)
    assert "Refusé" in history and "Pli refusé" in history
    assert "Non distribué" in text_of("statut", letter)
