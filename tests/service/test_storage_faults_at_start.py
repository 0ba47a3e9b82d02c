"""Starting while storage is already faulty: the real daemon starts paused, then heals.

A restart does not cure a full disk or a share that is not mounted yet, so the daemon does
not refuse to start over one (systemd would only restart it in a loop): it starts, tells
systemd it is ready, feeds the watchdog, serves its status page and metrics, says what is
paused and why, and resumes by itself once the fault clears. A ledger folder that cannot be
made, by contrast, is the sysadmin's to fix: a config error.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import httpx

from imprimfip.exitcodes import ExitCode
from tests.fixtures.daemon import events, write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.ports import free_port
from tests.fixtures.spool import save
from tests.fixtures.waiting import wait_until
from tests.service.test_storage_faults import _heals, _state
from tests.service.test_storage_faults_for_real import _unprivileged

WATCHDOG = {"WATCHDOG_USEC": "400000"}


def _config(tmp_path: Path, sandbox, flows: str | None = None) -> tuple[Path, str, str]:
    metrics, page = free_port(), free_port()
    extra = textwrap.dedent(
        f"""
        [metrics]
        listen = "127.0.0.1:{metrics}"

        [status_page]
        listen = "127.0.0.1:{page}"

        """
    )
    config = write_config(tmp_path, sandbox.api_url, flows=flows, extra=extra)
    return config, f"http://127.0.0.1:{metrics}/metrics", f"http://127.0.0.1:{page}/"


def _started_paused(
    daemon, notify, urls: tuple[str, str], status: str, *, ledger_read: bool = True
) -> None:
    """The daemon is up though paused: ready, watchdog fed, status line, page (which says
    when the ledger cannot be read), metrics."""
    metrics, page = urls
    assert daemon.process.poll() is None, f"the daemon stopped: {daemon.log()[-3000:]}"
    assert "daemon_started" in daemon.log()
    wait_until(lambda: notify.count("WATCHDOG=1") >= 3, timeout=30)
    assert "READY=1" in notify.lines()
    wait_until(lambda: any(status in line for line in notify.lines()), timeout=30)
    shown = httpx.get(page, timeout=10)
    if ledger_read:
        assert shown.status_code == 200
    else:
        assert shown.status_code == 503 and "registre des envois" in shown.text
    assert httpx.get(metrics, timeout=10).status_code == 200
    assert len(events(daemon.log(), "storage_fault")) == 1
    assert "daemon_unhealthy" not in daemon.log()


def test_the_daemon_starts_paused_on_a_full_ledger_disk(
    tmp_path, sandbox, start_daemon, small_disk, notify
):
    disk = small_disk(tmp_path / "state", size="1m")
    config, metrics, page = _config(tmp_path, sandbox)
    flow, ledger = tmp_path / "spool" / "courrier", tmp_path / "state" / "ledger.sqlite3"
    letters = {"avant.pdf": make_letter(text=("avant",))}
    first = start_daemon(config)
    save(flow / "inbox", "avant.pdf", letters["avant.pdf"])
    wait_until(lambda: _state(ledger, "avant.pdf") == "filed", timeout=30)
    assert first.stop() == ExitCode.OK

    disk.fill()
    daemon = start_daemon(config, NOTIFY_SOCKET=notify.address, **WATCHDOG)
    _started_paused(daemon, notify, (metrics, page), "paused: ledger disk full since")
    letters["pendant.pdf"] = make_letter(text=("pendant",))
    save(flow / "inbox", "pendant.pdf", letters["pendant.pdf"])
    wait_until(lambda: notify.count("WATCHDOG=1") >= 6, timeout=30)
    assert (flow / "inbox" / "pendant.pdf").exists(), "claimed while the ledger was full"
    disk.free()

    _heals(daemon, flow, ledger, letters, sandbox)
    assert "storage_fault_cleared" in daemon.log()


def test_the_daemon_starts_paused_when_a_fresh_ledger_cannot_be_written(
    tmp_path, sandbox, start_daemon, small_disk, notify
):
    disk = small_disk(tmp_path / "state", size="1m")
    config, metrics, page = _config(tmp_path, sandbox)
    flow, ledger = tmp_path / "spool" / "courrier", tmp_path / "state" / "ledger.sqlite3"
    disk.fill()
    daemon = start_daemon(config, NOTIFY_SOCKET=notify.address, **WATCHDOG)
    _started_paused(
        daemon, notify, (metrics, page), "paused: ledger disk full since", ledger_read=False
    )
    letters = {"lettre.pdf": make_letter()}
    save(flow / "inbox", "lettre.pdf", letters["lettre.pdf"])
    disk.free()
    wait_until(lambda: "storage_fault_cleared" in daemon.log(), timeout=30)

    _heals(daemon, flow, ledger, letters, sandbox)


def test_a_ledger_folder_that_cannot_be_made_is_a_config_error(tmp_path, sandbox, start_daemon):
    blocker = tmp_path / "state"
    blocker.write_text("un fichier, pas un dossier")
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    assert daemon.process.wait(timeout=30) == ExitCode.CONFIG
    assert "ledger" in daemon.log() and str(blocker) in daemon.log()
    assert "Traceback" not in daemon.log()


def test_a_ledger_file_the_daemon_may_not_read_is_a_config_error(tmp_path, sandbox, start_daemon):
    wrapper = _unprivileged()
    ledger = tmp_path / "state" / "ledger.sqlite3"
    ledger.parent.mkdir()
    ledger.write_bytes(b"")
    ledger.chmod(0o000)
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url), wrapper=wrapper)
    assert daemon.process.wait(timeout=30) == ExitCode.CONFIG
    assert f"cannot open the ledger {ledger}" in daemon.log()
    assert "Traceback" not in daemon.log()


def test_the_daemon_starts_with_a_read_only_share_paused_and_resumes(
    tmp_path, sandbox, start_daemon, small_disk, notify
):
    disk = small_disk(tmp_path / "spool" / "courrier")
    config, metrics, page = _config(tmp_path, sandbox)
    flow, ledger = tmp_path / "spool" / "courrier", tmp_path / "state" / "ledger.sqlite3"
    for folder in ("inbox", "processing", "done", "error"):
        (disk.server / folder).mkdir()
    letters = {"lettre.pdf": make_letter()}
    save(disk.server / "inbox", "lettre.pdf", letters["lettre.pdf"])
    disk.read_only()
    daemon = start_daemon(config, NOTIFY_SOCKET=notify.address, **WATCHDOG)
    _started_paused(daemon, notify, (metrics, page), "paused: share of flow courrier read-only")
    assert (flow / "inbox" / "lettre.pdf").exists()
    disk.read_write()

    _heals(daemon, flow, ledger, letters, sandbox)
    assert "EROFS" in daemon.log()


def test_a_share_not_there_at_start_pauses_its_flow_until_it_appears(
    tmp_path, sandbox, start_daemon, notify
):
    """The flow's root is missing (its share not mounted yet, or a typo): the daemon says
    which folder is missing, the other flows work, and the flow starts once it is there."""
    flows = textwrap.dedent(
        """
        [[flows]]
        name = "courrier"
        root = "partage/courrier"
        sending_type = "STD"
        settle_seconds = 0.2

        [[flows]]
        name = "local"
        root = "spool/local"
        sending_type = "STD"
        settle_seconds = 0.2
        """
    )
    config, metrics, page = _config(tmp_path, sandbox, flows)
    share, ledger = tmp_path / "partage", tmp_path / "state" / "ledger.sqlite3"
    shutil.rmtree(share)
    daemon = start_daemon(config, NOTIFY_SOCKET=notify.address, **WATCHDOG)
    _started_paused(daemon, notify, (metrics, page), "paused: share of flow courrier unreachable")
    [said] = events(daemon.log(), "storage_fault")
    assert said["path"] == str(share / "courrier") and said["error"] == "ENOENT"
    assert not share.exists(), "the daemon made the missing share's folder itself"
    local = {"locale.pdf": make_letter(text=("locale",))}
    save(tmp_path / "spool" / "local" / "inbox", "locale.pdf", local["locale.pdf"])
    wait_until(lambda: _state(ledger, "locale.pdf") == "filed", timeout=30)

    # The share is mounted: its folder is there, with a letter saved by another machine.
    letters = {"lettre.pdf": make_letter()}
    for folder in ("inbox", "processing", "done", "error"):
        (share / "courrier" / folder).mkdir(parents=True)
    save(share / "courrier" / "inbox", "lettre.pdf", letters["lettre.pdf"])

    _heals(daemon, share / "courrier", ledger, letters, sandbox)
    assert os.listdir(share / "courrier" / "processing") == []
