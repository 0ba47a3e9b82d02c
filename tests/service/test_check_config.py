"""`imprimfip check-config` as a sysadmin runs it: a child process, the emulator."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from imprimfip.config import load_config
from imprimfip.exitcodes import ExitCode
from imprimfip.intake.mounts import Mount
from imprimfip.service.checks import (
    LEDGER_MIN_BYTES,
    LOW_SPACE_BYTES,
    FolderProbe,
    Result,
    flow_checks,
    flow_space_check,
    ledger_check,
    ledger_space_check,
    secret_checks,
)
from imprimfip.storage.admission import Room, needed_bytes
from tests.fixtures.daemon import write_config

FLOW = ("spool", "courrier")


def check_config(
    config: Path, password: str = "test-password", prefix: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "imprimfip", "check-config", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "IMPRIMFIP_PASSWORD": password, **env},
        check=False,
    )


def lines(output: str) -> dict[str, tuple[str, str]]:
    """Check name -> (outcome, detail), from lines like `FAIL  ledger: what to do`."""
    found = {}
    for line in output.splitlines():
        outcome, _, rest = line.partition("  ")
        if outcome.strip() in {o.value for o in Result}:
            name, _, detail = rest.strip().partition(": ")
            found[name] = (outcome.strip(), detail)
    return found


def unprivileged() -> tuple[str, ...]:
    """Root writes anywhere; without CAP_DAC_OVERRIDE it meets permissions like the service
    user does."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux) to drop CAP_DAC_OVERRIDE")
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound but not listening: connecting to it is refused at once."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.mark.slow
def test_a_good_setup_passes_every_check_and_creates_nothing(tmp_path, sandbox):
    result = check_config(write_config(tmp_path, sandbox.api_url))

    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    found = lines(result.stdout)
    # Free space depends on the machine: below 1 GB it is a warning, never a failure.
    space = {'flow "courrier" space', "ledger space"}
    assert {name for name, (outcome, _) in found.items() if outcome != "ok"} <= {"user", *space}
    assert all(found[name][0] in {"ok", "warn"} and " free at " in found[name][1] for name in space)
    assert found["secret api.password"] == ("ok", "present")
    assert "will be created" in found['flow "courrier" folders'][1]
    assert found['flow "courrier" filesystem'][0] == "ok"
    assert found["ledger"][0] == "ok"
    assert found["api health"][0] == "ok"
    assert found["api route"] == ("ok", f"{sandbox.api_url}: direct, no proxy")
    assert found["api credentials"] == ("ok", 'user "demo" is accepted')
    assert "All 12 checks passed." in result.stdout
    assert list((tmp_path / "spool" / "courrier").iterdir()) == []
    assert not (tmp_path / "state").exists()
    assert sandbox.submissions() == []


def test_a_missing_flow_folder_is_named_with_what_to_do(tmp_path, sandbox):
    config = write_config(tmp_path, sandbox.api_url)
    (tmp_path / "spool" / "courrier").rmdir()
    result = check_config(config)

    outcome, detail = lines(result.stdout)['flow "courrier" folder']
    assert outcome == "FAIL"
    assert f"{tmp_path / 'spool' / 'courrier'} is missing: mount the share" in detail
    assert "the flow waits until it is there" in detail
    assert not (tmp_path / "spool" / "courrier").exists()


@pytest.mark.slow
def test_a_wrong_password_fails_the_credentials_check_and_is_never_shown(tmp_path, make_sandbox):
    box = make_sandbox(users={"demo": "right"})
    canary = "canary-4c1d-wrong"
    result = check_config(write_config(tmp_path, box.api_url), password=canary)

    assert result.returncode == ExitCode.FAILED
    found = lines(result.stdout)
    assert found["api health"][0] == "ok"
    outcome, detail = found["api credentials"]
    assert outcome == "FAIL"
    assert 'refused user "demo"' in detail
    assert "HTTP 401" in detail
    assert "username and the password" in detail
    assert canary not in result.stdout + result.stderr
    assert "1 of 12 checks failed" in result.stdout


@pytest.mark.slow
def test_a_wrong_oauth_secret_fails_the_health_check(tmp_path, make_sandbox):
    box = make_sandbox(oauth_clients={"imprimfip": "right-secret"})
    oauth = (
        f'[api.oauth]\ntoken_url = "{box.base_url}/token"\nclient_id = "imprimfip"\n'
        'client_secret = { env = "OAUTH_SECRET" }\n'
    )
    config = write_config(tmp_path, box.api_url, extra=oauth)

    wrong = check_config(config, OAUTH_SECRET="wrong-secret")
    right = check_config(config, OAUTH_SECRET="right-secret")

    assert wrong.returncode == ExitCode.FAILED
    outcome, detail = lines(wrong.stdout)["api health"]
    assert outcome == "FAIL"
    assert "client_id and client_secret" in detail
    assert "api credentials" not in lines(wrong.stdout)
    assert right.returncode == ExitCode.OK, right.stdout
    assert lines(right.stdout)["secret api.oauth.client_secret"] == ("ok", "present")


@pytest.mark.slow
def test_unwritable_folders_are_named_with_what_to_do(tmp_path, sandbox):
    config = write_config(tmp_path, sandbox.api_url)
    flow = tmp_path.joinpath(*FLOW)
    for folder in ("inbox", "processing", "done"):
        (flow / folder).mkdir(parents=True)
    (flow / "inbox").chmod(0o555)
    flow.chmod(0o555)  # error/ is missing and cannot be created
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "ledger.sqlite3").write_bytes(b"")
    (tmp_path / "state" / "ledger.sqlite3").chmod(0o444)
    try:
        result = check_config(config, prefix=unprivileged())
    finally:
        flow.chmod(0o755)
        (flow / "inbox").chmod(0o755)

    assert result.returncode == ExitCode.FAILED
    found = lines(result.stdout)
    outcome, detail = found['flow "courrier" folders']
    assert outcome == "FAIL"
    assert f"{flow / 'inbox'} is not writable by" in detail
    assert f"{flow / 'error'} does not exist and" in detail
    assert f"cannot create it in {flow}" in detail
    assert str(flow / "done") not in detail
    ledger = tmp_path / "state" / "ledger.sqlite3"
    assert found["ledger"][0] == "FAIL"
    assert found["ledger"][1].startswith(f"{ledger} is not writable by")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs a second filesystem")
def test_flow_folders_on_two_filesystems_fail_with_the_stray_folder(tmp_path, sandbox):
    config = write_config(tmp_path, sandbox.api_url)
    flow = tmp_path.joinpath(*FLOW)
    flow.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir="/dev/shm") as elsewhere:
        (flow / "done").symlink_to(elsewhere)
        result = check_config(config)

    assert result.returncode == ExitCode.FAILED
    outcome, detail = lines(result.stdout)['flow "courrier" filesystem']
    assert outcome == "FAIL"
    assert detail.startswith(f"{flow / 'done'} not on the filesystem of {flow / 'inbox'}")
    assert "one mount point" in detail


@pytest.mark.slow
def test_an_unreachable_api_fails_with_what_to_check(tmp_path, closed_port):
    result = check_config(write_config(tmp_path, f"http://127.0.0.1:{closed_port}/api/v1"))

    assert result.returncode == ExitCode.FAILED
    found = lines(result.stdout)
    outcome, detail = found["api health"]
    assert outcome == "FAIL"
    assert f"cannot use http://127.0.0.1:{closed_port}/api/v1" in detail
    assert "check [api] base_url" in detail
    assert "api credentials" not in found
    assert found["ledger"][0] == "ok"


@pytest.mark.slow
def test_a_config_error_lists_every_mistake_and_exits_78(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text(
        '[api]\nusername = "demo"\npassword = { env = "NOT_SET_ANYWHERE" }\n'
        'payload_encoding = "xml"\n\n[[flows]]\nname = "courrier"\nroot = "spool"\n',
        encoding="utf-8",
    )
    result = check_config(config)

    assert result.returncode == ExitCode.CONFIG
    assert "api.payload_encoding" in result.stderr
    assert "api.password: the secret is missing" in result.stderr
    assert result.stdout == ""


def probe(path: str, **changes: object) -> FolderProbe:
    fields: dict[str, object] = {
        "path": Path(path),
        "exists": True,
        "nearest": Path(path),
        "usable": True,
        "device": 1,
    }
    return FolderProbe(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_ledger_on_a_network_share_fails():
    check = ledger_check(
        Path("/mnt/nas/state/ledger.sqlite3"),
        probe("/mnt/nas/state"),
        Mount("fuse.smbnetfs"),
        True,
        "uid 998",
    )
    assert check.result is Result.FAIL
    assert "fuse.smbnetfs, not known to be a local disk" in check.detail
    assert "/var/lib/imprimfip" in check.detail


def test_something_standing_where_a_folder_should_be_is_named():
    blocked = probe("/srv/f/done", exists=False, usable=False, device=None, blocker="x")
    [folders, filesystem] = flow_checks("f", [probe("/srv/f/inbox"), blocked], "uid 998")
    assert folders.result is Result.FAIL
    assert folders.detail == "x: remove or rename what stands there"
    assert filesystem.result is Result.OK


def test_an_empty_optional_secret_is_a_warning(tmp_path, monkeypatch):
    monkeypatch.delenv("IMPRIMFIP_PASSWORD", raising=False)
    config = tmp_path / "c.toml"
    config.write_text(
        '[api]\nusername = "demo"\npassword = { env = "IMPRIMFIP_PASSWORD", optional = true }\n'
        '[[flows]]\nname = "courrier"\nroot = "spool"\n'
        '[flows.notify.email]\nhost = "smtp"\nsender = "a@b.c"\nto = ["d@e.f"]\n'
        'password = { env = "SMTP_PASSWORD" }\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SMTP_PASSWORD", "s")
    found = {check.name: check for check in secret_checks(load_config(config))}
    assert set(found) == {
        "secret api.password",
        'secret flows[0] ("courrier").notify.email.password',
    }
    assert found["secret api.password"].result is Result.WARN
    assert "optional = true" in found["secret api.password"].detail


MB = 1024 * 1024
SHARE = Path("/srv/courrier")


def room(free_bytes: int, read_only: bool = False) -> Room:
    return Room(free_bytes, 4096, 10_000, counts_entries=True, read_only=read_only)


def test_a_share_with_room_is_ok_with_its_free_space():
    check = flow_space_check("courrier", SHARE, room(5 * 10**9), 50 * MB)
    assert (check.result, check.detail) == (Result.OK, "5.0 GB free at /srv/courrier, writable")


def test_a_share_low_on_space_warns_then_fails_when_nothing_fits():
    low = flow_space_check("courrier", SHARE, room(LOW_SPACE_BYTES - 1), 50 * MB)
    assert low.result is Result.WARN
    assert "letters will wait in inbox/ when it runs out" in low.detail
    small = flow_space_check("courrier", SHARE, room(needed_bytes(10 * MB, 4096)), 50 * MB)
    assert small.result is Result.WARN
    assert "letters over 10.5 MB will wait in inbox/ (up to 52.4 MB are allowed)" in small.detail
    full = flow_space_check("courrier", SHARE, room(needed_bytes(0, 4096) - 1), 50 * MB)
    assert full.result is Result.FAIL
    assert "too little to file even a small letter" in full.detail
    assert "free some space" in full.detail


def test_a_share_that_reports_no_free_space_at_all_is_only_a_warning():
    unreported = Room(0, 4096, 0, counts_entries=False, counts_space=False)
    check = flow_space_check("courrier", SHARE, unreported, 50 * MB)
    assert check.result is Result.WARN
    assert "/srv/courrier reports no free space figures" in check.detail
    assert "check the room left on the server" in check.detail


def test_a_read_only_or_unreadable_share_fails_with_what_to_do():
    read_only = flow_space_check("courrier", SHARE, room(10**10, read_only=True), 50 * MB)
    assert read_only.result is Result.FAIL
    assert read_only.detail.startswith("/srv/courrier is on a read-only filesystem")
    assert "remount it read-write" in read_only.detail
    gone = flow_space_check("courrier", SHARE, "cannot read the free space of /srv: x", 1)
    assert gone.result is Result.FAIL
    assert "check that the disk or share is mounted" in gone.detail


def test_the_ledger_disk_needs_room_for_its_log():
    state = Path("/var/lib/imprimfip")
    assert ledger_space_check(state, room(10**10)).result is Result.OK
    assert ledger_space_check(state, room(LOW_SPACE_BYTES - 1)).result is Result.WARN
    full = ledger_space_check(state, room(LEDGER_MIN_BYTES - 1))
    assert full.result is Result.FAIL
    assert "every flow would pause" in full.detail
    read_only = ledger_space_check(state, room(10**10, read_only=True))
    assert read_only.result is Result.FAIL


def test_a_full_share_and_a_read_only_ledger_disk_are_reported(tmp_path, sandbox, small_disk):
    config = write_config(tmp_path, sandbox.api_url)
    share = small_disk(tmp_path.joinpath(*FLOW))
    state = small_disk(tmp_path / "state")
    share.fill()
    state.read_only()

    result = check_config(config)

    assert result.returncode == ExitCode.FAILED
    found = lines(result.stdout)
    outcome, detail = found['flow "courrier" space']
    assert outcome == "FAIL"
    assert detail.startswith(f"0 bytes free at {share.path}, too little")
    outcome, detail = found["ledger space"]
    assert outcome == "FAIL"
    assert detail.startswith(f"{state.path} is on a read-only filesystem")
    assert found["ledger"] == (
        "FAIL",
        f"{state.path} is on a read-only filesystem: remount it read-write",
    )
