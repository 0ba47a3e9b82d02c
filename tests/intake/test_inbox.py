"""An inbox seen through real files and a clock the test moves (no sleeping)."""

from __future__ import annotations

import os
import shutil

import pytest

from imprimfip.config.model import FlowConfig
from imprimfip.folders import FlowFolders
from imprimfip.intake.inbox import Inbox


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def make_inbox(tmp_path, clock, **flow_options) -> Inbox:
    flow = FlowConfig(name="courrier", root=tmp_path / "flow", settle_seconds=5, **flow_options)
    folders = FlowFolders(flow.root)
    folders.root.mkdir(parents=True, exist_ok=True)
    folders.ensure()
    return Inbox(flow, folders, rescan_seconds=60, poll_seconds=2, clock=clock)


def test_a_file_written_slowly_is_never_taken_early(tmp_path, clock):
    inbox = make_inbox(tmp_path, clock)
    path = inbox.folders.inbox / "lettre.pdf"
    with path.open("wb") as writer:
        for chunk in range(20):
            writer.write(b"x" * 1000)
            writer.flush()
            os.utime(path, ns=(chunk * 10**9, chunk * 10**9))
            assert inbox.look()[0] == []
            clock.now += 4.9
    assert inbox.look()[0] == []
    clock.now += 0.1
    assert inbox.look()[0] == ["lettre.pdf"]


def test_the_next_look_is_due_when_a_file_may_have_settled(tmp_path, clock):
    inbox = make_inbox(tmp_path, clock)
    (inbox.folders.inbox / "lettre.pdf").write_bytes(b"%PDF")
    ready, next_look = inbox.look()
    assert ready == []
    assert next_look == clock.now + 5


def test_temporary_names_and_subfolders_are_not_letters(tmp_path, clock):
    inbox = make_inbox(tmp_path, clock)
    (inbox.folders.inbox / "lettre.pdf.part").write_bytes(b"%PDF")
    (inbox.folders.inbox / "~$lettre.pdf").write_bytes(b"%PDF")
    (inbox.folders.inbox / "archives").mkdir()
    inbox.look()
    clock.now += 10
    assert inbox.look()[0] == []


def test_a_marker_file_decides_instead_of_the_settle_time(tmp_path, clock):
    inbox = make_inbox(tmp_path, clock, marker_suffix=".ok")
    (inbox.folders.inbox / "lettre.pdf").write_bytes(b"%PDF")
    clock.now += 100
    assert inbox.look()[0] == []
    (inbox.folders.inbox / "lettre.pdf.ok").touch()
    assert inbox.look()[0] == ["lettre.pdf"]
    inbox.handed_out("lettre.pdf")
    assert not (inbox.folders.inbox / "lettre.pdf.ok").exists()


def test_an_inbox_that_disappears_is_reported_and_picked_up_again(tmp_path, clock):
    inbox = make_inbox(tmp_path, clock)
    shutil.rmtree(inbox.folders.inbox)
    assert inbox.look()[0] == []
    assert not inbox.available
    inbox.folders.inbox.mkdir()
    (inbox.folders.inbox / "lettre.pdf").write_bytes(b"%PDF")
    inbox.look()
    assert inbox.available
    clock.now += 5
    assert inbox.look()[0] == ["lettre.pdf"]


def test_subfolders_are_ignored_unless_the_flow_takes_them(tmp_path, clock):
    inbox = make_inbox(tmp_path, clock)
    (inbox.folders.inbox / "service-a").mkdir()
    (inbox.folders.inbox / "service-a" / "lettre.pdf").write_bytes(b"%PDF")
    inbox.look()
    clock.now += 10
    assert inbox.look()[0] == []

    deep = make_inbox(tmp_path / "other", clock, subfolders=True)
    (deep.folders.inbox / "service-a" / "@eaDir").mkdir(parents=True)
    (deep.folders.inbox / "service-a" / "lettre.pdf").write_bytes(b"%PDF")
    (deep.folders.inbox / "service-a" / "@eaDir" / "x.pdf").write_bytes(b"%PDF")
    deep.look()
    clock.now += 10
    assert deep.look()[0] == ["service-a/lettre.pdf"]
