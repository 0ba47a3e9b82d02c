"""The daemon refuses to start where it could not keep its promises."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from imprimfip.config import load_config
from imprimfip.errors import ConfigError
from imprimfip.exitcodes import ExitCode
from imprimfip.service.ledger_place import check_ledger_location
from tests.fixtures.daemon import write_config


def test_a_ledger_on_a_network_share_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPRIMFIP_PASSWORD", "x")
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9/api/v1"))
    mounts = f"//nas/partage {tmp_path} cifs rw 0 0\n"
    with pytest.raises(ConfigError) as caught:
        check_ledger_location(config, mounts)
    [problem] = caught.value.problems
    assert problem.key == "ledger.path"
    assert "cifs, not known to be a local disk" in problem.message
    check_ledger_location(config, f"/dev/vda {tmp_path} ext4 rw 0 0\n")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs a second filesystem")
def test_flow_folders_on_two_filesystems_are_refused_with_their_paths(tmp_path):
    config = write_config(tmp_path, "http://127.0.0.1:9/api/v1")
    flow = tmp_path / "spool" / "courrier"
    flow.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir="/dev/shm") as elsewhere:
        (flow / "done").symlink_to(elsewhere)
        result = subprocess.run(
            [sys.executable, "-m", "imprimfip", "run", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
            env={"IMPRIMFIP_PASSWORD": "x", "PATH": "/usr/bin:/bin"},
            check=False,
        )
    assert result.returncode == ExitCode.CONFIG
    assert "one filesystem" in result.stderr
    assert str(flow / "done") in result.stderr
