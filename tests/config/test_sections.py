"""The settings `imprimfip status` reads without the model are the ones the model gives, and
it takes none the model would refuse."""

from pathlib import Path

import pytest

from imprimfip.config import load_config
from imprimfip.config.sections import Sections, read_sections
from imprimfip.errors import ConfigError
from tests.config.test_load import GOOD, write

TAKEN = [
    "",
    '[ledger]\npath = "/var/lib/imprimfip/ledger.sqlite3"\n',
    '[ledger]\npath = "~/ledger.sqlite3"\nbackup_keep = 3\n',
    '[ledger]\npath = "../state/l.sqlite3"\n',
    "[tracking]\ntime_scale = 60\noverdue_after_hours = 1.5\nmax_concurrent_polls = 32\n",
    "[tracking.horizon_days]\nSTD = 2\nLRAR = 0.5\n",
]

ONLY_THE_MODEL_TAKES = ["[tracking]\ntime_scale = true\n", '[tracking]\ntime_scale = "60"\n']
"""pydantic's lax numbers: status then validates the whole file, which takes them."""

LEFT_TO_THE_MODEL = [
    "[tracking]\ntime_scale = 0\n",
    "[tracking]\nmax_concurrent_polls = 33\n",
    "[tracking]\nmax_concurrent_polls = 4.5\n",
    *ONLY_THE_MODEL_TAKES,
    "[tracking]\ntimescale = 60\n",
    "[tracking.horizon_days]\nLRE = -1\n",
    "[tracking.horizon_days]\nLRS = 1\n",
    "tracking = 3\n",
    "[ledger]\npath = 3\n",
    "ledger = []\n",
]


def from_the_model(path: Path) -> Sections:
    config = load_config(path, secrets=False)
    return Sections(config.ledger.path, tuple(f.name for f in config.flows), config.tracking)


@pytest.mark.parametrize("table", TAKEN)
def test_what_status_reads_is_what_the_model_gives(tmp_path, monkeypatch, table):
    monkeypatch.chdir("/")
    path = write(tmp_path, table + GOOD)
    assert read_sections(path) == from_the_model(path)


@pytest.mark.parametrize("table", LEFT_TO_THE_MODEL)
def test_a_setting_not_taken_as_written_is_left_to_the_model(tmp_path, table):
    path = write(tmp_path, table + GOOD)
    assert read_sections(path) is None
    try:
        from_the_model(path)
    except ConfigError as error:
        assert error.problems
    else:
        assert table in ONLY_THE_MODEL_TAKES


def test_a_mistake_in_another_table_is_not_read(tmp_path):
    path = write(tmp_path, GOOD + '\n[intake]\nmax_in_flight = "many"\n[reports]\ndays = 0\n')
    sections = read_sections(path)
    assert sections is not None
    assert sections.flows == ("courrier",)
    with pytest.raises(ConfigError):
        from_the_model(path)


def test_no_flow_or_a_file_that_cannot_be_read_is_left_to_the_model(tmp_path):
    assert read_sections(write(tmp_path, '[api]\nusername = "demo"\n')) is None
    assert read_sections(tmp_path / "missing.toml") is None
    assert read_sections(write(tmp_path, "[api\n")) is None
