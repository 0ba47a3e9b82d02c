"""Shared fixtures live in tests/fixtures/, one module per outside system they stand for.

The `slow` marker (registered in pyproject.toml) is on every test that starts the daemon,
runs one of our commands in a child process, or took 3 s or more in a measured run of the
suite, so that `pytest -m "not slow"` is a quick inner loop. Tests that ask for a fixture
of DAEMON_FIXTURES are marked here, as each use of one starts the daemon in a child
process; every other slow test carries the mark itself.
"""

import pathlib

import pytest

# Fixture modules import each other; rewrite their asserts whichever is imported first.
pytest.register_assert_rewrite("tests.fixtures")

_FIXTURES = pathlib.Path(__file__).parent / "fixtures"

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}" for path in _FIXTURES.glob("*.py") if path.stem != "__init__"
)

DAEMON_FIXTURES = frozenset({"start_daemon"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DAEMON_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
