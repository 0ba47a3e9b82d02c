"""An uncertain deposit costs few status calls to settle: the seconds probed are those the
request could have been received in, read on the server's clock (real daemon, emulator)."""

from __future__ import annotations

import signal
import sqlite3
from datetime import datetime, timedelta

import pytest

from imprimfip.crashpoints import ENVIRONMENT_VARIABLE
from tests.fixtures.daemon import events, write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.waiting import wait_until
from tests.service.test_end_to_end import files, save

STATUS = "GET /api/v1/file/{internalRef}/status"
# The request's own deadline: a deposit cut short by a crash was received within it, if
# at all.
REQUEST_TIMEOUT_S = 10
MOST_CALLS = 15


def status_calls(sandbox) -> int:
    return sum(sandbox.stats()["by_endpoint_status"].get(STATUS, {}).values())


def test_a_lost_answer_seen_by_the_daemon_is_found_in_a_call_or_two(
    tmp_path, sandbox, start_daemon
):
    sandbox.set_faults(drop_after_accept=1.0)
    daemon = start_daemon(write_config(tmp_path, sandbox.api_url))
    flow = tmp_path / "spool" / "courrier"
    save(flow / "inbox", "lettre.pdf", make_letter())

    wait_until(lambda: [p for p in files(flow / "done") if p.suffix == ".pdf"], timeout=60)
    assert len(sandbox.submissions()) == 1
    assert 1 <= status_calls(sandbox) <= 3
    assert daemon.stop() == 0


@pytest.mark.parametrize(
    ("point", "outcome"),
    [("submit.row_written", "uncertain_held_for_a_person"), ("submit.answered", "uncertain_found")],
)
def test_a_deposit_cut_short_by_a_crash_is_settled_within_its_deadline(
    point, outcome, tmp_path, sandbox, start_daemon
):
    config = write_config(tmp_path, sandbox.api_url, api=f"request_timeout_s = {REQUEST_TIMEOUT_S}")
    flow = tmp_path / "spool" / "courrier"
    crashing = start_daemon(config, **{ENVIRONMENT_VARIABLE: point})
    save(flow / "inbox", "lettre.pdf", make_letter())
    assert crashing.process.wait(timeout=60) == -signal.SIGKILL

    survivor = start_daemon(config)
    wait_until(lambda: events(survivor.log(), outcome), timeout=60)
    calls = status_calls(sandbox)
    assert 1 <= calls <= MOST_CALLS
    if outcome == "uncertain_held_for_a_person":
        [not_found] = events(survivor.log(), "api.submission_not_found")
        assert not_found["probed"] == calls
        assert sandbox.submissions() == []
    else:
        assert len(sandbox.submissions()) == 1
    assert survivor.stop() == 0


def test_a_restart_long_after_the_crash_probes_no_more_than_the_deadline(
    tmp_path, sandbox, start_daemon
):
    """The daemon comes back a minute after a crash during a deposit that never left: the
    seconds to probe are the request's deadline, not the minute."""
    config = write_config(tmp_path, sandbox.api_url, api=f"request_timeout_s = {REQUEST_TIMEOUT_S}")
    flow = tmp_path / "spool" / "courrier"
    crashing = start_daemon(config, **{ENVIRONMENT_VARIABLE: "submit.row_written"})
    save(flow / "inbox", "lettre.pdf", make_letter())
    assert crashing.process.wait(timeout=60) == -signal.SIGKILL
    with sqlite3.connect(tmp_path / "state" / "ledger.sqlite3") as db:
        [(since,)] = db.execute("SELECT submitting_since FROM letters").fetchall()
        a_minute_before = datetime.fromisoformat(since) - timedelta(minutes=1)
        db.execute("UPDATE letters SET submitting_since = ?", (a_minute_before.isoformat(),))
    db.close()

    survivor = start_daemon(config)
    wait_until(lambda: events(survivor.log(), "uncertain_held_for_a_person"), timeout=60)
    assert status_calls(sandbox) <= REQUEST_TIMEOUT_S + 3
    assert survivor.stop() == 0
