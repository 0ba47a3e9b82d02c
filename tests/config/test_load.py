from pathlib import Path

import pytest

from imprimfip.config import load_config
from imprimfip.config.secrets import MASK
from imprimfip.errors import ConfigError

GOOD = """
[api]
username = "demo"
password = { env = "IMPRIMFIP_TEST_PASSWORD" }

[[flows]]
name = "courrier"
root = "spool/courrier"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "imprimfip.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_are_relative_to_the_config_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPRIMFIP_TEST_PASSWORD", "s3cret")
    monkeypatch.chdir("/")
    config = load_config(write(tmp_path, GOOD))
    assert config.flows[0].root == tmp_path / "spool" / "courrier"
    assert config.ledger.path == tmp_path / "state" / "ledger.sqlite3"


def test_the_secret_is_read_from_the_environment_and_never_shown(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPRIMFIP_TEST_PASSWORD", "s3cret")
    config = load_config(write(tmp_path, GOOD))
    assert config.api.password.reveal() == "s3cret"
    assert "s3cret" not in repr(config)
    assert MASK in repr(config.api)


def test_a_secret_from_a_systemd_credential(tmp_path, monkeypatch):
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "imprimfip-password").write_text("from-systemd\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    text = GOOD.replace(
        '{ env = "IMPRIMFIP_TEST_PASSWORD" }', '{ credential = "imprimfip-password" }'
    )
    assert load_config(write(tmp_path, text)).api.password.reveal() == "from-systemd"


def test_a_secret_in_clear_is_refused(tmp_path):
    text = GOOD.replace('{ env = "IMPRIMFIP_TEST_PASSWORD" }', '"hunter2"')
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    [problem] = caught.value.problems
    assert problem.key == "api.password"
    assert "clear" in problem.message
    assert "hunter2" not in str(caught.value)


def test_every_mistake_is_reported_with_its_key(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPRIMFIP_TEST_PASSWORD", "s3cret")
    text = GOOD + 'sending_type = "LRX"\n\n[[flows]]\nname = "lrar"\nroot = "b"\ncolour = 1\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    keys = {p.key for p in caught.value.problems}
    assert keys == {'flows[0] ("courrier").sending_type', 'flows[1] ("lrar").colour'}
    assert str(tmp_path / "imprimfip.toml") in str(caught.value)


def test_an_lrar_flow_without_return_address_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPRIMFIP_TEST_PASSWORD", "s3cret")
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, GOOD + 'sending_type = "LRAR"\n'))
    [problem] = caught.value.problems
    assert problem.key == 'flows[0] ("courrier")'
    assert "return address" in problem.message


def test_the_largest_subscription_is_accepted_and_more_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPRIMFIP_TEST_PASSWORD", "s3cret")
    budget = "\n[api.budget]\ncalls_per_minute = {}\n"
    accepted = load_config(write(tmp_path, GOOD + budget.format(1000)))
    assert accepted.api.budget.calls_per_minute == 1000
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, GOOD + budget.format(1001)))
    [problem] = caught.value.problems
    assert problem.key == "api.budget.calls_per_minute"
    assert "1001 calls a minute is more than any IMPRIM'FIP subscription" in problem.message
    assert "50, 200, 500, 1000" in problem.message
    assert "set a little under the rate granted to you" in problem.message


def test_a_toml_syntax_error_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "[api\n"))
    assert caught.value.problems[0].key == "(syntax)"


def test_commands_that_never_call_the_api_load_without_the_secrets(tmp_path, monkeypatch):
    monkeypatch.delenv("IMPRIMFIP_TEST_PASSWORD", raising=False)
    path = write(tmp_path, GOOD)
    with pytest.raises(ConfigError):
        load_config(path)
    assert load_config(path, secrets=False).api.password.reveal() == ""
