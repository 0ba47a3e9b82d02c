"""A letter refused for its layout lands in error/ with a picture of its page, named by its
note and its JSON twin; other refusals have none."""

from __future__ import annotations

import io
import json
import re

import httpx
from PIL import Image
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from imprimfip.validation.picture import MAX_PNG_BYTES
from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.ports import free_port
from tests.fixtures.spool import files, save
from tests.fixtures.waiting import wait_until


def logo_in_window(canvas: Canvas) -> None:
    canvas.rect(150 * mm, (297 - 85) * mm, 30 * mm, 8 * mm, fill=1)


def test_a_layout_refusal_has_its_picture_and_a_font_refusal_none(tmp_path, sandbox, start_daemon):
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    save(flow / "inbox", "Relance Martin.pdf", make_letter(extra=logo_in_window))
    save(flow / "inbox", "Polices.pdf", make_letter(embed_fonts=False))
    error = flow / "error"
    wait_until((error / "Polices.pdf").exists, timeout=60)
    wait_until((error / "Relance Martin.pdf").exists, timeout=60)

    png = (error / "Relance Martin.pdf.erreur.png").read_bytes()
    assert len(png) <= MAX_PNG_BYTES
    assert Image.open(io.BytesIO(png)).format == "PNG"
    note = (error / "Relance Martin.pdf.erreur.txt").read_text(encoding="utf-8")
    assert "« Relance Martin.pdf.erreur.png »" in note and "en bleu" in note
    twin = json.loads((error / "Relance Martin.pdf.erreur.json").read_text(encoding="utf-8"))
    assert twin["picture"] == "Relance Martin.pdf.erreur.png"
    assert [r["code"] for r in twin["reasons"]] == ["window_clutter"]

    assert not (error / "Polices.pdf.erreur.png").exists()
    fonts = json.loads((error / "Polices.pdf.erreur.json").read_text(encoding="utf-8"))
    assert fonts["picture"] is None
    assert ".png" not in (error / "Polices.pdf.erreur.txt").read_text(encoding="utf-8")
    assert files(flow / "processing") == []
    assert sandbox.submissions() == []
    assert daemon.stop() == 0


def test_an_old_picture_of_the_same_name_is_not_kept_beside_a_new_note(
    tmp_path, sandbox, start_daemon
):
    """Staff removed a refused letter but left its picture; the next letter of that name,
    refused for another reason, must not seem to come with it."""
    flow = tmp_path / "spool" / "courrier"
    (flow / "error").mkdir(parents=True)
    (flow / "error" / "lettre.pdf.erreur.png").write_bytes(b"old picture")
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    save(flow / "inbox", "lettre.pdf", make_letter(embed_fonts=False))
    wait_until((flow / "error" / "lettre.pdf").exists, timeout=60)
    assert not (flow / "error" / "lettre.pdf.erreur.png").exists()
    assert daemon.stop() == 0


def test_the_status_page_links_the_refused_letter_to_its_picture(tmp_path, sandbox, start_daemon):
    page = free_port()
    extra = f'\n[status_page]\nlisten = "127.0.0.1:{page}"\n'
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url, extra=extra))
    error = tmp_path / "spool" / "courrier" / "error"
    save(error.parent / "inbox", "Relance Martin.pdf", make_letter(extra=logo_in_window))
    wait_until((error / "Relance Martin.pdf").exists, timeout=60)
    url = f"http://127.0.0.1:{page}"

    def linked() -> list[str]:
        return re.findall(r'href="(/courrier/\d+/image)"', httpx.get(url, timeout=10).text)

    wait_until(linked, timeout=60)
    [image] = set(linked())
    served = httpx.get(url + image, timeout=10)
    assert served.headers["content-type"] == "image/png"
    assert served.content == (error / "Relance Martin.pdf.erreur.png").read_bytes()
    letter = httpx.get(url + image.removesuffix("/image"), timeout=10).text
    assert f'href="{image}"' in letter
    (error / "Relance Martin.pdf.erreur.png").unlink()
    gone = httpx.get(url + image, timeout=10)
    assert gone.status_code == 404 and "Image introuvable" in gone.text
    assert daemon.stop() == 0
