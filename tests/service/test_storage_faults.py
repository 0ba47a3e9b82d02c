"""Storage faults heal by themselves: the real daemon on real small filesystems.

A flow's share or the ledger's disk is a tmpfs of a few hundred kB (tests/fixtures/
filesystems.py) that the test fills and frees, or remounts read-only and read-write, while
the daemon runs against the emulator. After the fault ends, without a restart and within a
bounded wait: every letter is in exactly one folder, each good one deposited once with its
receipt, each bad one in error/ with its notes, no temporary file is left once the daemon
stops, and the cause was logged as a storage fault, never as a bug of ours nor by an
unhealthy daemon.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from imprimfip.crashpoints import FAULT_VARIABLE
from imprimfip.exitcodes import ExitCode
from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.spool import save
from tests.fixtures.waiting import wait_until

# The daemon retries with a backoff that starts at a second and these faults last seconds.
HEAL_TIMEOUT_S = 30.0
# What the daemon logs when a storage fault hits a letter, today (bug, unhealthy) or once
# storage faults are handled.
HIT = ("internal_error", "daemon_unhealthy", "storage_fault")


def _flow_files(flow: Path) -> list[Path]:
    return sorted(p for p in flow.rglob("*") if p.is_file()) if flow.exists() else []


def _claimed_as(flow: Path, path: Path, name: str) -> bool:
    """Whether `path` is `name` claimed into processing/ (under a prefixed name)."""
    return path.parent == flow / "processing" and path.name.endswith(f"-{name}")


def _temporaries(flow: Path) -> list[str]:
    return [
        f"temporary file {p.relative_to(flow)}"
        for p in _flow_files(flow)
        if p.name.endswith(".tmp")
    ]


def _problems(flow: Path, ledger: Path, letters: dict[str, bytes], submissions: list) -> list[str]:
    """What still breaks the promises of a healed share, temporary files aside (see
    `_heals`); empty once all is well."""
    found = []
    files = _flow_files(flow)
    for name, data in letters.items():
        places = [p for p in files if p.name == name or _claimed_as(flow, p, name)]
        folders = [p.relative_to(flow).parts[0] for p in places]
        if folders not in (["done"], ["error"]):
            found.append(f"{name} in {folders or 'no folder'}")
            continue
        [place] = places
        companions = (".recu.json",) if folders == ["done"] else (".erreur.txt", ".erreur.json")
        found += [f"{name} without {c}" for c in companions if not Path(f"{place}{c}").exists()]
        sha = hashlib.sha256(data).hexdigest()
        deposits = sum(s["sha256"] == sha for s in submissions)
        if deposits != (folders == ["done"]):
            found.append(f"{name} deposited {deposits} times")
    with sqlite3.connect(ledger) as db:
        unfiled = db.execute(
            "SELECT name, state FROM letters WHERE state != 'void' AND filed_at IS NULL"
        ).fetchall()
    found += [f"{name} ({state}) not filed in the ledger" for name, state in unfiled]
    return found


def _heals(daemon, flow, ledger, letters, sandbox) -> None:
    """Wait (bounded) for every promise to hold, then say which do not."""

    def problems() -> list[str]:
        return _problems(flow, ledger, letters, sandbox.submissions())

    with contextlib.suppress(AssertionError):
        wait_until(lambda: not problems(), timeout=HEAL_TIMEOUT_S, interval=0.2)
    left = problems()
    assert left == [], f"not healed {HEAL_TIMEOUT_S:.0f} s after the fault ended: {left}"
    assert daemon.process.poll() is None, "the daemon stopped"
    # The CSV report is rewritten as statuses come in, through a temporary file and a
    # rename: a look while it is written finds that file. Once the daemon has stopped
    # cleanly (it lets a write under way finish), any temporary file left is a leak.
    assert daemon.stop() == ExitCode.OK
    assert _temporaries(flow) == []
    log = daemon.log()
    assert "storage_fault" in log
    assert "internal_error" not in log
    assert "daemon_unhealthy" not in log


def _state(ledger: Path, name: str) -> str | None:
    """The letter's state, and "filed" once its filing is complete."""
    with sqlite3.connect(ledger) as db:
        row = db.execute(
            "SELECT state, filed_at FROM letters WHERE name = ? AND state != 'void'", (name,)
        ).fetchone()
    if row is None:
        return None
    return "filed" if row[1] else row[0]


def _cut_short(path: Path, data: bytes) -> None:
    """Write as much of `data` as the disk takes, as a copy cut short by a full share."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(fd)


def _start(tmp_path, sandbox, start_daemon, **env: str):
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url), **env)
    return daemon, tmp_path / "spool" / "courrier", tmp_path / "state" / "ledger.sqlite3"


def _hold_in_processing(daemon, sandbox, flow, name: str, data: bytes) -> None:
    """Save a letter and keep it claimed, its deposit paused by an API outage."""
    sandbox.set_faults(unavailable_503=1.0)
    save(flow / "inbox", name, data)
    wait_until(lambda: "deposit_paused" in daemon.log(), timeout=30)


def test_a_receipt_that_does_not_fit_is_written_once_space_returns(
    tmp_path, sandbox, start_daemon, small_disk
):
    disk = small_disk(tmp_path / "spool" / "courrier")
    daemon, flow, ledger = _start(tmp_path, sandbox, start_daemon)
    letters = {"lettre.pdf": make_letter()}
    _hold_in_processing(daemon, sandbox, flow, "lettre.pdf", letters["lettre.pdf"])

    disk.fill()
    sandbox.set_faults()
    wait_until(lambda: _state(ledger, "lettre.pdf") == "deposited", timeout=60)
    wait_until(lambda: any(event in daemon.log() for event in HIT), timeout=30)
    disk.free()

    _heals(daemon, flow, ledger, letters, sandbox)


def test_a_letter_cut_short_by_a_full_share_gets_its_note_once_space_returns(
    tmp_path, sandbox, start_daemon, small_disk
):
    disk = small_disk(tmp_path / "spool" / "courrier")
    daemon, flow, ledger = _start(tmp_path, sandbox, start_daemon)
    data = make_letter(pages=3)
    disk.fill(leave=8 * 1024)
    _cut_short(flow / "inbox" / "lettre-coupee.pdf", data)
    truncated = (flow / "inbox" / "lettre-coupee.pdf").read_bytes()
    assert len(truncated) < len(data)

    wait_until(lambda: any(event in daemon.log() for event in HIT), timeout=30)
    disk.free()

    _heals(daemon, flow, ledger, {"lettre-coupee.pdf": truncated}, sandbox)


def test_a_full_ledger_disk_pauses_intake_and_deposits_until_space_returns(
    tmp_path, sandbox, start_daemon, small_disk
):
    disk = small_disk(tmp_path / "state", size="1m")
    daemon, flow, ledger = _start(tmp_path, sandbox, start_daemon)
    letters = {"avant.pdf": make_letter(text=("avant",))}
    save(flow / "inbox", "avant.pdf", letters["avant.pdf"])
    wait_until(lambda: _state(ledger, "avant.pdf") == "filed", timeout=30)

    disk.fill()
    for name in ("pendant-1.pdf", "pendant-2.pdf"):
        letters[name] = make_letter(text=(name,))
        save(flow / "inbox", name, letters[name])
    wait_until(lambda: any(event in daemon.log() for event in HIT), timeout=30)
    disk.free()

    _heals(daemon, flow, ledger, letters, sandbox)
    assert "SQLITE_FULL" in daemon.log()


def test_a_share_remounted_read_only_resumes_when_writable_again(
    tmp_path, sandbox, start_daemon, small_disk
):
    disk = small_disk(tmp_path / "spool" / "courrier")
    daemon, flow, ledger = _start(tmp_path, sandbox, start_daemon)
    letters = {"en-cours.pdf": make_letter(text=("en cours",))}
    _hold_in_processing(daemon, sandbox, flow, "en-cours.pdf", letters["en-cours.pdf"])

    disk.read_only()
    letters["arrivee.pdf"] = make_letter(text=("arrivée",))
    save(disk.server / "inbox", "arrivee.pdf", letters["arrivee.pdf"])
    sandbox.set_faults()
    wait_until(lambda: _state(ledger, "en-cours.pdf") == "deposited", timeout=60)
    wait_until(lambda: any(event in daemon.log() for event in HIT), timeout=30)
    disk.read_write()

    _heals(daemon, flow, ledger, letters, sandbox)
    assert "EROFS" in daemon.log()


def test_ledger_i_o_errors_pause_every_flow_and_heal(tmp_path, sandbox, start_daemon):
    """Three ledger writes in a row fail as a failing disk makes them (injected: a test
    cannot break a disk), from the third write on: the letter's deposit is about to start."""
    daemon, flow, ledger = _start(
        tmp_path, sandbox, start_daemon, **{FAULT_VARIABLE: "ledger.write:EIO@3x3"}
    )
    letters = {"lettre.pdf": make_letter()}
    save(flow / "inbox", "lettre.pdf", letters["lettre.pdf"])
    wait_until(lambda: any(event in daemon.log() for event in HIT), timeout=30)

    _heals(daemon, flow, ledger, letters, sandbox)
    assert "SQLITE_IOERR" in daemon.log()


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("claim.read:EIO@1x2", "EIO"),
        ("filing.folder:ENOSPC@1x2", "ENOSPC"),
        ("filing.move:EIO@1x2", "EIO"),
        ("filing.receipt:ESTALE@1x3", "ESTALE"),
        ("filing.sidecar:EIO@1x2", "EIO"),
    ],
)
def test_injected_share_errors_at_each_step_heal(tmp_path, sandbox, start_daemon, fault, code):
    """Errors a test cannot cause for real on a share (a failing disk, a stale handle),
    injected at one step a few times in a row: the step is retried until it goes through."""
    daemon, flow, ledger = _start(tmp_path, sandbox, start_daemon, **{FAULT_VARIABLE: fault})
    letters = {"lettre.pdf": make_letter()}
    # With its JSON sidecar (saved first), so that the sidecar's move is a step too.
    save(flow / "inbox", "lettre.pdf", letters["lettre.pdf"], sending_type="LRE")
    wait_until(lambda: "storage_fault" in daemon.log(), timeout=30)

    _heals(daemon, flow, ledger, letters, sandbox)
    assert (flow / "processing").exists() and not any((flow / "processing").iterdir())
    assert code in daemon.log()
    assert "storage_fault_cleared" in daemon.log()


def test_a_note_that_cannot_be_written_is_written_once_the_share_heals(
    tmp_path, sandbox, start_daemon
):
    daemon, flow, ledger = _start(
        tmp_path, sandbox, start_daemon, **{FAULT_VARIABLE: "filing.twin:EIO@1x2"}
    )
    letters = {"pas-un-pdf.pdf": b"ceci n'est pas un PDF"}
    save(flow / "inbox", "pas-un-pdf.pdf", letters["pas-un-pdf.pdf"])
    wait_until(lambda: "storage_fault" in daemon.log(), timeout=30)

    _heals(daemon, flow, ledger, letters, sandbox)


def test_a_claim_refused_by_the_share_keeps_the_marker_file(tmp_path, sandbox, start_daemon):
    flows = """
        [[flows]]
        name = "courrier"
        root = "spool/courrier"
        sending_type = "STD"
        marker_suffix = ".pret"
        """
    daemon = start_daemon(
        write_config(tmp_path, sandbox.api_url, flows=flows),
        **{FAULT_VARIABLE: "claim.rename:EACCES@1x2"},
    )
    flow, ledger = tmp_path / "spool" / "courrier", tmp_path / "state" / "ledger.sqlite3"
    letters = {"lettre.pdf": make_letter()}
    save(flow / "inbox", "lettre.pdf", letters["lettre.pdf"])
    (flow / "inbox" / "lettre.pdf.pret").write_bytes(b"")
    wait_until(lambda: "storage_fault" in daemon.log(), timeout=30)

    _heals(daemon, flow, ledger, letters, sandbox)
    assert "EACCES" in daemon.log()


def test_a_report_that_cannot_be_written_is_said_once_and_written_later(
    tmp_path, sandbox, start_daemon
):
    daemon, flow, _ = _start(
        tmp_path, sandbox, start_daemon, **{FAULT_VARIABLE: "report.write:EIO@1x3"}
    )
    wait_until(lambda: "report_written_again" in daemon.log(), timeout=30)
    assert daemon.log().count("report_not_written") == 1
    assert (flow / "suivi-des-envois.csv").exists()
