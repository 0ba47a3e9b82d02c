"""'Nothing is lost' and 'Nothing is mailed twice' (docs/invariants.md) through a SIGKILL at
every named crash point.

For each point the daemon kills itself there; a restart must finish the letter: in done/
with exactly one deposit on the emulator, or in error/ with its note (refused, or held as
uncertain for a person), and never two deposits of one content.
"""

from __future__ import annotations

import hashlib
import signal
import sqlite3

import pytest

from imprimfip.crashpoints import ENVIRONMENT_VARIABLE, POINTS
from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.spool import files, save
from tests.fixtures.waiting import wait_until
from tests.service.test_refusal_picture import logo_in_window

GOOD_PATH = {
    "claim.row_written": "deposited",
    "claim.renamed": "deposited",
    "submit.row_written": "uncertain",
    "submit.answered": "deposited",
    "deposit.row_written": "deposited",
    "move.linked": "deposited",
    "done.moved": "deposited",
}
BAD_PATH = {"reject.row_written": "rejected", "reject.noted": "rejected"}


def test_every_crash_point_is_exercised():
    assert set(GOOD_PATH) | set(BAD_PATH) == set(POINTS)


def _settled(tmp_path, flow) -> bool:
    """Nothing left in inbox/ or processing/, and every letter's filing complete."""
    if files(flow / "inbox") or files(flow / "processing"):
        return False
    with sqlite3.connect(tmp_path / "state" / "ledger.sqlite3") as db:
        rows = db.execute("SELECT state, filed_at FROM letters WHERE state != 'void'").fetchall()
    return bool(rows) and all(filed for _, filed in rows)


@pytest.mark.parametrize("point", [*GOOD_PATH, *BAD_PATH])
def test_a_crash_at_any_point_loses_nothing_and_sends_nothing_twice(
    point, tmp_path, sandbox, start_daemon
):
    config = write_config(tmp_path, sandbox.api_url)
    flow = tmp_path / "spool" / "courrier"
    good = point in GOOD_PATH
    # The refused letter has a logo in the envelope window: its picture must follow it.
    data = make_letter() if good else make_letter(extra=logo_in_window)

    crashing = start_daemon(config, **{ENVIRONMENT_VARIABLE: point})
    save(flow / "inbox", "lettre.pdf", data)
    assert crashing.process.wait(timeout=60) == -signal.SIGKILL

    survivor = start_daemon(config)
    wait_until(lambda: _settled(tmp_path, flow), timeout=60)

    sha = hashlib.sha256(data).hexdigest()
    deposits = [s for s in sandbox.submissions() if s["sha256"] == sha]
    with sqlite3.connect(tmp_path / "state" / "ledger.sqlite3") as db:
        rows = db.execute(
            "SELECT state, internal_ref FROM letters WHERE state NOT IN ('void')"
        ).fetchall()
    [(state, internal_ref)] = rows
    expected = (GOOD_PATH | BAD_PATH)[point]
    assert state == expected
    if expected == "deposited":
        [deposit] = deposits
        assert internal_ref == deposit["internalRef"]
        [placed] = [p for p in files(flow / "done") if p.suffix == ".pdf"]
        assert placed.read_bytes() == data
        assert placed.with_name(placed.name + ".recu.json").exists()
    else:
        assert deposits == []
        note = (flow / "error" / "lettre.pdf.erreur.txt").read_text(encoding="utf-8")
        assert "n'a pas été envoyé" in note
        if expected == "uncertain":
            assert "imprimfip resolve" in note
        else:
            assert "« lettre.pdf.erreur.png »" in note
            assert (flow / "error" / "lettre.pdf.erreur.png").stat().st_size > 0
    assert survivor.stop() == 0
