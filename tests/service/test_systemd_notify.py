"""The daemon speaks systemd's notify protocol: a real child process, a real
notify socket read by the test, real signals."""

from __future__ import annotations

import signal
import sqlite3

from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.spool import save
from tests.fixtures.systemd import NotifySocket
from tests.fixtures.waiting import wait_until

SECOND_FLOW = """
[[flows]]
name = "recommande"
root = "spool/recommande"
sending_type = "STD"
settle_seconds = 0.2
"""


def test_ready_status_and_regular_watchdog_pings(tmp_path, sandbox, start_daemon, notify):
    daemon = start_daemon(
        write_config(tmp_path, sandbox.api_url),
        NOTIFY_SOCKET=notify.address,
        WATCHDOG_USEC="400000",
    )
    wait_until(lambda: notify.count("READY=1") == 1, timeout=30)
    wait_until(lambda: notify.count("WATCHDOG=1") >= 3, timeout=30)
    status = [line for line in notify.lines() if line.startswith("STATUS=")]
    assert status[0] == "STATUS=0 waiting, 0 in flight"
    assert daemon.stop() == 0
    assert "STOPPING=1" in notify.lines()


def test_reload_applies_a_valid_config_and_refuses_an_invalid_one(
    tmp_path, sandbox, start_daemon, notify
):
    config = write_config(tmp_path, sandbox.api_url)
    daemon = start_daemon(config, NOTIFY_SOCKET=notify.address)
    wait_until(lambda: notify.count("READY=1") == 1, timeout=30)

    second = tmp_path / "spool" / "recommande"
    second.mkdir()
    config.write_text(config.read_text(encoding="utf-8") + SECOND_FLOW, encoding="utf-8")
    daemon.process.send_signal(signal.SIGHUP)
    wait_until(lambda: notify.count("READY=1") == 2, timeout=30)
    assert notify.count("RELOADING=1") == 1
    assert any(line.startswith("MONOTONIC_USEC=") for line in notify.lines())
    save(second / "inbox", "nouveau.pdf", make_letter())
    wait_until(lambda: list(second.glob("done/*/nouveau.pdf")), timeout=30)

    config.write_text(config.read_text(encoding="utf-8") + 'colour = "blue"\n', encoding="utf-8")
    daemon.process.send_signal(signal.SIGHUP)
    wait_until(lambda: notify.count("READY=1") == 3, timeout=30)
    wait_until(lambda: "reload_refused" in daemon.log(), timeout=30)
    assert "colour" in daemon.log()
    first = tmp_path / "spool" / "courrier"
    save(first / "inbox", "encore.pdf", make_letter(text=("encore",)))
    wait_until(lambda: list(first.glob("done/*/encore.pdf")), timeout=30)
    assert daemon.stop() == 0


def test_a_stop_lets_the_upload_in_flight_finish(tmp_path, make_sandbox, start_daemon, notify):
    sandbox = make_sandbox()
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url), NOTIFY_SOCKET=notify.address)
    wait_until(lambda: notify.count("READY=1") == 1, timeout=30)
    sandbox.set_faults(latency_s=2.0)
    flow = tmp_path / "spool" / "courrier"
    save(flow / "inbox", "lettre.pdf", make_letter())

    def submitting() -> bool:
        with sqlite3.connect(tmp_path / "state" / "ledger.sqlite3") as db:
            return db.execute("SELECT state FROM letters").fetchall() == [("submitting",)]

    wait_until(submitting, timeout=30)
    assert daemon.stop(signal.SIGTERM) == 0
    assert "STOPPING=1" in notify.lines()
    assert list(flow.glob("done/*/lettre.pdf"))
    assert len(sandbox.submissions()) == 1


def test_a_full_share_pauses_its_flow_only_says_why_and_keeps_the_watchdog_fed(
    tmp_path, sandbox, start_daemon, notify, small_disk
):
    disk = small_disk(tmp_path / "spool" / "courrier")
    first_flow = SECOND_FLOW.replace("recommande", "courrier")
    daemon = start_daemon(
        write_config(tmp_path, sandbox.api_url, flows=first_flow + SECOND_FLOW),
        NOTIFY_SOCKET=notify.address,
        WATCHDOG_USEC="400000",
    )
    wait_until(lambda: notify.count("READY=1") == 1, timeout=30)
    # Room for the letter itself, not for it and its receipt with a margin: it must wait.
    disk.fill(leave=40 * 1024)
    save(disk.server / "inbox", "attend.pdf", make_letter(text=("attend",)))
    wait_until(lambda: "storage_fault" in daemon.log(), timeout=30)
    wait_until(
        lambda: any(
            line.startswith("STATUS=") and "paused: share of flow courrier full since" in line
            for line in notify.lines()
        ),
        timeout=30,
    )
    pings = notify.count("WATCHDOG=1")
    other = tmp_path / "spool" / "recommande"
    save(other / "inbox", "passe.pdf", make_letter(text=("passe",)))
    wait_until(lambda: list(other.glob("done/*/passe.pdf")), timeout=30)
    wait_until(lambda: notify.count("WATCHDOG=1") >= pings + 3, timeout=30)
    assert (disk.path / "inbox" / "attend.pdf").exists()

    disk.free()
    wait_until(lambda: list(disk.path.glob("done/*/attend.pdf")), timeout=30)
    wait_until(lambda: "storage_fault_cleared" in daemon.log(), timeout=30)
    wait_until(lambda: _last_status(notify).endswith("in flight"), timeout=30)
    assert "daemon_unhealthy" not in daemon.log()
    assert daemon.stop() == 0


def _last_status(notify: NotifySocket) -> str:
    return [line for line in notify.lines() if line.startswith("STATUS=")][-1]
