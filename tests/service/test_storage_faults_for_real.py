"""Storage faults a sysadmin meets, caused for real while the real daemon runs: a folder
whose permissions are taken away from the daemon and given back, a share unmounted and
mounted again under waiting letters, and the storage metrics read from the real endpoint
during a real fault. Each heals without a restart, and the promises of
tests/service/test_storage_faults.py hold after it.
"""

from __future__ import annotations

import os
import shutil
import textwrap

import pytest

from tests.fixtures.daemon import events, write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.ports import free_port
from tests.fixtures.spool import save
from tests.fixtures.waiting import wait_until
from tests.service.test_metrics import samples
from tests.service.test_storage_faults import _heals, _hold_in_processing, _start, _state

# Root ignores file modes through these capabilities: without them, the daemon meets the
# permissions of its files as an ordinary user would (the Python interpreter may sit under
# /root, which the user nobody cannot reach).
WITHOUT_FILE_PRIVILEGES = (
    "setpriv",
    "--inh-caps=-all",
    "--bounding-set=-dac_override,-dac_read_search,-fowner",
    "--",
)


def _unprivileged() -> tuple[str, ...]:
    if os.geteuid() != 0:
        pytest.skip("taking file privileges away from the daemon needs root (CI runs as root)")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    return WITHOUT_FILE_PRIVILEGES


def _retried(daemon, times: int) -> None:
    """Wait until a fault has been tried again `times` times (the backoff's own pace)."""
    wait_until(lambda: len(events(daemon.log(), "storage_fault_again")) >= times, timeout=60)


@pytest.mark.parametrize("folder", ["done", "error"])
def test_a_folder_the_daemon_may_no_longer_write_heals_once_allowed_again(
    tmp_path, sandbox, start_daemon, folder
):
    wrapper = _unprivileged()
    config = write_config(tmp_path, sandbox.api_url)
    daemon = start_daemon(config, wrapper=wrapper)
    flow, ledger = tmp_path / "spool" / "courrier", tmp_path / "state" / "ledger.sqlite3"
    if folder == "done":
        name, data = "lettre.pdf", make_letter()
        _hold_in_processing(daemon, sandbox, flow, name, data)
        (flow / folder).chmod(0o555)
        sandbox.set_faults()
    else:
        name, data = "faux.pdf", b"pas un PDF"
        (flow / folder).chmod(0o555)
        save(flow / "inbox", name, data)
    wait_until(lambda: "storage_fault" in daemon.log(), timeout=60)
    _retried(daemon, 2)
    assert _state(ledger, name) == ("deposited" if folder == "done" else "rejected")
    (flow / folder).chmod(0o755)

    _heals(daemon, flow, ledger, {name: data}, sandbox)
    [said] = events(daemon.log(), "storage_fault")
    assert (said["error"], said["kind"], said["flow"]) == ("EACCES", "denied", "courrier")
    assert len(events(daemon.log(), "storage_fault_cleared")) == 1


def test_a_share_unmounted_under_waiting_letters_resumes_once_mounted_again(
    tmp_path, sandbox, start_daemon, small_disk
):
    disk = small_disk(tmp_path / "spool" / "courrier", size="2m")
    daemon, flow, ledger = _start(tmp_path, sandbox, start_daemon)
    letters = {"en-cours.pdf": make_letter(text=("en cours",))}
    _hold_in_processing(daemon, sandbox, flow, "en-cours.pdf", letters["en-cours.pdf"])
    letters["faux.pdf"] = b"pas un PDF"
    save(flow / "inbox", "faux.pdf", letters["faux.pdf"])
    wait_until(lambda: _state(ledger, "faux.pdf") is not None, timeout=30)

    disk.unplug()
    sandbox.set_faults()
    # Saved by other machines while this one cannot see the share.
    for name in ("pendant-1.pdf", "pendant-2.pdf"):
        letters[name] = make_letter(text=(name,))
        save(disk.server / "inbox", name, letters[name])
    wait_until(lambda: "storage_fault" in daemon.log(), timeout=30)
    _retried(daemon, 2)
    # Its file cannot be seen, so it cannot be proved unchanged: it waits, not refused.
    assert _state(ledger, "en-cours.pdf") == "claimed"
    assert not (flow / "inbox").exists(), "the daemon made folders where the share was"
    disk.plug()

    _heals(daemon, flow, ledger, letters, sandbox)
    [said] = events(daemon.log(), "storage_fault")
    assert said["kind"] == "vanished"


def test_the_storage_metrics_show_each_episode_once_and_its_end(
    tmp_path, sandbox, start_daemon, small_disk
):
    disk = small_disk(tmp_path / "spool" / "courrier")
    port = free_port()
    extra = textwrap.dedent(f'[metrics]\nlisten = "127.0.0.1:{port}"\n\n')
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url, extra=extra))
    flow, ledger = tmp_path / "spool" / "courrier", tmp_path / "state" / "ledger.sqlite3"
    url = f"http://127.0.0.1:{port}/metrics"
    faulty = ("imprimfip_storage_faulty", (("kind", "read_only"), ("place", "courrier")))
    started = ("imprimfip_storage_faults_total", (("kind", "read_only"), ("place", "courrier")))
    assert samples(url)[faulty] == 0
    letters = {}

    for episode in (1, 2):
        disk.read_only()
        name = f"lettre-{episode}.pdf"
        letters[name] = make_letter(text=(name,))
        save(disk.server / "inbox", name, letters[name])
        wait_until(lambda: samples(url).get(faulty) == 1, timeout=30)
        _retried(daemon, 2 * episode)
        assert samples(url)[started] == episode, "counted per retry, not per episode"
        other_kind = ("imprimfip_storage_faulty", (("kind", "full"), ("place", "courrier")))
        assert samples(url)[other_kind] == 0
        disk.read_write()
        wait_until(lambda: samples(url).get(faulty) == 0, timeout=30)
        wait_until(lambda n=name: _state(ledger, n) == "filed", timeout=30)

    assert samples(url)[started] == 2
    _heals(daemon, flow, ledger, letters, sandbox)
