"""Claiming never reads through a link, and records the hash of the bytes it will send."""

import hashlib
import os

import pytest

from imprimfip.folders import FlowFolders
from imprimfip.intake.claim import Claimed, EntryKind, NotRegular, claim
from imprimfip.ledger import Ledger, LetterState
from imprimfip.notes_fr import ENTRY_KINDS

LIMIT = 1 << 20


@pytest.fixture
def flow(tmp_path):
    folders = FlowFolders(tmp_path / "flow")
    folders.root.mkdir(parents=True, exist_ok=True)
    folders.ensure()
    return folders


@pytest.fixture
def ledger(tmp_path):
    return Ledger(tmp_path / "ledger.sqlite3")


def test_a_regular_file_is_renamed_into_processing_and_hashed(flow, ledger):
    (flow.inbox / "a.pdf").write_bytes(b"%PDF-1.7 content")
    result = claim(ledger, "courrier", flow, "a.pdf", LIMIT)
    assert isinstance(result, Claimed)
    assert result.data == b"%PDF-1.7 content"
    assert result.letter.sha256 == hashlib.sha256(b"%PDF-1.7 content").hexdigest()
    assert os.listdir(flow.inbox) == []
    assert (flow.processing / result.letter.claim_name).read_bytes() == result.data
    assert ledger.get(result.letter.id).state is LetterState.CLAIMED


def test_a_symlink_to_a_secret_is_moved_aside_never_read(flow, ledger, tmp_path):
    secret = tmp_path / "shadow"
    secret.write_bytes(b"root:secret-hash")
    os.symlink(secret, flow.inbox / "lettre.pdf")
    result = claim(ledger, "courrier", flow, "lettre.pdf", LIMIT)
    assert isinstance(result, NotRegular)
    assert result.kind is EntryKind.SYMLINK
    assert ledger.get(result.letter.id).sha256 is None


def test_a_hard_link_to_a_file_elsewhere_is_not_read(flow, ledger, tmp_path):
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-1.7 someone else's")
    os.link(outside, flow.inbox / "lettre.pdf")
    result = claim(ledger, "courrier", flow, "lettre.pdf", LIMIT)
    assert isinstance(result, NotRegular)
    assert result.kind is EntryKind.HARD_LINK


def test_a_fifo_is_not_opened(flow, ledger):
    os.mkfifo(flow.inbox / "tube.pdf")
    result = claim(ledger, "courrier", flow, "tube.pdf", LIMIT)
    assert isinstance(result, NotRegular)
    assert result.kind is EntryKind.FIFO


def test_a_file_that_vanished_before_the_claim_leaves_a_void_row(flow, ledger):
    assert claim(ledger, "courrier", flow, "parti.pdf", LIMIT) is None
    [letter] = ledger.all_letters()
    assert letter.state is LetterState.VOID


def test_reading_stops_just_past_the_size_limit(flow, ledger):
    (flow.inbox / "gros.pdf").write_bytes(b"x" * 5000)
    result = claim(ledger, "courrier", flow, "gros.pdf", 1000)
    assert isinstance(result, Claimed)
    assert len(result.data) == 1001


def test_a_name_with_a_newline_is_stored_cleaned(flow, ledger):
    (flow.inbox / "a\nb.pdf").write_bytes(b"%PDF")
    result = claim(ledger, "courrier", flow, "a\nb.pdf", LIMIT)
    assert result.letter.name == "a_b.pdf"
    assert "\n" not in result.letter.claim_name


def test_every_kind_of_entry_is_named_for_staff():
    assert set(ENTRY_KINDS) == set(EntryKind)
