"""The status page links a letter refused for its layout to the picture filed beside it in
error/, and serves that picture only: found from the ledger by the letter's number, inside
its flow's error/ folder, never through a path taken from the address."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from imprimfip.ledger import Ledger, LetterState
from imprimfip.service.lookups import refused_picture
from tests.outputs.test_status_page import FLOWS, NOW, chromium, needs_chromium, served, text_of

NAME = "Relance Martin.pdf"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(out, "PNG")
    return out.getvalue()


def refuse(ledger: Ledger, flow: str, final_path: Path, name: str = NAME) -> int:
    """A letter refused for ink in the window, filed at `final_path` (as the daemon does)."""
    letter = ledger.add(flow, name, LetterState.CLAIMED)
    ledger.move(
        letter.id,
        LetterState.REJECTED,
        {"reasons": ["window_clutter"], "picture": True},
        reason_code="window_clutter",
        reason="De l'encre dans la fenêtre de l'enveloppe.",
        final_path=str(final_path),
    )
    return letter.id


@pytest.fixture
def spool(tmp_path: Path) -> dict[str, Path]:
    folders = {flow.name: tmp_path / "spool" / flow.name / "error" for flow in FLOWS}
    for folder in folders.values():
        folder.mkdir(parents=True)
    return folders


@pytest.fixture
async def refused(tmp_path: Path, spool: dict[str, Path]) -> AsyncIterator[tuple[str, int]]:
    """The page's address and the number of a refused letter whose picture is in error/."""
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    error = spool["courrier"]
    (error / NAME).write_bytes(b"%PDF-1.4")
    (error / f"{NAME}.erreur.png").write_bytes(png())
    letter_id = refuse(ledger, "courrier", error / NAME)
    try:
        async with served(ledger, FLOWS, NOW, spool) as server:
            assert server.url is not None
            yield server.url, letter_id
    finally:
        ledger.close()


@needs_chromium
async def test_the_lists_and_the_letter_s_page_link_to_its_picture(tmp_path, refused):
    url, letter_id = refused
    image = f"/courrier/{letter_id}/image"
    front = await chromium(tmp_path, "--dump-dom", url)
    assert f'href="{image}"' in front.split('id="a-traiter"')[1].split("</section>")[0]
    letter = await chromium(tmp_path, "--dump-dom", f"{url.rstrip('/')}/courrier/{letter_id}")
    assert "<script" not in letter
    assert f'href="{image}"' in letter
    assert "Image de la page refusée" in text_of("courrier", letter)


async def test_the_picture_is_served_as_a_png_then_said_gone_in_french(refused, spool):
    url, letter_id = refused
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        served_picture = await http.get(f"/courrier/{letter_id}/image")
        assert served_picture.status_code == 200
        assert served_picture.headers["content-type"] == "image/png"
        assert served_picture.content == (spool["courrier"] / f"{NAME}.erreur.png").read_bytes()
        assert "script-src" not in served_picture.headers["content-security-policy"]
        (spool["courrier"] / f"{NAME}.erreur.png").unlink()
        gone = await http.get(f"/courrier/{letter_id}/image")
        letter = await http.get(f"/courrier/{letter_id}")
    assert gone.status_code == 404 and "Image introuvable" in gone.text
    assert gone.headers["content-type"].startswith("text/html")
    assert "/image" not in letter.text, "no link to a picture that is gone"


async def test_a_path_in_the_address_never_reaches_a_file(tmp_path, refused, spool):
    url, letter_id = refused
    secret = "mot de passe du bureau"
    (tmp_path / "spool" / "courrier" / "secret.txt").write_text(secret)
    attempts = [
        f"/courrier/{letter_id}/image/../../secret.txt",
        f"/courrier/{letter_id}/image/..%2F..%2Fsecret.txt",
        f"/courrier/{letter_id}%2F..%2F..%2Fsecret.txt/image",
        "/courrier/..%2F..%2Fspool%2Fcourrier%2Fsecret.txt/image",
        "/courrier/%2e%2e/image",
        f"/courrier/{letter_id}/image?chemin=../../secret.txt",
    ]
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        answers = [await http.get(attempt) for attempt in attempts]
    for attempt, answer in zip(attempts, answers, strict=True):
        assert secret not in answer.text, attempt
        assert answer.status_code in (200, 404), attempt
        assert answer.status_code == 404 or answer.headers["content-type"] == "image/png"


def test_only_a_picture_inside_the_flow_s_error_folder_is_found(tmp_path, spool):
    error = spool["courrier"]
    (error / "2026-12-01").mkdir()
    dated = error / "2026-12-01" / NAME
    (error / "2026-12-01" / f"{NAME}.erreur.png").write_bytes(png())
    assert refused_picture(error, str(dated)) == (error / "2026-12-01" / f"{NAME}.erreur.png")

    done = tmp_path / "spool" / "courrier" / "done"
    done.mkdir()
    (done / f"{NAME}.erreur.png").write_bytes(png())
    assert refused_picture(error, str(done / NAME)) is None, "a path outside error/"
    assert refused_picture(error, str(error / ".." / "done" / NAME)) is None

    (tmp_path / "ailleurs.png").write_bytes(png())
    (error / "lien.pdf.erreur.png").symlink_to(tmp_path / "ailleurs.png")
    assert refused_picture(error, str(error / "lien.pdf")) is None, "a link out of error/"
    (error / "dossier.pdf.erreur.png").mkdir()
    assert refused_picture(error, str(error / "dossier.pdf")) is None, "not a file"
    assert refused_picture(error, str(error / "absent.pdf")) is None


async def test_a_letter_of_another_flow_or_not_refused_has_no_picture(tmp_path, spool):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    error = spool["courrier"]
    (error / f"{NAME}.erreur.png").write_bytes(png())
    # Filed in courrier's error/ by the ledger's word, but said to be recommande's letter.
    stray = refuse(ledger, "recommande", error / NAME)
    held = ledger.add("courrier", "Incertaine.pdf", LetterState.CLAIMED)
    ledger.move(held.id, LetterState.SUBMITTING, submitting_since=NOW.isoformat())
    ledger.move(held.id, LetterState.UNCERTAIN, final_path=str(error / NAME))
    try:
        async with (
            served(ledger, FLOWS, NOW, spool) as server,
            httpx.AsyncClient(base_url=server.url or "", timeout=30) as http,
        ):
            for letter_id in (stray, held.id, 999):
                answer = await http.get(f"/courrier/{letter_id}/image")
                assert answer.status_code == 404, letter_id
            front = await http.get("/")
    finally:
        ledger.close()
    assert not re.search(r'href="/courrier/\d+/image"', front.text)
