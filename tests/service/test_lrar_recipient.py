"""Registered letters (LRAR) go to exactly the name and address the letter shows, or are
refused with the reason: never to a part of the address block.

Letters from real templates (tests/fixtures/letters) and drawn ones, through the real
daemon and the emulator; what the emulator received is the proof.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from imprimfip.exitcodes import ExitCode
from tests.fixtures import pdfs
from tests.fixtures.daemon import LRAR_FLOW, write_config
from tests.fixtures.waiting import wait_until

LETTERS = Path(__file__).parents[1] / "fixtures" / "letters"
CASES = {
    Path(case["file"]).stem: case
    for case in json.loads((LETTERS / "cases.json").read_text(encoding="utf-8"))
}
FOUR = ("MADAME CLAIRE MARTIN", "APPARTEMENT 12", "12 RUE DES LILAS", "75011 PARIS")

REFUSED = {
    # KOMA-Script NF.lco, six lines at 12 pt: the first line starts above the window.
    "scrlttr2-nf-12pt-6l-template": "« SARL MARTIN ET FILS » dépasse du haut de la fenêtre",
    # Typst with formalettre's geometry: the window starts 5 mm higher than the zone.
    "typst-10pt-5l-template": "« SARL MARTIN ET FILS » dépasse du haut de la fenêtre",
    "lettre-10pt-5l-below": "« 69002 LYON » dépasse du bas de la fenêtre",
}
DEPOSITED = (
    "scrlttr2-nf-10pt-6l-template",
    "scrlttr2-nf-10pt-4l-ref-gap-template",
    "lettre-12pt-6l-ref-gap-template",
    "typst-12pt-4l-ref-gap-top_edge",
    "writer-10pt-4l-ref-tight-template",
    "writer-12pt-6l-bottom_edge",
)


def save(inbox: Path, name: str, data: bytes) -> None:
    temporary = inbox / f".{name}.part"
    temporary.write_bytes(data)
    os.replace(temporary, inbox / name)


def shown_lines(address: dict[str, str]) -> list[str]:
    """The lines of a `recipient.address` object as the envelope would print them."""
    middle = [address[key] for key in ("line2", "line3", "line4", "line5") if address.get(key)]
    postal = " ".join(p for p in (address.get("zipCode", ""), address.get("town", "")) if p)
    return [
        address["name"],
        *middle,
        postal,
        *([address["country"]] if "country" in address else []),
    ]


def test_lrar_letters_go_to_the_whole_address_they_show_or_are_refused(
    tmp_path, sandbox, start_daemon
):
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url, flows=LRAR_FLOW))
    flow = tmp_path / "spool" / "recommande"
    letters = {
        name: (LETTERS / CASES[name]["file"]).read_bytes() for name in [*REFUSED, *DEPOSITED]
    }
    reference_tight = pdfs.draw_text("N/Réf : 2024/118", (110.0, 60.0 + 4 * 4.5))
    letters["drawn-ref-tight"] = pdfs.make_letter(address_lines=FOUR, extra=reference_tight)
    letters["drawn-six-above"] = pdfs.make_letter(
        address_lines=CASES["scrlttr2-nf-12pt-6l-template"]["address"],
        address_origin_mm=(110.0, 49.7),
        address_size=12,
        address_pitch_mm=5.1,
    )
    for name, data in letters.items():
        save(flow / "inbox", f"{name}.pdf", data)

    def filed() -> set[str]:
        found = set()
        for folder in ("done", "error"):
            found |= (
                {p.stem for p in (flow / folder).rglob("*.pdf")}
                if (flow / folder).exists()
                else set()
            )
        return found

    wait_until(lambda: filed() >= set(letters), timeout=90)

    received = {
        sub["filename"].rsplit("_", 1)[0]: sub["jsonParameters"]["recipient"]["address"]
        for sub in sandbox.submissions()
    }
    expected_deposits = {name: CASES[name]["address"] for name in DEPOSITED}
    expected_deposits["drawn-ref-tight"] = list(FOUR)
    assert {name: shown_lines(address) for name, address in received.items()} == expected_deposits
    for name, reason in [*REFUSED.items(), ("drawn-six-above", "dépasse du haut de la fenêtre")]:
        note = (flow / "error" / f"{name}.pdf.erreur.txt").read_text(encoding="utf-8")
        assert reason in note, note
        assert "redéposez" in note
    assert daemon.stop() == ExitCode.OK
