"""The temporaries a failed or interrupted filing leaves are named exactly and removed."""

from __future__ import annotations

import errno

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


def test_the_temporary_a_full_share_leaves_is_the_one_named(tmp_path, small_disk):
    disk = small_disk(tmp_path / "partage")
    letter = disk.path / "done" / "lettre.pdf"
    letter.parent.mkdir()
    disk.fill()
    with pytest.raises(OSError) as full:
        write_atomic(letter.with_name("lettre.pdf.recu.json"), bytes(20_000))
    assert full.value.errno == errno.ENOSPC
    left = [p for p in letter.parent.iterdir() if is_temporary(p.name)]
    assert left == temporaries(letter, RECEIPT)
    assert remove(temporaries(letter, RECEIPT)) == left
    assert list(letter.parent.iterdir()) == []
