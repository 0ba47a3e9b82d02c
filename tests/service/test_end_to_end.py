"""The walking skeleton, as a user sees it: a PDF saved in an inbox goes out."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import subprocess
import sys

import pytest

from imprimfip.exitcodes import ExitCode
from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.spool import files, save
from tests.fixtures.waiting import wait_until

# Each test runs the daemon in a child process.
pytestmark = pytest.mark.slow


def test_a_letter_saved_in_the_inbox_is_deposited_once_and_lands_in_done(
    tmp_path, sandbox, start_daemon
):
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    letter = make_letter(pages=2)
    save(flow / "inbox", "Relance Dupont.pdf", letter)

    # The receipt is written right after the letter is moved: wait for it.
    wait_until(lambda: list(flow.glob("done/*/*.recu.json")), timeout=30)

    [deposited] = [p for p in files(flow / "done") if p.suffix == ".pdf"]
    assert deposited.name == "Relance Dupont.pdf"
    assert deposited.read_bytes() == letter
    [submission] = sandbox.submissions()
    assert submission["sha256"] == hashlib.sha256(letter).hexdigest()
    assert submission["sendingType"] == "STD"
    with sqlite3.connect(tmp_path / "state" / "ledger.sqlite3") as db:
        [(state, ref)] = db.execute("SELECT state, internal_ref FROM letters").fetchall()
    assert (state, ref) == ("deposited", submission["internalRef"])
    receipt = deposited.with_name(deposited.name + ".recu.json").read_text(encoding="utf-8")
    assert submission["internalRef"] in receipt
    assert files(flow / "processing") == []
    assert files(flow / "inbox") == []
    assert daemon.stop() == ExitCode.OK


def test_a_file_that_is_not_a_pdf_goes_to_error_with_a_french_note(tmp_path, sandbox, start_daemon):
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    save(flow / "inbox", "facture.pdf", b"<html><body>Ceci est une page web</body></html>")

    note = flow / "error" / "facture.pdf.erreur.txt"
    wait_until(lambda: (flow / "error" / "facture.pdf").exists() and note.exists(), timeout=30)

    text = note.read_text(encoding="utf-8")
    assert "« facture.pdf » n'a pas été envoyé" in text
    assert "Que faire" in text
    assert str(tmp_path) not in text
    assert sandbox.submissions() == []
    assert files(flow / "processing") == []
    assert daemon.stop(signal.SIGINT) == ExitCode.OK


def test_two_mistakes_in_the_config_are_both_reported_and_exit_78(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text(
        '[api]\nusername = "demo"\npassword = { env = "X", optional = true }\n'
        'payload_encoding = "xml"\n\n[[flows]]\nname = "courrier"\nroot = "spool"\n'
        'sending_type = "LETTRE"\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "imprimfip", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == ExitCode.CONFIG
    assert "api.payload_encoding" in result.stderr
    assert 'flows[0] ("courrier").sending_type' in result.stderr
    assert str(config) in result.stderr
