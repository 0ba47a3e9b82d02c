"""What journald gets from the daemon: JSON lines, level prefixes, no secret."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx

from imprimfip.exitcodes import ExitCode
from imprimfip.outputs.report_csv import FILE_NAME as CSV_NAME
from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.ports import free_port
from tests.fixtures.spool import files, save
from tests.fixtures.waiting import wait_until

# What `journalctl -p` filters on: the syslog priority of each level.
PRIORITY = {"critical": 2, "error": 3, "warning": 4, "info": 6, "debug": 7}
LINE = re.compile(r"<(\d)>(\{.*\})")


def journal_lines(text: str) -> list[tuple[int, dict[str, object]]]:
    """Every line as (prefix, event); fails on any line journald would not read so."""
    parsed = []
    for line in text.splitlines():
        match = LINE.fullmatch(line)
        assert match, f"not <N>{{json}}: {line!r}"
        parsed.append((int(match[1]), json.loads(match[2])))
    return parsed


def deposited(flow: Path, name: str) -> list[Path]:
    return list((flow / "done").glob(f"*/{name}"))


def run_three_letters(tmp_path: Path, box, daemon) -> dict[str, bytes]:
    """An uncertain deposit found again, a plain deposit, a file refused: every level."""
    flow = tmp_path / "spool" / "courrier"
    letters = {
        "Relance Dupont.pdf": make_letter(pages=2),
        "Avis Martin.pdf": make_letter(text=("Avis",)),
        "facture.pdf": b"<html><body>Ceci est une page web</body></html>",
    }
    box.set_faults(error_500_after_accept=1.0)
    save(flow / "inbox", "Relance Dupont.pdf", letters["Relance Dupont.pdf"])
    wait_until(lambda: deposited(flow, "Relance Dupont.pdf"), timeout=30)
    box.set_faults()
    box.expire_tokens()
    save(flow / "inbox", "Avis Martin.pdf", letters["Avis Martin.pdf"])
    save(flow / "inbox", "facture.pdf", letters["facture.pdf"])
    wait_until(
        lambda: deposited(flow, "Avis Martin.pdf") and (flow / "error" / "facture.pdf").exists(),
        timeout=30,
    )
    return letters


def test_every_line_is_json_with_the_priority_of_its_level(tmp_path, sandbox, start_daemon):
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    letters = run_three_letters(tmp_path, sandbox, daemon)
    assert daemon.stop() == ExitCode.OK

    lines = journal_lines(daemon.log())
    for prefix, event in lines:
        assert prefix == PRIORITY[str(event["level"])], event
    assert {prefix for prefix, _ in lines} >= {3, 4, 6, 7}
    about_letters = [event for _, event in lines if "file" in event]
    for event in about_letters:
        content = letters[str(event["file"])]
        assert event["flow"] == "courrier", event
        assert event["sha256"] == hashlib.sha256(content).hexdigest()[:12], event
    assert {(e["event"], e["file"]) for e in about_letters} >= {
        ("deposit_uncertain", "Relance Dupont.pdf"),
        ("uncertain_found", "Relance Dupont.pdf"),
        ("deposited", "Avis Martin.pdf"),
        ("letter_rejected", "facture.pdf"),
    }


def test_warnings_and_crashes_reach_the_journal_as_json_lines(tmp_path):
    script = textwrap.dedent(
        """
        import threading, warnings
        from imprimfip.service import logs
        logs.configure("info", "json")
        warnings.warn("an old way of doing it", DeprecationWarning, stacklevel=1)
        worker = threading.Thread(target=lambda: 1 / 0, name="watcher")
        worker.start()
        worker.join()
        raise RuntimeError("the main loop broke")
        """
    )
    result = subprocess.run(
        [sys.executable, "-W", "always", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    events = {}
    for prefix, event in journal_lines(result.stderr):
        assert prefix == PRIORITY[str(event["level"])], event
        events[prefix] = event
    assert "an old way of doing it" in str(events[4]["event"])
    assert "ZeroDivisionError" in str(events[3]["exception"])
    assert events[3]["thread"] == "watcher"
    assert "RuntimeError: the main loop broke" in str(events[2]["exception"])


def secret_forms(*secrets: str) -> list[str]:
    """Each secret as it may travel: in clear, base64 (password header, Basic auth)."""
    forms = []
    for secret in secrets:
        forms += [secret, base64.b64encode(secret.encode()).decode()]
    return forms


def ledger_text(path: Path) -> str:
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [row for table in tables for row in db.execute(f'SELECT * FROM "{table}"')]
    assert rows
    return "\n".join(repr(row) for row in rows)


def test_no_credential_is_written_anywhere(tmp_path, make_sandbox, start_daemon):
    password = "canary-pw-7f3a9c21"
    client_secret = "canary-oauth-e81b44d0"
    box = make_sandbox(users={"demo": password}, oauth_clients={"imprimfip": client_secret})
    page = free_port()
    extra = textwrap.dedent(
        f"""
        [api.oauth]
        token_url = "{box.base_url}/token"
        client_id = "imprimfip"
        client_secret = {{ env = "IMPRIMFIP_OAUTH_SECRET" }}

        [tracking]
        time_scale = 100000

        [status_page]
        listen = "127.0.0.1:{page}"
        """
    )
    config = write_config(tmp_path, box.api_url, extra=extra)
    daemon = start_daemon(config, password=password, IMPRIMFIP_OAUTH_SECRET=client_secret)
    run_three_letters(tmp_path, box, daemon)
    flow = tmp_path / "spool" / "courrier"
    csv = flow / CSV_NAME
    wait_until(lambda: csv.exists() and "Avis Martin.pdf" in csv.read_text("utf-8-sig"))
    status_page = httpx.get(f"http://127.0.0.1:{page}/", timeout=10).text
    assert daemon.stop() == ExitCode.OK

    written = {
        "log": daemon.log(),
        "status page": status_page,
        "ledger rows": ledger_text(tmp_path / "state" / "ledger.sqlite3"),
    }
    # Notes, receipts, the CSV, the ledger's bytes (WAL included) and the logs on disk.
    for path in files(tmp_path):
        written[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    assert any(name.endswith(".erreur.txt") for name in written)
    assert any(name.endswith(".recu.json") for name in written)
    assert str(csv) in written
    assert '"deposited"' in written["log"]
    leaks = [
        (form, where)
        for form in secret_forms(password, client_secret, f"imprimfip:{client_secret}")
        for where, text in written.items()
        if form in text
    ]
    assert leaks == []
    assert "Bearer" not in written["log"]
