"""Ledger safety as a sysadmin meets it: backups of the live ledger taken while the daemon
deposits, daily backups by the daemon, and a damaged ledger refused with how to restore."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from imprimfip.exitcodes import ExitCode
from imprimfip.ledger.backup import backup_name, taken_at
from imprimfip.ledger.integrity import quick_check
from tests.fixtures.daemon import events, write_config
from tests.fixtures.ledgers import damage_page, filled_ledger, not_a_database
from tests.fixtures.pdfs import make_letter
from tests.fixtures.waiting import wait_until
from tests.service.test_check_config import check_config, lines

LETTERS = 20


def imprimfip(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imprimfip", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "IMPRIMFIP_PASSWORD": "test-password"},
        check=False,
    )


def ledger_table(backup_dir: str | None = None, keep: int = 2) -> str:
    table = '\n[ledger]\npath = "state/ledger.sqlite3"\n'
    if backup_dir is not None:
        table += f'backup_dir = "{backup_dir}"\nbackup_keep = {keep}\n'
    return table


def deposited(folder: Path) -> int:
    with sqlite3.connect(folder) as db:
        count = db.execute("SELECT count(*) FROM letters WHERE state = 'deposited'").fetchone()[0]
    db.close()
    return count


def save_letters(inbox: Path, count: int) -> None:
    for number in range(count):
        temporary = inbox / f".lettre-{number:02d}.pdf.part"
        temporary.write_bytes(make_letter(text=(f"n°{number}",)))
        os.replace(temporary, inbox / f"lettre-{number:02d}.pdf")


def test_backups_of_the_live_ledger_while_the_daemon_deposits(tmp_path, sandbox, start_daemon):
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "notes.txt").write_text("à garder", encoding="utf-8")
    now = datetime.now()
    old = [backup_name(now - timedelta(days=days)) for days in (4, 3, 2)]
    for name in old:
        (backups / name).write_bytes(b"an old backup")
    config = write_config(tmp_path, sandbox.api_url, extra=ledger_table("backups", keep=2))
    daemon = start_daemon(config)
    [daily] = wait_until(lambda: events(daemon.log(), "ledger_backup"), timeout=30)
    made = Path(daily["path"])
    assert made.parent == backups and taken_at(made.name) is not None
    assert sorted(p.name for p in backups.iterdir()) == sorted(["notes.txt", old[-1], made.name])
    assert quick_check(made) == []

    # Slow answers keep deposits going while the copies are taken.
    sandbox.set_faults(latency_s=1.0)
    flow = tmp_path / "spool" / "courrier"
    save_letters(flow / "inbox", LETTERS)
    manual = tmp_path / "manual"
    manual.mkdir()
    copies = []
    while deposited(tmp_path / "state" / "ledger.sqlite3") < LETTERS and len(copies) < 50:
        result = imprimfip("backup", "--config", str(config), str(manual / f"{len(copies)}.db"))
        assert result.returncode == ExitCode.OK, result.stderr
        assert "Backed up the ledger" in result.stdout
        copies.append(manual / f"{len(copies)}.db")
    wait_until(lambda: deposited(tmp_path / "state" / "ledger.sqlite3") == LETTERS, timeout=60)
    final = imprimfip("backup", "--config", str(config), str(manual))
    assert final.returncode == ExitCode.OK, final.stderr
    [named] = [p for p in manual.iterdir() if taken_at(p.name) is not None]
    copies.append(named)

    counts = [deposited(copy) for copy in copies]
    assert len(counts) >= 3 and counts[0] < LETTERS
    assert counts == sorted(counts)
    assert counts[-1] == LETTERS
    for copy in copies:
        assert quick_check(copy) == []
    assert len(sandbox.submissions()) == LETTERS
    assert daemon.stop() == ExitCode.OK


def test_a_damaged_ledger_is_refused_at_start_with_how_to_restore_it(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    ledger = filled_ledger(state / "ledger.sqlite3", letters=5)
    backups = tmp_path / "backups"
    backups.mkdir()
    backup = imprimfip_backup(tmp_path, ledger, backups)
    not_a_database(ledger)
    damaged = hashlib.sha256(ledger.read_bytes()).hexdigest()
    config = write_config(tmp_path, "http://127.0.0.1:9/api/v1", extra=ledger_table("backups"))

    result = imprimfip("run", "--config", str(config))

    assert result.returncode == ExitCode.LEDGER_DAMAGED
    message = result.stderr
    assert f"the ledger {ledger} is damaged (SQLite: file is not a database)" in message
    assert "Restarting cannot mend it" in message
    assert f"The latest backup in [ledger] backup_dir is {backup}" in message
    assert hashlib.sha256(ledger.read_bytes()).hexdigest() == damaged
    # Off a terminal each line has the journal's priority: "critical".
    assert f"<2>imprimfip: the ledger {ledger} is damaged" in message

    # The steps it prints, done as printed (systemctl aside), give a ledger the daemon takes.
    steps = [
        line.removeprefix("<2>").strip()
        for line in message.splitlines()
        if line.startswith("<2>    ") and "systemctl" not in line
    ]
    assert len(steps) == 3
    subprocess.run(["bash", "-c", "\n".join(steps)], check=True, timeout=30)
    assert deposited(ledger) == 5
    assert quick_check(ledger) == []
    status = imprimfip("status", "--config", str(config))
    assert status.returncode == ExitCode.OK, status.stderr


def imprimfip_backup(tmp_path: Path, ledger: Path, folder: Path) -> Path:
    config = write_config(tmp_path, "http://127.0.0.1:9/api/v1", extra=ledger_table())
    result = imprimfip("backup", "--config", str(config), str(folder))
    assert result.returncode == ExitCode.OK, result.stderr
    [made] = list(folder.iterdir())
    return made


def test_other_commands_refuse_a_damaged_ledger_the_same_way(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    not_a_database(filled_ledger(state / "ledger.sqlite3", letters=2))
    config = write_config(tmp_path, "http://127.0.0.1:9/api/v1")
    for command in ("status", "resolve"):
        result = imprimfip(command, "--config", str(config))
        assert result.returncode == ExitCode.LEDGER_DAMAGED, (command, result.stderr)
        assert "is damaged" in result.stderr
        assert "imprimfip backup" in result.stderr
    backup = imprimfip("backup", "--config", str(config), str(tmp_path / "copy.db"))
    assert backup.returncode == ExitCode.LEDGER_DAMAGED
    assert not (tmp_path / "copy.db").exists()


def test_check_config_runs_quick_check_on_the_ledger(tmp_path, sandbox):
    state = tmp_path / "state"
    state.mkdir()
    ledger = filled_ledger(state / "ledger.sqlite3", letters=1500)
    config = write_config(tmp_path, sandbox.api_url)
    sound = lines(check_config(config).stdout)["ledger integrity"]
    assert sound == ("ok", f"{ledger}: SQLite's quick_check finds nothing wrong")

    damage_page(ledger, "letters")
    result = check_config(config)
    assert result.returncode == ExitCode.FAILED
    outcome, detail = lines(result.stdout)["ledger integrity"]
    assert outcome == "FAIL"
    assert f"{ledger} is damaged" in detail
    assert "restore the latest backup" in detail
