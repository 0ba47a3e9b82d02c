"""`--state FILE`: submissions and their lives survive an emulator restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from imprimfip.sandbox.registry import Registry
from imprimfip.sandbox.server import SandboxHandle, running_sandbox
from imprimfip.sandbox.settings import SandboxSettings
from tests.fixtures.contract import httpx_response_hook
from tests.fixtures.sandbox import sandbox_settings
from tests.sandbox.helpers import api_headers, params, pdf, submit


def _status(client: httpx.Client, ref: str) -> httpx.Response:
    return client.get(f"/file/{ref}/status", headers=api_headers())


@contextmanager
def _serving(settings: SandboxSettings) -> Iterator[tuple[SandboxHandle, httpx.Client]]:
    """An emulator and a contract-checked client on its API."""
    hooks = {"response": [httpx_response_hook]}
    with (
        running_sandbox(settings) as handle,
        httpx.Client(base_url=handle.api_url, timeout=10, event_hooks=hooks) as api,
    ):
        yield handle, api


def test_submissions_and_lives_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "sandbox-state.json"
    first = sandbox_settings(state_file=state, speed=1.0)
    with _serving(first) as (handle, api):
        ref = submit(api, params("LRAR"), pdf("REF-PLI: 038719506")).json()["internalRef"]
        before = httpx.get(f"{handle.base_url}/_sandbox/submissions").json()
    # A different speed after the restart must not change lives already planned.
    with _serving(sandbox_settings(state_file=state, speed=1e9)) as (handle, api):
        after = httpx.get(f"{handle.base_url}/_sandbox/submissions").json()
        status = _status(api, ref)
    assert after == before
    assert status.status_code == 200
    assert status.json()["fileStatus"]["status"] == "En cours de soumission"


def test_the_state_file_is_json_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with _serving(sandbox_settings(state_file=state)) as (_handle, api):
        submit(api)
        submit(api, params("LRE"))
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert [s["sendingType"] for s in saved["submissions"]] == ["STD", "LRE"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_reset_empties_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with _serving(sandbox_settings(state_file=state)) as (handle, api):
        submit(api)
        httpx.post(f"{handle.base_url}/_sandbox/reset").raise_for_status()
    assert Registry(state).all() == []


@pytest.mark.parametrize("content", ["{", "[]", '{"version": 99, "submissions": []}'])
def test_an_unreadable_state_file_is_named_in_the_error(tmp_path: Path, content: str) -> None:
    state = tmp_path / "state.json"
    state.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="cannot read the sandbox state"):
        Registry(state)
