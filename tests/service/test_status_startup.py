"""What `imprimfip status` loads, and which mistakes of the config stop it: scripts call it
often, so it reads only the settings it needs, without the config model (README,
"Performance and reliability"). Real processes, a real config and a real ledger."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from imprimfip.exitcodes import ExitCode
from tests.fixtures.daemon import write_config
from tests.service.test_status_command import letters
from tests.service.test_validate_startup import imported, loaded

pytestmark = pytest.mark.slow

NEVER_IN_STATUS = (
    "pydantic",
    "structlog",
    "asyncio",
    "httpx",
    "aiohttp",
    "pypdf",
    "pypdfium2",
    "PIL",
)
ENV = {**os.environ, "IMPRIMFIP_PASSWORD": "unused"}


def imprimfip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "imprimfip", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=90,
        check=False,
    )


def said(stderr: str) -> list[str]:
    """What a command printed on its standard error, without the import times."""
    return [line for line in stderr.splitlines() if not line.startswith("import time:")]


def test_status_imports_no_config_model_nor_daemon_library(tmp_path: Path):
    config = write_config(tmp_path, "http://127.0.0.1:9/api/v1")
    letters(tmp_path)
    done = imprimfip("status", "--config", str(config))
    assert done.returncode == 0
    assert "refusee.pdf" in done.stdout
    modules = imported(done.stderr)
    assert "imprimfip.tracking.refresh" in modules
    assert loaded(modules, NEVER_IN_STATUS) == set()
    assert (
        loaded(modules, ("imprimfip.config.model", "imprimfip.config.load", "imprimfip.api"))
        == set()
    )


def test_a_mistake_in_a_table_status_does_not_read_does_not_stop_it(tmp_path: Path):
    config = write_config(tmp_path, "ftp://nowhere", extra="[tracking]\ntime_scale = 60\n")
    letters(tmp_path)
    done = imprimfip("status", "--config", str(config))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refusee.pdf" in done.stdout


def test_a_mistake_in_what_status_reads_is_told_as_check_config_tells_it(tmp_path: Path):
    config = write_config(tmp_path, "ftp://nowhere", extra="[tracking]\ntime_scale = 0\n")
    letters(tmp_path)
    status = imprimfip("status", "--config", str(config))
    check = imprimfip("check-config", "--config", str(config))
    assert status.returncode == check.returncode == ExitCode.CONFIG
    told = said(status.stderr)
    assert told == said(check.stderr)
    assert "<3>  - tracking: time_scale must be more than 0, got 0.0" in told
    assert any(line.startswith("<3>  - api.base_url: expected an http://") for line in told)
    assert status.stdout == ""
