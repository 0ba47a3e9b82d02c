"""A flow on a real SMB share (Samba, seen through smbnetfs over FUSE), as the daemon sees it.

Letters are written on the server side: they stand for letters saved by another machine,
of which this one gets no filesystem event, so only polling finds them.

SMB without its POSIX extensions has no links: a client cannot make one through the share,
and a link made on the server is not shown to clients when it leads out of the share
(Samba's `wide links = no`, its default), or is shown as the plain file it leads to.
"""

from __future__ import annotations

import hashlib
import json
import os
import textwrap
from pathlib import Path

import pytest

from imprimfip.exitcodes import ExitCode
from imprimfip.intake.mounts import WatchMode, choose_watch, mount_of
from tests.fixtures.daemon import events, write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.smb import SmbShare
from tests.fixtures.waiting import wait_until

DEPOSIT_TIMEOUT_S = 60.0


def flow_config(tmp_path: Path, api_url: str, root: Path) -> Path:
    flows = textwrap.dedent(
        f"""
        [[flows]]
        name = "partage"
        root = "{root}"
        sending_type = "STD"
        settle_seconds = 0.2
        """
    )
    return write_config(tmp_path, api_url, flows=flows)


def letters_in(folder: Path) -> list[Path]:
    found = folder.rglob("*") if folder.exists() else []
    return sorted(p for p in found if p.suffix.lower() == ".pdf")


def save_on_the_server(inbox: Path, name: str, data: bytes) -> None:
    """Another machine saves a letter: written where Samba serves it, under a temporary
    name first, as an office suite does."""
    temporary = inbox / f"~${name}.tmp"
    temporary.write_bytes(data)
    os.replace(temporary, inbox / name)


def test_a_share_mounted_through_fuse_is_polled(smb_share: SmbShare):
    mount = mount_of(smb_share.client_side)
    assert mount.filesystem == "fuse.smbnetfs"
    assert choose_watch("auto", mount).mode is WatchMode.POLLING


def test_links_cannot_be_made_through_the_share(smb_share: SmbShare):
    folder = smb_share.client_side / "liens"
    folder.mkdir()
    (folder / "lettre.pdf").write_bytes(b"%PDF-1.7\n")
    with pytest.raises(OSError):
        os.link(folder / "lettre.pdf", folder / "physique.pdf")
    with pytest.raises(OSError):
        os.symlink("/etc/passwd", folder / "raccourci.pdf")


@pytest.mark.timeout(180)
def test_letters_saved_by_another_machine_are_deposited_and_filed(
    tmp_path, sandbox, start_daemon, smb_share: SmbShare
):
    name = "courrier-deposes"
    client_root = smb_share.client_side / name
    server_root = smb_share.server_side / name
    daemon = start_daemon(flow_config(tmp_path, sandbox.api_url, client_root))
    [watch] = events(daemon.log(), "inbox_watch")
    assert watch["flow"] == "partage"
    assert watch["mode"] == "polling"
    assert "fuse.smbnetfs" in watch["reason"]

    inbox = server_root / "inbox"
    wait_until(inbox.is_dir, timeout=DEPOSIT_TIMEOUT_S)
    secret = tmp_path / "hors-du-partage.pdf"
    secret.write_bytes(make_letter(pages=1))
    (inbox / "raccourci.pdf").symlink_to(secret)
    letters = {
        "Relevé d'échéances 2025 (copie).pdf": make_letter(pages=1),
        "Avis à payer n° 12  —  Ñandú.PDF": make_letter(pages=2),
    }
    for letter_name, data in letters.items():
        save_on_the_server(inbox, letter_name, data)
    save_on_the_server(inbox, "facture mars.pdf", b"<html>une page web</html>")

    def filed() -> bool:
        """Every letter in done/ with its receipt (written after the move), the refused one
        in error/ with its note."""
        done = letters_in(server_root / "done")
        receipts = [p.with_name(p.name + ".recu.json") for p in done]
        note = server_root / "error" / "facture mars.pdf.erreur.txt"
        return len(done) == len(letters) and all(r.exists() for r in receipts) and note.exists()

    wait_until(filed, timeout=DEPOSIT_TIMEOUT_S)
    deposited = {p.name: p for p in letters_in(server_root / "done")}
    assert set(deposited) == set(letters)
    submissions = {s["sha256"]: s for s in sandbox.submissions()}
    assert len(submissions) == len(letters)
    for letter_name, data in letters.items():
        path = deposited[letter_name]
        assert path.read_bytes() == data
        receipt = json.loads(path.with_name(path.name + ".recu.json").read_text(encoding="utf-8"))
        sha = hashlib.sha256(data).hexdigest()
        assert receipt["sha256"] == sha
        assert receipt["reference_imprimfip"] == submissions[sha]["internalRef"]
    note = (server_root / "error" / "facture mars.pdf.erreur.txt").read_text(encoding="utf-8")
    assert "facture mars.pdf" in note
    assert (server_root / "error" / "facture mars.pdf").exists()
    # The link out of the share never reached the daemon: it is still where it was put.
    assert [p.name for p in inbox.iterdir()] == ["raccourci.pdf"]
    assert (inbox / "raccourci.pdf").is_symlink()
    assert letters_in(server_root / "processing") == []
    assert daemon.stop() == ExitCode.OK
