"""The randomised fault run, short: kills at random moments and injected faults break
neither 'Nothing is lost' nor 'Nothing is mailed twice' (docs/invariants.md); nor do storage
faults at random, without a restart. The long runs are `python -m bench.chaos [--storage]`."""

from __future__ import annotations

import pytest
from bench.chaos import ChaosCounts, ChaosSettings, run, run_storage

from tests.fixtures.filesystems import CannotMount

# The daemon in a child process, killed and started again.
pytestmark = pytest.mark.slow


@pytest.mark.timeout(400)
def test_random_kills_and_faults_lose_nothing_and_mail_nothing_twice(tmp_path):
    counts = run(ChaosSettings(letters=30, flows=3, kills=6, seed=7), tmp_path)
    assert counts.saved == 30
    assert counts.lost == 0
    assert counts.mailed_twice == 0
    assert counts.done_not_deposited_once == 0
    assert counts.done_ref_not_recorded == 0
    assert counts.uncertain_unreported == 0
    assert counts.in_done + counts.in_error == 30


@pytest.fixture(scope="module")
def storage_run(tmp_path_factory) -> ChaosCounts:
    """One short storage-fault run (tmpfs mounts, as root), shared by the tests below."""
    settings = ChaosSettings(
        letters=16, flows=2, faults={}, seed=5, storm_s=8.0, heal_timeout_s=20.0
    )
    try:
        return run_storage(settings, tmp_path_factory.mktemp("storage-chaos"))
    except CannotMount as reason:
        pytest.skip(str(reason))


@pytest.mark.timeout(400)
def test_the_storage_storm_blows_and_everything_is_counted(storage_run):
    assert storage_run.saved == 16
    assert storage_run.storage_faults > 0
    assert storage_run.mailed_twice == 0
    assert storage_run.in_done + storage_run.stuck >= 16 - storage_run.in_error


@pytest.mark.timeout(400)
def test_storage_faults_at_random_heal_without_a_restart(storage_run):
    assert storage_run.stuck == 0
    assert storage_run.lost == 0
    assert storage_run.temporaries_left == 0
    assert storage_run.heal_seconds is not None
    assert storage_run.broken == 0
