"""ValidationRules inside a flow's config: defaults, overrides, clear errors with the key."""

from pathlib import Path

import pytest

from imprimfip.config import load_config
from imprimfip.config.rules import ALL_CODES, ALWAYS_ERRORS, ValidationRules
from imprimfip.errors import ConfigError
from tests.fixtures.rules import rules_of

FLOW = """
[api]
username = "demo"
password = {{ env = "IMPRIMFIP_TEST_PASSWORD" }}

[[flows]]
name = "courrier"
root = "spool/courrier"

[flows.validation]
{validation}
"""


def load(tmp_path: Path, monkeypatch, validation: str):
    monkeypatch.setenv("IMPRIMFIP_TEST_PASSWORD", "s3cret")
    path = tmp_path / "imprimfip.toml"
    path.write_text(FLOW.format(validation=validation), encoding="utf-8")
    return load_config(path).flows[0].validation


def test_the_defaults_are_the_documented_ones():
    rules = ValidationRules()
    zone = rules.address_zone
    assert (zone.left_mm, zone.top_mm, zone.right_mm, zone.bottom_mm) == (90, 50, 197, 92)
    assert (rules.address_min_lines, rules.address_max_lines, rules.address_max_chars) == (3, 6, 38)
    assert rules.size_tolerance_mm == 2.0
    assert {code: rules.severity_of(code) for code in ALL_CODES if "address_" in code} == {
        "address_block": "error",
        "address_lowercase": "warning",
        "address_accents": "warning",
        "address_near_edge": "warning",
    }
    assert rules.address_clearance_mm == 3.0
    assert [zone.box for zone in rules.reserved_zones.all_pages] == [
        (0, 0, 210, 5),
        (0, 292, 210, 297),
        (205, 0, 210, 297),
    ]
    assert rules.reserved_zones.first_page == rules.reserved_zones.other_pages == ()


def test_a_flow_reserves_zones_per_page_in_toml(tmp_path, monkeypatch):
    rules = load(
        tmp_path,
        monkeypatch,
        "[flows.validation.reserved_zones]\n"
        "first_page = [{ left_mm = 0, top_mm = 100, right_mm = 12, bottom_mm = 250 }]\n"
        "other_pages = [{ left_mm = 190, top_mm = 0, right_mm = 210, bottom_mm = 40 }]\n"
        "all_pages = []\n",
    )
    zones = rules.reserved_zones
    assert [zone.box for zone in zones.on_page(first=True)] == [(0, 100, 12, 250)]
    assert [zone.box for zone in zones.on_page(first=False)] == [(190, 0, 210, 40)]


def test_a_flow_overrides_its_rules_in_toml(tmp_path, monkeypatch):
    rules = load(
        tmp_path,
        monkeypatch,
        "max_pages = 10\npages_per_letter = 2\n"
        "[flows.validation.address_zone]\nleft_mm = 100\n"
        '[flows.validation.severity]\norientation = "warning"\n',
    )
    assert (rules.max_pages, rules.pages_per_letter) == (10, 2)
    assert rules.address_zone.left_mm == 100
    assert rules.severity_of("orientation") == "warning"


@pytest.mark.parametrize(
    ("validation", "key", "words"),
    [
        (
            '[flows.validation.severity]\npagesize = "off"',
            ".validation.severity.pagesize",
            "unknown",
        ),
        (
            '[flows.validation.severity]\npage_size = "fatal"',
            ".validation.severity.page_size",
            "error",
        ),
        ("[flows.validation.address_zone]\ntop_mm = 95", ".validation.address_zone", "top_mm"),
        (
            "[flows.validation.reserved_zones]\n"
            "all_pages = [{ left_mm = 20, top_mm = 0, right_mm = 10, bottom_mm = 5 }]",
            ".validation.reserved_zones.all_pages[0]",
            "left_mm",
        ),
        ("max_pages = 0", ".validation.max_pages", "greater than or equal to 1"),
        ("address_min_lines = 7", ".validation", "address_min_lines"),
    ],
)
def test_config_errors_name_the_key(tmp_path, monkeypatch, validation, key, words):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, monkeypatch, validation)
    [problem] = caught.value.problems
    assert problem.key.endswith(key)
    assert words in problem.message


def test_unreadable_codes_cannot_be_switched_off():
    for code in ALWAYS_ERRORS:
        assert ValidationRules().severity_of(code) == "error"
    with pytest.raises(ValueError, match="not_pdf"):
        rules_of(severity={"not_pdf": "off"})
