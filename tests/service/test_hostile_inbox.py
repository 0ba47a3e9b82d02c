"""The daemon never trusts the inbox (docs/invariants.md), seen from the folders."""

from __future__ import annotations

import os
import shutil
import unicodedata

from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.spool import files, save
from tests.fixtures.waiting import wait_until


def test_a_link_to_a_secret_is_moved_aside_and_never_uploaded(tmp_path, sandbox, start_daemon):
    secret = tmp_path / "shadow"
    secret.write_bytes(b"root:$6$canary-secret-hash")
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    os.symlink(secret, flow / "inbox" / "lettre.pdf")

    note = flow / "error" / "lettre.pdf.erreur.txt"
    wait_until(note.exists, timeout=30)
    wait_until(lambda: os.path.islink(flow / "error" / "lettre.pdf"), timeout=30)
    assert "lien symbolique" in note.read_text(encoding="utf-8")
    assert sandbox.submissions() == []
    assert secret.read_bytes() == b"root:$6$canary-secret-hash"
    assert "canary" not in daemon.log()
    assert daemon.stop() == 0


def test_names_with_a_newline_or_in_nfd_are_cleaned_everywhere(tmp_path, sandbox, start_daemon):
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    save(flow / "inbox", "relance\nDupont.pdf", make_letter(text=("un",)))
    save(flow / "inbox", unicodedata.normalize("NFD", "Relevé.pdf"), make_letter(text=("deux",)))

    wait_until(lambda: len([p for p in files(flow / "done") if p.suffix == ".pdf"]) == 2)
    names = sorted(p.name for p in files(flow / "done") if p.suffix == ".pdf")
    assert names == ["Relevé.pdf", "relance_Dupont.pdf"]
    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    assert all("\n" not in s["filename"] for s in sandbox.submissions())
    assert "relance\\nDupont" not in daemon.log()
    assert daemon.stop() == 0


def test_a_file_still_written_after_its_claim_is_not_sent_as_is(tmp_path, sandbox, start_daemon):
    # The writer's next bytes must land after the daemon has read the file and before it
    # sends it: an outage holds the deposit there (the letter claimed, read and checked,
    # its first try refused) for as long as the test needs, whatever the machine's load.
    sandbox.set_faults(unavailable_503=1.0)
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    path = flow / "inbox" / "long.pdf"
    with path.open("wb") as writer:
        writer.write(make_letter(pages=150))
        writer.flush()
        wait_until(lambda: "deposit_paused" in daemon.log(), timeout=60)
        assert not path.exists()
        writer.write(b"\n% la suite arrive trop tard\n" * 1000)
        writer.flush()
    sandbox.set_faults()

    note = flow / "error" / "long.pdf.erreur.txt"
    wait_until(note.exists, timeout=60)
    assert "en cours d'écriture" in note.read_text(encoding="utf-8")
    assert sandbox.submissions() == []
    assert daemon.stop() == 0


def test_an_inbox_that_disappears_and_comes_back_is_watched_again(tmp_path, sandbox, start_daemon):
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    shutil.rmtree(flow / "inbox")
    wait_until(lambda: "inbox_unavailable" in daemon.log(), timeout=30)

    (flow / "inbox").mkdir()
    wait_until(lambda: "inbox_available_again" in daemon.log(), timeout=30)
    save(flow / "inbox", "lettre.pdf", make_letter())
    wait_until(lambda: list(flow.glob("done/*/lettre.pdf")), timeout=30)
    assert len(sandbox.submissions()) == 1
    assert daemon.stop() == 0


def test_a_flow_that_takes_subfolders_files_their_letters_with_their_sidecar(
    tmp_path, sandbox, start_daemon
):
    flows = """
[[flows]]
name = "courrier"
root = "spool/courrier"
settle_seconds = 0.2
subfolders = true
"""
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url, flows=flows))
    flow = tmp_path / "spool" / "courrier"
    (flow / "inbox" / "service-a").mkdir()
    (flow / "inbox" / "service-a" / "lettre.json").write_text('{"recipient": {}}')
    save(flow / "inbox" / "service-a", "lettre.pdf", make_letter())

    # The sidecar follows its letter into done/, right after the letter and its receipt.
    wait_until(lambda: list(flow.glob("done/*/service-a_lettre.json")), timeout=30)
    assert list(flow.glob("done/*/service-a_lettre.pdf"))
    assert files(flow / "inbox") == []
    assert daemon.stop() == 0
