"""A restart with letters in every state of the ledger resumes each one where it stopped."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime

import httpx

from imprimfip.folders import FlowFolders
from imprimfip.ledger import Ledger, LetterState
from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.spool import files, save
from tests.fixtures.waiting import wait_until


def deposit_directly(api_url: str, filename: str, data: bytes) -> str:
    """What a deposit whose answer was lost left on the server."""
    answer = httpx.post(
        f"{api_url}/file/submission",
        headers={"X-Correlation-ID": str(uuid.uuid4()), "X-Request-ID": "t", "username": "demo"},
        files={
            "docFile": (filename, data, "application/octet-stream"),
            "jsonParameters": (
                None,
                json.dumps(
                    {"filename": filename, "options": {"paper": "DUPLEX", "sendingType": "STD"}}
                ),
                "application/json",
            ),
        },
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["internalRef"]


def test_a_restart_resumes_letters_in_every_state(tmp_path, sandbox, start_daemon):
    config = write_config(tmp_path, sandbox.api_url)
    folders = FlowFolders(tmp_path / "spool" / "courrier")
    folders.root.mkdir(parents=True, exist_ok=True)
    folders.ensure()
    ledger = Ledger(tmp_path / "state" / "ledger.sqlite3")
    letters = {name: make_letter(text=(name,)) for name in "abcdefg"}
    now = datetime.now(UTC).isoformat()

    def claimed(name: str, in_processing: bool = True) -> int:
        letter = ledger.add(
            "courrier", f"{name}.pdf", LetterState.CLAIMED, claim_name=f"x-{name}.pdf"
        )
        if in_processing:
            (folders.processing / f"x-{name}.pdf").write_bytes(letters[name])
        return letter.id

    def submitting(name: str) -> int:
        number = claimed(name)
        ledger.move(
            number,
            LetterState.SUBMITTING,
            submit_name=f"{name}_{number:06d}.pdf",
            submitting_since=now,
        )
        return number

    claimed("a")
    claimed("b", in_processing=False)
    (folders.inbox / "b.pdf").write_bytes(letters["b"])
    submitting("c")
    d = submitting("d")
    lost_ref = deposit_directly(sandbox.api_url, f"d_{d:06d}.pdf", letters["d"])
    e = submitting("e")
    ledger.move(
        e,
        LetterState.DEPOSITED,
        internal_ref="e_1@demo.pdf",
        final_path=str(folders.done / "2026-11-27" / "e.pdf"),
    )
    f = claimed("f")
    ledger.move(
        f,
        LetterState.REJECTED,
        reason_code="not_pdf",
        reason="Pas un PDF.",
        final_path=str(folders.error / "f.pdf"),
    )
    g = submitting("g")
    ledger.move(g, LetterState.UNCERTAIN)
    ledger.close()

    daemon = start_daemon(config)

    def settled() -> bool:
        with sqlite3.connect(tmp_path / "state" / "ledger.sqlite3") as db:
            pending = db.execute(
                "SELECT count(*) FROM letters WHERE state != 'void' AND filed_at IS NULL"
            ).fetchone()[0]
        return pending == 0 and not files(folders.inbox) and not files(folders.processing)

    wait_until(settled, timeout=60)
    with sqlite3.connect(tmp_path / "state" / "ledger.sqlite3") as db:
        final = dict(db.execute("SELECT name, state FROM letters WHERE state != 'void'"))
        refs = dict(db.execute("SELECT name, internal_ref FROM letters WHERE state = 'deposited'"))
    assert final == {
        "a.pdf": "deposited",
        "b.pdf": "deposited",
        "c.pdf": "uncertain",
        "d.pdf": "deposited",
        "e.pdf": "deposited",
        "f.pdf": "rejected",
        "g.pdf": "uncertain",
    }
    assert refs["d.pdf"] == lost_ref
    sent = [s["filename"].split("_")[0] for s in sandbox.submissions()]
    assert sorted(sent) == ["a", "b", "d"]
    assert (folders.error / "c.pdf.erreur.txt").exists()
    assert (folders.error / "g.pdf.erreur.txt").exists()
    assert (folders.error / "f.pdf.erreur.txt").read_text(encoding="utf-8").count("Pas un PDF.")
    assert (folders.done / "2026-11-27" / "e.pdf.recu.json").exists()
    assert daemon.stop() == 0


def test_an_interrupted_deposit_too_old_to_probe_is_held_for_a_person(
    tmp_path, sandbox, start_daemon
):
    config = write_config(tmp_path, sandbox.api_url)
    text = config.read_text(encoding="utf-8").replace(
        "max_attempts = 2", "max_attempts = 2\nrequest_timeout_s = 600"
    )
    config.write_text(text, encoding="utf-8")
    folders = FlowFolders(tmp_path / "spool" / "courrier")
    folders.root.mkdir(parents=True, exist_ok=True)
    folders.ensure()
    ledger = Ledger(tmp_path / "state" / "ledger.sqlite3")
    letter = ledger.add("courrier", "vieux.pdf", LetterState.CLAIMED, claim_name="x-vieux.pdf")
    (folders.processing / "x-vieux.pdf").write_bytes(make_letter())
    an_hour_ago = datetime.fromtimestamp(datetime.now(UTC).timestamp() - 3600, UTC)
    ledger.move(
        letter.id,
        LetterState.SUBMITTING,
        submit_name="vieux_000001.pdf",
        submitting_since=an_hour_ago.isoformat(),
    )
    ledger.close()

    daemon = start_daemon(config)
    wait_until((folders.error / "vieux.pdf.erreur.txt").exists, timeout=30)
    assert "uncertain_not_probed" in daemon.log()
    assert sandbox.submissions() == []
    save(folders.inbox, "autre.pdf", make_letter(text=("autre",)))
    wait_until(lambda: list(folders.done.glob("*/autre.pdf")), timeout=30)
    assert daemon.stop() == 0
