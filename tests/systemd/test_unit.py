"""The systemd unit, sysusers.d and tmpfiles.d snippets in systemd/ (README, 'Run it as a
service').

`systemd-analyze verify` is systemd's own check of the unit; the rest checks that the unit
says what the README promises and agrees with the daemon (exit codes, grace period, config
path, credential names) and with its two snippets. CI installs Debian's `systemd` package.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from imprimfip.config import load_config
from imprimfip.config.model import IntakeConfig
from imprimfip.exitcodes import ExitCode
from imprimfip.service.config_file import DEFAULT_CONFIG

SYSTEMD = Path(__file__).resolve().parents[2] / "systemd"
UNIT = SYSTEMD / "imprimfip.service"
SYSUSERS = SYSTEMD / "imprimfip.sysusers.conf"
TMPFILES = SYSTEMD / "imprimfip.tmpfiles.conf"
EXEC_START = f"/opt/imprimfip/venv/bin/imprimfip run --config {DEFAULT_CONFIG}"

needs_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed (Debian package systemd; .ci/run installs it)",
)
needs_root_and_tools = pytest.mark.skipif(
    os.geteuid() != 0
    or not (shutil.which("systemd-sysusers") and shutil.which("systemd-tmpfiles")),
    reason="needs root (to chown) and systemd-sysusers, systemd-tmpfiles (package systemd)",
)


def directives(text: str) -> dict[str, list[str]]:
    """`Section.Key` -> its values in order (a key may be given several times)."""
    found: dict[str, list[str]] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return found


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)\s*(s|sec|min)?", value)
    assert match, f"unexpected time span {value!r}"
    return int(match[1]) * (60 if match[2] == "min" else 1)


def one(unit: dict[str, list[str]], key: str) -> str:
    [value] = unit[f"Service.{key}"]
    return value


def test_the_unit_says_what_a_locked_down_notify_service_needs():
    unit = directives(UNIT.read_text(encoding="utf-8"))
    assert one(unit, "ExecStart") == EXEC_START
    assert one(unit, "Type") == "notify"
    assert one(unit, "NotifyAccess") == "main"
    assert seconds(one(unit, "WatchdogSec")) > 0
    assert one(unit, "ExecReload") == "/bin/kill -HUP $MAINPID"
    assert one(unit, "Restart") == "on-failure"
    assert sorted(one(unit, "RestartPreventExitStatus").split()) == sorted(
        str(int(code)) for code in (ExitCode.CONFIG, ExitCode.LEDGER_DAMAGED)
    )
    assert seconds(one(unit, "TimeoutStopSec")) > IntakeConfig().shutdown_grace_s
    assert one(unit, "KillMode") == "mixed"
    assert sorted(unit["Service.LoadCredential"]) == [
        "imprimfip-oauth-secret",
        "imprimfip-password",
        "imprimfip-proxy-password",
    ]
    assert one(unit, "ProtectSystem") == "strict"
    assert one(unit, "ReadWritePaths").split() == ["/srv/imprimfip", "/var/lib/imprimfip"]
    for switch in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices"):
        assert one(unit, switch) == "yes", switch
    assert set(one(unit, "RestrictAddressFamilies").split()) == {
        "AF_UNIX",
        "AF_INET",
        "AF_INET6",
        "AF_NETLINK",
    }
    assert unit["Service.SystemCallFilter"][0] == "@system-service"
    assert one(unit, "CapabilityBoundingSet") == ""
    assert one(unit, "AmbientCapabilities") == ""
    assert one(unit, "UMask") == "0027"
    assert one(unit, "User") == "imprimfip"


def test_the_credential_names_of_the_unit_are_those_the_config_reads(tmp_path, monkeypatch):
    unit = directives(UNIT.read_text(encoding="utf-8"))
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    for name in unit["Service.LoadCredential"]:
        (credentials / name).write_text(f"value of {name}\n", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    config = tmp_path / "imprimfip.toml"
    config.write_text(
        '[api]\nusername = "demo"\npassword = { credential = "imprimfip-password" }\n'
        'proxy = "http://imprimfip@proxy.example:3128"\n'
        'proxy_password = { credential = "imprimfip-proxy-password" }\n'
        '[api.oauth]\ntoken_url = "https://gateway.example/token"\nclient_id = "c"\n'
        'client_secret = { credential = "imprimfip-oauth-secret" }\n'
        '[[flows]]\nname = "courrier"\nroot = "/srv/imprimfip/courrier"\n',
        encoding="utf-8",
    )
    api = load_config(config).api
    assert api.password.reveal() == "value of imprimfip-password"
    assert api.oauth is not None
    assert api.oauth.client_secret.reveal() == "value of imprimfip-oauth-secret"
    assert api.proxy_password is not None
    assert api.proxy_password.reveal() == "value of imprimfip-proxy-password"


@needs_analyze
def test_systemd_analyze_verify_accepts_the_unit_without_a_warning(tmp_path):
    # verify checks that ExecStart's binary exists: point it at a stub for this machine.
    stub = tmp_path / "imprimfip"
    stub.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    stub.chmod(0o755)
    text = UNIT.read_text(encoding="utf-8")
    assert EXEC_START in text
    copy = tmp_path / "imprimfip.service"
    copy.write_text(text.replace("/opt/imprimfip/venv/bin/imprimfip", str(stub)), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # An unknown key or a value it cannot parse is only a warning: exit 0, text on stderr.
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


@needs_analyze
def test_the_exposure_systemd_measures_stays_low(tmp_path):
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--threshold=20", str(UNIT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr


@needs_analyze
def test_the_syscall_filter_keeps_what_bounds_the_validation_workers():
    def group(name: str) -> set[str]:
        listing = subprocess.run(
            ["systemd-analyze", "syscall-filter", name],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        calls = set()
        for line in listing.splitlines()[1:]:
            word = line.strip()
            if word.startswith("@"):
                calls |= group(word)
            elif word and not word.startswith("#"):
                calls.add(word)
        return calls

    unit = directives(UNIT.read_text(encoding="utf-8"))
    allowed = set()
    denied = set()
    for value in unit["Service.SystemCallFilter"]:
        names = value.removeprefix("~").split()
        target = denied if value.startswith("~") else allowed
        for name in names:
            target |= group(name) if name.startswith("@") else {name}
    # resource.setrlimit (RLIMIT_AS, RLIMIT_CPU, RLIMIT_CORE) is prlimit64 in glibc.
    for call in ("setrlimit", "prlimit64", "getrlimit", "getrusage"):
        assert call in allowed - denied, call


@needs_root_and_tools
def test_sysusers_and_tmpfiles_make_the_user_and_the_folders_a_samba_share_needs(tmp_path):
    root = tmp_path / "root"
    for kind, snippet in (("sysusers.d", SYSUSERS), ("tmpfiles.d", TMPFILES)):
        (root / "usr/lib" / kind).mkdir(parents=True)
        shutil.copy(snippet, root / "usr/lib" / kind / "imprimfip.conf")
    (root / "etc").mkdir()
    for command in (["systemd-sysusers"], ["systemd-tmpfiles", "--create"]):
        subprocess.run([*command, f"--root={root}"], capture_output=True, timeout=60, check=True)

    users = {line.split(":")[0]: line.split(":") for line in _lines(root / "etc/passwd")}
    groups = {line.split(":")[0]: line.split(":") for line in _lines(root / "etc/group")}
    user = users["imprimfip"]
    assert user[5:] == ["/var/lib/imprimfip", "/usr/sbin/nologin"]
    assert "imprimfip" in groups["imprimfip-staff"][3].split(",")
    uid, own_gid, staff_gid = int(user[2]), int(user[3]), int(groups["imprimfip-staff"][2])

    def mode(path: str) -> tuple[str, int, int]:
        info = (root / path.lstrip("/")).stat()
        return oct(info.st_mode & 0o7777), info.st_uid, info.st_gid

    assert mode("/var/lib/imprimfip") == ("0o750", uid, own_gid)
    assert mode("/srv/imprimfip") == ("0o2750", uid, staff_gid)
    flow = "/srv/imprimfip/courrier"
    assert mode(f"{flow}/inbox") == ("0o2770", uid, staff_gid)  # staff write
    for folder in ("", "/processing", "/done", "/error"):
        assert mode(flow + folder) == ("0o2750", uid, staff_gid)  # staff read only
    unit = directives(UNIT.read_text(encoding="utf-8"))
    for path in one(unit, "ReadWritePaths").split():
        assert (root / path.lstrip("/")).is_dir(), path


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]
