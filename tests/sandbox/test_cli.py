"""`python -m imprimfip.sandbox` / `imprimfip sandbox`: options, signals, --state restarts."""

from __future__ import annotations

import argparse
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from imprimfip.exitcodes import ExitCode
from imprimfip.sandbox import cli
from imprimfip.sandbox.settings import Faults
from tests.fixtures.contract import httpx_response_hook
from tests.sandbox.helpers import PASSWORD, USER, api_headers, submit

START_TIMEOUT_S = 30.0


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_options_become_settings(tmp_path: Path) -> None:
    settings = cli.settings_from(
        _args(
            *("--port", "0", "--speed", "500", "--limit", "0", "--seed", "4"),
            *("--user", "a:b:c", "--user", "d:e", "--oauth-client", "id:secret"),
            *("--fault", "reject_400=0.5", "--fault", "drop_after_accept=1", "--latency", "0.2"),
            *("--state", str(tmp_path / "s.json"), "--refused-rate", "0"),
            *("--timezone", "Indian/Reunion"),
        )
    )
    assert (settings.port, settings.speed, settings.limit_per_minute, settings.seed) == (
        0,
        500.0,
        0,
        4,
    )
    assert dict(settings.users) == {"a": "b:c", "d": "e"}
    assert dict(settings.oauth_clients) == {"id": "secret"}
    assert settings.faults == Faults(reject_400=0.5, drop_after_accept=1.0, latency_s=0.2)
    assert settings.state_file == tmp_path / "s.json"
    assert settings.refused_rate == 0.0
    assert settings.timezone == "Indian/Reunion"


@pytest.mark.parametrize(
    "argv",
    [
        ("--fault", "explode=1"),
        ("--fault", "reject_400"),
        ("--fault", "reject_400=often"),
        ("--fault", "reject_400=2"),
        ("--user", "nopassword"),
        ("--speed", "0"),
        ("--refused-rate", "1.5"),
        ("--timezone", "Mars/Olympus_Mons"),
    ],
)
def test_bad_options_exit_with_usage_and_say_why(
    argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(_args(*argv)) == ExitCode.USAGE
    assert capsys.readouterr().err.startswith("imprimfip sandbox: ")


class Child:
    """The emulator in a real subprocess; its first line of output gives its URL."""

    def __init__(self, *argv: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "imprimfip.sandbox", "--port", "0", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.base_url = self._url()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)

    def _url(self) -> str:
        while True:
            line = self._lines.get(timeout=START_TIMEOUT_S)
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                return match.group(1)

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url + "/api/v1",
            timeout=10,
            event_hooks={"response": [httpx_response_hook]},
        )

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=START_TIMEOUT_S)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=START_TIMEOUT_S)


@pytest.fixture
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    yield started
    for child in started:
        child.kill()


@pytest.mark.slow
def test_state_survives_a_restart_of_the_process(children: list[Child], tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = Child("--state", str(state), "--speed", "1")
    children.append(first)
    with first.client() as api:
        ref = submit(api).json()["internalRef"]
    assert first.stop(signal.SIGTERM) == ExitCode.OK
    second = Child("--state", str(state), "--speed", "1")
    children.append(second)
    with second.client() as api:
        response = api.get(f"/file/{ref}/status", headers=api_headers())
    assert response.status_code == 200
    assert response.json()["internalRef"] == ref
    assert second.stop(signal.SIGINT) == ExitCode.OK


@pytest.mark.slow
def test_faults_and_users_from_the_command_line(children: list[Child]) -> None:
    child = Child("--user", f"{USER}:{PASSWORD}", "--fault", "reject_400=1")
    children.append(child)
    with child.client() as api:
        assert submit(api).status_code == 400
        wrong = api.get("/file/x/status", headers=api_headers(password="wrong"))
        assert wrong.status_code == 401
    assert child.stop(signal.SIGTERM) == ExitCode.OK


def test_an_unreadable_state_file_exits_with_config(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "imprimfip.sandbox", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == ExitCode.CONFIG
    assert str(state) in done.stderr
