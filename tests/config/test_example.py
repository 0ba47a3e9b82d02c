"""config.example.toml runs as is, and documents every option the daemon knows."""

from __future__ import annotations

import re
from pathlib import Path
from types import UnionType
from typing import Union, get_args, get_origin

from pydantic import BaseModel

from imprimfip.config import load_config
from imprimfip.config.model import Config

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"


def _models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (Union, UnionType, tuple) or get_args(annotation):
        return [model for arg in get_args(annotation) for model in _models(arg)]
    return []


def option_names(model: type[BaseModel]) -> set[str]:
    names = set()
    for name, field in model.model_fields.items():
        if name == "source":
            continue
        names.add(name)
        for inner in _models(field.annotation):
            names |= option_names(inner)
    return names


def test_the_example_config_loads_as_is(monkeypatch):
    monkeypatch.delenv("IMPRIMFIP_PASSWORD", raising=False)
    config = load_config(EXAMPLE)
    assert {flow.sending_type for flow in config.flows} >= {"STD", "LRAR"}
    assert all(flow.root.is_relative_to(EXAMPLE.parent / "spool") for flow in config.flows)


def test_every_option_is_documented_in_the_example():
    text = EXAMPLE.read_text(encoding="utf-8")
    missing = [
        name
        for name in sorted(option_names(Config))
        if not re.search(rf"^\s*#?\s*(\[+[\w.]*\b{name}\]+|{name}\s*=)", text, re.MULTILINE)
    ]
    assert missing == []
