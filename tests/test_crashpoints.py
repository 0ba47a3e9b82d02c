"""Fault points: inert unless asked for, then failing as a faulty disk would, as often as asked."""

from __future__ import annotations

import errno
import sqlite3
from collections import Counter

import pytest

from imprimfip import crashpoints
from imprimfip.crashpoints import FAULT_POINTS, FAULT_VARIABLE, POINTS, Fault, fail, parse_faults
from imprimfip.errors import LedgerFault, StorageKind
from imprimfip.ledger import Ledger, LetterState
from imprimfip.storage.classify import ledger_fault, storage_fault


@pytest.fixture(autouse=True)
def fresh_counts(monkeypatch):
    monkeypatch.setattr(crashpoints, "_fault_hits", Counter())


def test_points_are_listed_once():
    assert len(set(FAULT_POINTS)) == len(FAULT_POINTS)
    assert not set(FAULT_POINTS) & set(POINTS)


def test_inert_without_the_variable(monkeypatch):
    monkeypatch.delenv(FAULT_VARIABLE, raising=False)
    for point in FAULT_POINTS:
        fail(point)


def test_a_point_fails_from_the_nth_time_for_k_times(monkeypatch, tmp_path):
    monkeypatch.setenv(FAULT_VARIABLE, "filing.receipt:ESTALE@2x2")
    outcomes = []
    for _ in range(4):
        try:
            fail("filing.receipt", tmp_path / "lettre.pdf.recu.json")
            outcomes.append(None)
        except OSError as error:
            outcomes.append(error.errno)
            assert error.filename == str(tmp_path / "lettre.pdf.recu.json")
    assert outcomes == [None, errno.ESTALE, errno.ESTALE, None]
    fail("filing.note")


def test_an_injected_share_error_is_a_storage_fault(monkeypatch, tmp_path):
    monkeypatch.setenv(FAULT_VARIABLE, "filing.note:EIO")
    with pytest.raises(OSError) as raised:
        fail("filing.note", tmp_path / "lettre.pdf.erreur.txt")
    assert storage_fault(raised.value).detail.kind is StorageKind.IO


@pytest.mark.parametrize(
    ("name", "kind", "code"),
    [
        ("ENOSPC", StorageKind.FULL, "SQLITE_FULL"),
        ("EIO", StorageKind.IO, "SQLITE_IOERR"),
        ("ESTALE", StorageKind.IO, "SQLITE_IOERR"),
        ("EBUSY", StorageKind.LOCKED, "SQLITE_BUSY"),
    ],
)
def test_the_ledger_fails_as_sqlite_does(monkeypatch, tmp_path, name, kind, code):
    monkeypatch.setenv(FAULT_VARIABLE, f"ledger.write:{name}")
    with pytest.raises(sqlite3.OperationalError) as raised:
        fail("ledger.write")
    fault = ledger_fault(raised.value, tmp_path / "ledger.sqlite3")
    assert (fault.detail.kind, fault.detail.code) == (kind, code)


def test_a_failed_ledger_write_is_rolled_back_and_the_next_one_works(monkeypatch, tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    monkeypatch.setenv(FAULT_VARIABLE, "ledger.write:EIO")
    with pytest.raises(LedgerFault) as failed:
        ledger.add("courrier", "lettre.pdf", LetterState.CLAIMED)
    assert isinstance(failed.value.__cause__, sqlite3.OperationalError)
    assert failed.value.detail.code == "SQLITE_IOERR"
    assert ledger.all_letters() == []
    letter = ledger.add("courrier", "lettre.pdf", LetterState.CLAIMED)
    assert ledger.get(letter.id).state is LetterState.CLAIMED
    ledger.close()


def test_faults_are_parsed_strictly():
    assert parse_faults("filing.receipt:EIO@2x3, ledger.write:ENOSPC") == {
        "filing.receipt": Fault(errno.EIO, 2, 3),
        "ledger.write": Fault(errno.ENOSPC, 1, 1),
    }
    wrong_ones = (
        "filing.receipt",
        "nowhere:EIO",
        "filing.receipt:EWHAT",
        "filing.note:errno",
        "filing.note:EIO@deux",
        "filing.note:EIO@2xtrois",
    )
    for wrong in wrong_ones:
        with pytest.raises(ValueError, match=FAULT_VARIABLE):
            parse_faults(wrong)


def test_an_unknown_point_is_refused_when_faults_are_on(monkeypatch):
    monkeypatch.setenv(FAULT_VARIABLE, "filing.note:EIO")
    with pytest.raises(ValueError, match="unknown fault point"):
        fail("filing.nowhere")
