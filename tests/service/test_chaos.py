"""The randomised fault run, short: kills at random moments and injected faults break
neither 'Nothing is lost' nor 'Nothing is mailed twice' (docs/invariants.md). The long run
is `python -m bench.chaos`."""

from __future__ import annotations

import pytest
from bench.chaos import ChaosSettings, run

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
