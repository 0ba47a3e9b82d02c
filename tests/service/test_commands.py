"""Every sub-command works as a user runs it: a real child process, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest

from imprimfip.crashpoints import ENVIRONMENT_VARIABLE
from imprimfip.exitcodes import ExitCode
from imprimfip.ledger import Ledger
from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.ports import free_port
from tests.fixtures.spool import files, save
from tests.fixtures.waiting import wait_until

# Each test runs an imprimfip command (demo, sandbox, resolve) in a child process.
pytestmark = pytest.mark.slow

IMPRIMFIP = [sys.executable, "-m", "imprimfip"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*IMPRIMFIP, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "IMPRIMFIP_PASSWORD": "x"},
    )


def test_demo_shows_a_good_letter_deposited_and_a_bad_one_explained(tmp_path):
    demo_dir = tmp_path / "demo"
    process = subprocess.Popen(
        [*IMPRIMFIP, "demo", "--dir", str(demo_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        spool = demo_dir / "spool"
        wait_until(
            lambda: (
                len([p for p in files(spool) if p.name.endswith(".recu.json")]) == 2
                and len([p for p in files(spool) if p.name.endswith(".erreur.txt")]) == 1
            ),
            timeout=60,
        )
        save(spool / "courrier" / "inbox", "ma-lettre.pdf", make_letter(text=("à moi",)))
        wait_until(lambda: list(spool.glob("courrier/done/*/ma-lettre.pdf")), timeout=30)
    finally:
        # Ctrl-C in a terminal signals the whole process group, not just the daemon.
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == ExitCode.OK
    assert str(spool / "courrier" / "inbox") in output
    assert "Traceback" not in output


def test_demo_refuses_to_wipe_a_folder_that_is_not_a_demo(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    result = run("demo", "--dir", str(tmp_path))
    assert result.returncode == ExitCode.USAGE
    assert (tmp_path / "precious.txt").exists()


def test_sandbox_serves_the_api_and_stops_on_sigterm():
    port = free_port()
    process = subprocess.Popen(
        [*IMPRIMFIP, "sandbox", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:

        def healthy() -> bool:
            try:
                answer = httpx.get(
                    f"http://127.0.0.1:{port}/api/v1/etatSante",
                    headers={
                        "X-Correlation-ID": "6f1c1f0e-0000-4000-8000-000000000000",
                        "X-Request-ID": "test",
                    },
                    timeout=2,
                )
            except httpx.TransportError:
                return False
            return answer.status_code == 200

        wait_until(healthy, timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == ExitCode.OK


def _held_uncertain(tmp_path, sandbox, start_daemon):
    """A letter whose deposit was interrupted: held in error/ for a person."""
    config = write_config(tmp_path, sandbox.api_url)
    flow = tmp_path / "spool" / "courrier"
    crashing = start_daemon(config, **{ENVIRONMENT_VARIABLE: "submit.row_written"})
    save(flow / "inbox", "lettre.pdf", make_letter())
    crashing.process.wait(timeout=60)
    survivor = start_daemon(config)
    wait_until((flow / "error" / "lettre.pdf.erreur.txt").exists, timeout=60)
    return config, flow, survivor


def test_resolve_lists_and_resends_an_uncertain_letter_on_request(tmp_path, sandbox, start_daemon):
    config, flow, daemon = _held_uncertain(tmp_path, sandbox, start_daemon)
    listing = run("resolve", "--config", str(config))
    assert listing.returncode == ExitCode.OK
    assert "lettre.pdf" in listing.stdout
    assert sandbox.submissions() == []

    number = listing.stdout.splitlines()[1].split()[0]
    resend = run("resolve", "--config", str(config), number, "--resend")
    assert resend.returncode == ExitCode.OK, resend.stdout + resend.stderr
    wait_until(lambda: list(flow.glob("done/*/lettre.pdf")), timeout=60)
    assert len(sandbox.submissions()) == 1
    assert not (flow / "error" / "lettre.pdf").exists()
    assert not (flow / "error" / "lettre.pdf.erreur.txt").exists()
    assert daemon.stop() == 0


def test_resolve_names_a_letter_number_the_ledger_does_not_have(tmp_path):
    config = write_config(tmp_path, "http://127.0.0.1:9/api/v1")
    Ledger(tmp_path / "state" / "ledger.sqlite3").close()
    unknown = run("resolve", "--config", str(config), "42", "--resend")
    assert unknown.returncode == ExitCode.USAGE
    assert "no letter number 42" in unknown.stdout


def test_resolve_records_an_uncertain_letter_as_sent(tmp_path, sandbox, start_daemon):
    config, flow, daemon = _held_uncertain(tmp_path, sandbox, start_daemon)
    assert daemon.stop() == 0
    done = run("resolve", "--config", str(config), "1", "--sent", "lettre_1@demo.pdf")
    assert done.returncode == ExitCode.OK, done.stdout + done.stderr
    [placed] = flow.glob("done/*/lettre.pdf")
    assert "lettre_1@demo.pdf" in placed.with_name("lettre.pdf.recu.json").read_text()
    assert files(flow / "error") == []
    assert sandbox.submissions() == []
