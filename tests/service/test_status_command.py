"""`imprimfip status` narrows and limits what it prints, and brings the lines of letters
changed while no daemon ran up to date first (a real ledger, the real command)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.history import WHOLE_FILE, History, Outcome, Status
from imprimfip.ledger.store import iso
from imprimfip.tracking import finality as f
from tests.fixtures.daemon import write_config

NOW = datetime.now(UTC)


def letters(folder: Path) -> None:
    """Three deposited letters (ten, five and one day old, the middle one shipped) and one
    refused before its deposit, as a daemon left them (its lines not computed yet)."""
    ledger = Ledger(folder / "state" / "ledger.sqlite3")
    for name, days in (("ancienne.pdf", 10), ("expediee.pdf", 5), ("recente.pdf", 1)):
        when = NOW - timedelta(days=days)
        letter = ledger.add("courrier", name, LetterState.CLAIMED)
        ledger.move(letter.id, LetterState.SUBMITTING, submitting_since=iso(when))
        ledger.move(letter.id, LetterState.DEPOSITED, internal_ref=f"{name}@demo.pdf")
        History(ledger).enroll(letter.id, "STD", when, NOW + timedelta(hours=1))
        if name == "expediee.pdf":
            shipped = (Status(WHOLE_FILE, f.SUBMITTED, None, ""), Status("x", f.SHIPPED, None, ""))
            History(ledger).record(letter.id, NOW, Outcome(shipped, None, "final"))
    refused = ledger.add("courrier", "refusee.pdf", LetterState.CLAIMED)
    ledger.move(refused.id, LetterState.REJECTED, reason="Format de page")
    ledger.close()


def status(config: Path, *args: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "imprimfip", "status", "--config", str(config), "--json", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_status_narrows_by_day_status_and_attention_and_limits(tmp_path):
    config = write_config(tmp_path, "http://127.0.0.1:9/api/v1")
    letters(tmp_path)
    every = [x["file"] for x in status(config)]
    assert every == ["refusee.pdf", "recente.pdf", "expediee.pdf", "ancienne.pdf"]
    since = (NOW - timedelta(days=6)).astimezone().date().isoformat()
    assert [x["file"] for x in status(config, "--since", since)] == [
        "refusee.pdf",
        "recente.pdf",
        "expediee.pdf",
    ]
    assert [x["file"] for x in status(config, "--status", f.SHIPPED)] == ["expediee.pdf"]
    assert [x["file"] for x in status(config, "--needs-attention")] == ["refusee.pdf"]
    assert [x["file"] for x in status(config, "--limit", "2")] == ["refusee.pdf", "recente.pdf"]
