"""A letter's data file (its JSON sidecar) checked like the letter: any fault in it sends
the letter to error/ with a French note, through the real daemon; nothing stays stuck in
processing/ and nothing is deposited with a list or an object for a name."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from imprimfip.exitcodes import ExitCode
from tests.fixtures.daemon import LRAR_FLOW, write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.waiting import wait_until


def save(inbox: Path, name: str, data: bytes) -> None:
    temporary = inbox / f".{name}.part"
    temporary.write_bytes(data)
    os.replace(temporary, inbox / name)


def address(**fields: object) -> bytes:
    base = {"name": "MADAME CLAIRE MARTIN", "line4": "12 RUE DES LILAS", "zipCode": "75011"}
    return json.dumps({"recipient": {"address": {**base, "town": "PARIS", **fields}}}).encode()


SIDECARS = {
    "enorme": b"[" * 200_000 + b"]" * 200_000,
    "imbrique": b"[" * 30_000 + b"]" * 30_000,
    "liste": address(name=["A"]),
    "objet": address(town={"x": 1}),
    "nombre": address(zipCode=75011),
}


@pytest.mark.timeout(180)
def test_a_faulty_sidecar_sends_its_letter_to_error_with_a_french_note(
    tmp_path, sandbox, start_daemon
):
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url, flows=LRAR_FLOW))
    flow = tmp_path / "spool" / "recommande"
    for name, sidecar in SIDECARS.items():
        save(flow / "inbox", f"{name}.json", sidecar)
        save(flow / "inbox", f"{name}.pdf", make_letter())

    notes = {name: flow / "error" / f"{name}.pdf.erreur.txt" for name in SIDECARS}
    wait_until(lambda: all(note.exists() for note in notes.values()), timeout=60)

    for note in notes.values():
        text = note.read_text(encoding="utf-8")
        assert "n'a pas été envoyé" in text
        assert "JSON" in text
    assert "64 Ko" in notes["enorme"].read_text(encoding="utf-8")
    assert "imbriqués trop profondément" in notes["imbrique"].read_text(encoding="utf-8")
    assert "recipient.address.name" in notes["liste"].read_text(encoding="utf-8")
    assert "recipient.address.town" in notes["objet"].read_text(encoding="utf-8")
    assert "recipient.address.zipCode" in notes["nombre"].read_text(encoding="utf-8")
    assert sandbox.submissions() == []
    wait_until(lambda: not any((flow / "processing").iterdir()), timeout=30)
    assert "internal_error" not in daemon.log()
    assert daemon.stop() == ExitCode.OK
