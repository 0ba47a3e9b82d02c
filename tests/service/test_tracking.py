"""Status tracking in the real daemon (a child process) against the emulator at high speed:
letters followed to their end, few status calls, a restart that loses nothing, alerts once,
the CSV report, the status page and `imprimfip status`."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import httpx

from imprimfip.exitcodes import ExitCode
from imprimfip.outputs.report_csv import FILE_NAME
from tests.fixtures.daemon import LRAR_FLOW, events, write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.spool import save
from tests.fixtures.waiting import wait_until

FLOWS = (
    """
[[flows]]
name = "courrier"
root = "spool/courrier"
sending_type = "STD"
settle_seconds = 0.1
{notify}
[[flows]]
name = "electronique"
root = "spool/electronique"
sending_type = "LRE"
settle_seconds = 0.1
"""
    + LRAR_FLOW
)
STATUS_CALLS = "GET /api/v1/file/{internalRef}/status"


def config(folder: Path, api_url: str, time_scale: float, notify: str = "") -> Path:
    extra = textwrap.dedent(
        f"""
        [tracking]
        time_scale = {time_scale}

        [status_page]
        listen = "127.0.0.1:0"
        """
    )
    return write_config(folder, api_url, flows=FLOWS.format(notify=notify), extra=extra)


def appender(path: Path) -> str:
    """A [flows.notify] table whose command appends the alert (its stdin) to `path`."""
    script = (
        f"import sys; open({str(path)!r}, 'a', encoding='utf-8').write(sys.stdin.read() + '\\n')"
    )
    return f"\n[flows.notify]\ncommand = {json.dumps([sys.executable, '-c', script])}\n"


def drop(folder: Path, flow: str, count: int) -> None:
    inbox = folder / "spool" / flow / "inbox"
    for n in range(count):
        sending_type = "LRE" if flow == "electronique" else "STD"
        save(
            inbox,
            f"lettre-{n}.pdf",
            make_letter(text=(f"Lettre numéro {n}, reçue.",)),
            sending_type,
        )


def query(folder: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(folder / "state" / "ledger.sqlite3") as db:
        return db.execute(sql).fetchall()


def tracking_rows(folder: Path) -> dict[int, tuple]:
    """letter id -> (flow, polls, next_poll_at, ended)"""
    rows = query(
        folder,
        "SELECT t.letter_id, l.flow, t.polls, t.next_poll_at, t.ended FROM tracking t "
        "JOIN letters l ON l.id = t.letter_id",
    )
    return {row[0]: row[1:] for row in rows}


def all_ended(folder: Path, count: int) -> dict[int, tuple] | None:
    try:
        rows = tracking_rows(folder)
    except sqlite3.OperationalError:  # the daemon has not created the tables yet
        return None
    return rows if len(rows) == count and all(row[3] for row in rows.values()) else None


def history(folder: Path) -> dict[tuple[int, str], list[str]]:
    found: dict[tuple[int, str], list[str]] = {}
    for letter_id, reference, status in query(
        folder, "SELECT letter_id, reference, status FROM status_history ORDER BY id"
    ):
        found.setdefault((letter_id, reference), []).append(status)
    return found


def read_report(folder: Path, flow: str) -> list[dict[str, str]]:
    data = (folder / "spool" / flow / FILE_NAME).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(data.decode("utf-8-sig").splitlines(), delimiter=";"))


def test_letters_of_each_type_are_followed_to_their_end_with_few_status_calls(
    tmp_path, sandbox, start_daemon
):
    daemon = start_daemon(config(tmp_path, sandbox.api_url, sandbox.settings.speed))
    counts = {"courrier": 8, "electronique": 2, "recommande": 2}
    for flow, count in counts.items():
        drop(tmp_path, flow, count)

    rows = wait_until(lambda: all_ended(tmp_path, sum(counts.values())), timeout=90)

    assert {row[3] for row in rows.values()} == {"final"}
    std_polls = [row[1] for row in rows.values() if row[0] == "courrier"]
    assert sum(std_polls) / len(std_polls) <= 4
    calls = sandbox.stats()["by_endpoint"][STATUS_CALLS]
    assert calls == sum(row[1] for row in rows.values())
    for (_, reference), statuses in history(tmp_path).items():
        assert all(a != b for a, b in pairwise(statuses)), (reference, statuses)
    finals = {key[0]: statuses[-1] for key, statuses in history(tmp_path).items() if key[1]}
    assert {finals[i] for i, row in rows.items() if row[0] == "courrier"} == {"Expédié"}
    assert {finals[i] for i, row in rows.items() if row[0] != "courrier"} == {"Distribué"}

    def reports_final() -> bool:
        reports = {flow: read_report(tmp_path, flow) for flow in counts}
        return all(
            len(rows) == counts[flow] and all(r["statut"] in ("Expédié", "Distribué") for r in rows)
            for flow, rows in reports.items()
        )

    wait_until(reports_final, timeout=30)
    [first, *_] = read_report(tmp_path, "electronique")
    assert first["type d'envoi"] == "Recommandé électronique"
    assert first["référence IMPRIM'FIP"].startswith("lettre-")

    [started] = events(daemon.log(), "status_page_started")
    page = httpx.get(started["url"], params={"q": "lettre-7"}, timeout=10).text
    assert "lettre-7.pdf" in page and "Suivi des envois IMPRIM'FIP" in page
    assert daemon.stop() == ExitCode.OK
    print(f"status calls per STD letter: {sum(std_polls) / len(std_polls):.2f}")


def test_a_restart_in_the_middle_loses_no_change_and_keeps_the_schedule(
    tmp_path, make_sandbox, start_daemon
):
    box = make_sandbox(speed=20_000.0)
    path = config(tmp_path, box.api_url, box.settings.speed)
    first = start_daemon(path)
    drop(tmp_path, "courrier", 4)

    def analysed() -> bool:
        seen = {key[0] for key in history(tmp_path)} if all_ended(tmp_path, 0) is None else set()
        return len(seen) == 4

    wait_until(analysed, timeout=30)
    first.kill()
    before_rows = tracking_rows(tmp_path)
    before = history(tmp_path)
    assert not all(row[3] for row in before_rows.values()), "stopped before any letter ended"

    second = start_daemon(path)
    rows = wait_until(lambda: all_ended(tmp_path, 4), timeout=60)
    assert second.stop() == ExitCode.OK

    after = history(tmp_path)
    checks = events(second.log(), "status_checked")
    for letter_id, (_, polls, next_poll_at, _) in before_rows.items():
        mine = [e for e in checks if e["letter_id"] == letter_id]
        assert rows[letter_id][1] == polls + len(mine), "the poll count went on"
        if mine and next_poll_at:
            first_poll = datetime.fromisoformat(mine[0]["timestamp"].replace("Z", "+00:00"))
            assert first_poll >= datetime.fromisoformat(next_poll_at), "the schedule went on"
    for key, statuses in before.items():
        assert after[key][: len(statuses)] == statuses, "what was seen before is kept"
    for key, statuses in after.items():
        assert all(a != b for a, b in pairwise(statuses)), (key, statuses)
    assert {statuses[-1] for key, statuses in after.items() if key[1]} == {"Expédié"}
    polls = sum(row[1] for row in rows.values())
    calls = box.stats()["by_endpoint"][STATUS_CALLS]
    assert polls <= calls <= polls + 4  # a call cut by the kill is asked again, never lost
    assert polls / 4 <= 5


def alerts_in(sink: Path) -> list[dict]:
    if not sink.exists():
        return []
    return [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines()]


def test_error_alerts_fire_once_each_and_survive_a_restart(tmp_path, make_sandbox, start_daemon):
    box = make_sandbox(file_error_rate=1.0)
    sink = tmp_path / "alertes.jsonl"
    path = config(tmp_path, box.api_url, box.settings.speed, notify=appender(sink))
    daemon = start_daemon(path)
    drop(tmp_path, "courrier", 2)

    wait_until(lambda: len(alerts_in(sink)) >= 2, timeout=60)
    wait_until(lambda: all_ended(tmp_path, 2), timeout=30)
    # Each alert is marked sent once its command has exited; stop after that, or the
    # restart would rightly send again the one whose mark had not been written.
    wait_until(lambda: query(tmp_path, "SELECT COUNT(*) FROM alerts WHERE pending != ''") == [(0,)])
    assert daemon.stop() == ExitCode.OK
    again = start_daemon(path)
    assert again.stop() == ExitCode.OK

    got = alerts_in(sink)
    assert sorted(a["file"] for a in got) == ["lettre-0.pdf", "lettre-1.pdf"]
    assert {a["kind"] for a in got} == {"file_error"}
    assert all("a été refusé par IMPRIM'FIP à l'analyse" in a["text"] for a in got)
    assert len(events(daemon.log(), "alert")) == 2
    rows = read_report(tmp_path, "courrier")
    assert {r["statut"] for r in rows} == {"Erreur"}


def test_an_overdue_letter_raises_one_alert(tmp_path, make_sandbox, start_daemon):
    """The daemon's clock runs 100 times faster than the emulator's: two days pass for the
    daemon while the letter is still waiting at the print centre."""
    box = make_sandbox(speed=1_000.0)
    sink = tmp_path / "alertes.jsonl"
    path = config(tmp_path, box.api_url, 100_000.0, notify=appender(sink))
    daemon = start_daemon(path)
    drop(tmp_path, "courrier", 1)

    [alert] = wait_until(lambda: alerts_in(sink), timeout=60)
    polls_then = next(iter(tracking_rows(tmp_path).values()))[1]
    wait_until(
        lambda: next(iter(tracking_rows(tmp_path).values()))[1] >= polls_then + 2, timeout=30
    )
    assert daemon.stop() == ExitCode.OK

    assert alert["kind"] == "overdue"
    assert alert["status"] in ("En attente de traitement", "En cours de traitement")
    assert "n'est toujours pas remis à La Poste" in alert["text"]
    assert len(alerts_in(sink)) == 1


def test_imprimfip_status_lists_each_letter_for_people_and_scripts(tmp_path, sandbox, start_daemon):
    path = config(tmp_path, sandbox.api_url, sandbox.settings.speed)
    daemon = start_daemon(path)
    drop(tmp_path, "courrier", 2)
    wait_until(lambda: all_ended(tmp_path, 2), timeout=60)
    assert daemon.stop() == ExitCode.OK

    def status(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "imprimfip", "status", "--config", str(path), *args]
        env = {**os.environ, "IMPRIMFIP_PASSWORD": "unused-but-required"}
        return subprocess.run(
            command, capture_output=True, env=env, text=True, timeout=60, check=False
        )

    letters = json.loads(status("--json").stdout)
    assert sorted(x["file"] for x in letters) == ["lettre-0.pdf", "lettre-1.pdf"]
    assert {(x["flow"], x["status"], x["followed"]) for x in letters} == {
        ("courrier", "Expédié", False)
    }
    [header, *lines] = status("--flow", "courrier").stdout.splitlines()
    assert header.startswith("id  flow      type  file")
    assert header.split()[-3:] == ["since", "attention", "internal_ref"]
    assert len(lines) == 2 and all("Expédié" in line for line in lines)
    wrong = status("--flow", "absent")
    assert wrong.returncode == ExitCode.USAGE
    assert "courrier" in wrong.stdout
