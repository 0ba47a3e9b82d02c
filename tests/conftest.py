"""Shared fixtures live in tests/fixtures/, one module per outside system they stand for."""

import pathlib

import pytest

# Fixture modules import each other; rewrite their asserts whichever is imported first.
pytest.register_assert_rewrite("tests.fixtures")

_FIXTURES = pathlib.Path(__file__).parent / "fixtures"

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}" for path in _FIXTURES.glob("*.py") if path.stem != "__init__"
)
