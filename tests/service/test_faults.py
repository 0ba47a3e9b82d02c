"""Letter faults and system faults are different (invariant 3); unknown outcomes are never
resent (invariant 2). The real daemon against the emulator's injected faults."""

from __future__ import annotations

import hashlib
import sqlite3

from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.waiting import wait_until
from tests.service.test_end_to_end import files, save


def pdfs(folder):
    return [p for p in files(folder) if p.suffix == ".pdf"]


def states(tmp_path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp_path / "state" / "ledger.sqlite3") as db:
        return db.execute("SELECT name, state FROM letters ORDER BY id").fetchall()


def test_an_outage_keeps_letters_waiting_never_in_error(tmp_path, sandbox, start_daemon):
    sandbox.set_faults(unavailable_503=1.0)
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    save(flow / "inbox", "lettre.pdf", make_letter())

    wait_until(lambda: "deposit_paused" in daemon.log(), timeout=30)
    assert files(flow / "error") == []
    assert len(pdfs(flow / "processing")) == 1

    sandbox.set_faults()
    wait_until(lambda: pdfs(flow / "done"), timeout=60)
    assert len(sandbox.submissions()) == 1
    assert files(flow / "error") == []
    assert daemon.stop() == 0


def test_an_api_refusal_goes_to_error_with_the_api_message(tmp_path, sandbox, start_daemon):
    sandbox.set_faults(reject_400=1.0)
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    save(flow / "inbox", "lettre.pdf", make_letter())

    note = flow / "error" / "lettre.pdf.erreur.txt"
    wait_until(lambda: note.exists() and pdfs(flow / "error"), timeout=30)
    assert "IMPRIM'FIP a refusé ce courrier" in note.read_text(encoding="utf-8")
    assert daemon.stop() == 0


def test_a_lost_answer_is_found_again_and_never_resent(tmp_path, sandbox, start_daemon):
    sandbox.set_faults(drop_after_accept=1.0)
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    letter = make_letter()
    save(flow / "inbox", "lettre.pdf", letter)

    wait_until(lambda: pdfs(flow / "done"), timeout=60)
    [submission] = sandbox.submissions()
    assert submission["sha256"] == hashlib.sha256(letter).hexdigest()
    assert "uncertain_found" in daemon.log()
    assert daemon.stop() == 0


def test_a_500_after_the_deposit_is_found_again_and_never_resent(tmp_path, sandbox, start_daemon):
    sandbox.set_faults(error_500_after_accept=1.0)
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    save(flow / "inbox", "lettre.pdf", make_letter())

    wait_until(lambda: pdfs(flow / "done"), timeout=60)
    assert len(sandbox.submissions()) == 1
    assert daemon.stop() == 0


def test_the_same_content_twice_is_caught_as_a_duplicate(tmp_path, sandbox, start_daemon):
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    letter = make_letter()
    save(flow / "inbox", "lettre.pdf", letter)
    wait_until(lambda: pdfs(flow / "done"), timeout=30)
    save(flow / "inbox", "copie.pdf", letter)

    note = flow / "error" / "copie.pdf.erreur.txt"
    wait_until(note.exists, timeout=30)
    text = note.read_text(encoding="utf-8")
    assert "identique au courrier « lettre.pdf »" in text
    assert sandbox.submissions()[0]["internalRef"] in text
    assert len(sandbox.submissions()) == 1
    assert daemon.stop() == 0


def test_a_backlog_waits_in_the_inbox_during_an_outage(tmp_path, sandbox, start_daemon):
    sandbox.set_faults(unavailable_503=1.0)
    config = write_config(tmp_path, sandbox.api_url, extra="")
    text = config.read_text(encoding="utf-8").replace(
        "shutdown_grace_s = 10", "shutdown_grace_s = 10\nmax_in_flight = 2"
    )
    config.write_text(text, encoding="utf-8")
    daemon = start_daemon(config)
    flow = tmp_path / "spool" / "courrier"
    for number in range(12):
        save(flow / "inbox", f"lettre-{number:02d}.pdf", make_letter(text=(f"n°{number}",)))

    wait_until(lambda: len(pdfs(flow / "processing")) == 2, timeout=30)
    wait_until(lambda: daemon.log().count("deposit_paused") >= 2, timeout=30)
    assert len(pdfs(flow / "processing")) == 2
    assert len(pdfs(flow / "inbox")) == 10
    assert files(flow / "error") == []

    sandbox.set_faults()
    wait_until(lambda: len(pdfs(flow / "done")) == 12, timeout=120)
    assert len(sandbox.submissions()) == 12
    assert daemon.stop() == 0
