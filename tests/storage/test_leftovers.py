"""The temporaries a failed or interrupted filing leaves are named exactly and removed."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from imprimfip.moves import write_atomic
from imprimfip.storage.leftovers import is_temporary, remove, temporaries, temporary_for

RECEIPT = (".recu.json",)
NOTES = (".erreur.txt", ".erreur.json")


def test_a_temporary_sits_beside_its_file_hidden(tmp_path):
    assert temporary_for(tmp_path / "suivi.csv") == tmp_path / ".suivi.csv.tmp"
    assert is_temporary(".suivi.csv.tmp")
    assert not is_temporary("suivi.csv")
    assert not is_temporary("brouillon.tmp")
    assert not is_temporary(".tmp")


def test_a_filing_names_one_temporary_per_companion(tmp_path):
    letter = tmp_path / "error" / "Relance (2).pdf"
    assert temporaries(letter, NOTES) == [
        tmp_path / "error" / ".Relance (2).pdf.erreur.txt.tmp",
        tmp_path / "error" / ".Relance (2).pdf.erreur.json.tmp",
    ]


def test_remove_takes_only_what_exists_and_nothing_else(tmp_path):
    letter = tmp_path / "lettre.pdf"
    [receipt_tmp] = temporaries(letter, RECEIPT)
    receipt_tmp.write_text("{", encoding="utf-8")
    letter.write_bytes(b"%PDF")
    (tmp_path / ".autre.pdf.recu.json.tmp").write_text("{", encoding="utf-8")
    assert remove(temporaries(letter, (*RECEIPT, *NOTES))) == [receipt_tmp]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".autre.pdf.recu.json.tmp", "lettre.pdf"]


def test_a_write_cut_short_by_a_full_share_leaves_no_temporary(tmp_path, small_disk):
    disk = small_disk(tmp_path / "partage")
    letter = disk.path / "done" / "lettre.pdf"
    letter.parent.mkdir()
    disk.fill()
    with pytest.raises(OSError) as full:
        write_atomic(letter.with_name("lettre.pdf.recu.json"), bytes(20_000))
    assert full.value.errno == errno.ENOSPC
    assert list(letter.parent.iterdir()) == []


def test_write_atomic_writes_through_the_temporary_the_sweep_names(tmp_path, monkeypatch):
    receipt = tmp_path / "lettre.pdf.recu.json"
    seen = []
    real_replace = os.replace

    def replace(source, target):
        seen.append(Path(source))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    write_atomic(receipt, b"{}")
    assert seen == temporaries(tmp_path / "lettre.pdf", RECEIPT)
    assert receipt.read_bytes() == b"{}"
