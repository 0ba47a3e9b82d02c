"""Reading `jsonParameters` from either encoding into one canonical dict (pure functions).

The spec describes a JSON part, but its required list names flattened form fields
(`jsonParameters.Filename`, `jsonParameters.Options.Paper`, ...), which is how an ASP.NET
backend binds a model from form fields. Both encodings are accepted and give the same dict.
Names are matched without regard to case, as ASP.NET model binding does; an unknown name is
refused, as the spec's `additionalProperties: false` says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

FLAT_PREFIX = "jsonparameters."

_ADDRESS = ("name", "line2", "line3", "line4", "line5", "zipCode", "town")
_INFORMATION = ("emailAddress", "lastname", "firstname", "type", "socialReason")

#: The shape of FileSubmissionJson: a dict is an object, a list an array of that shape,
#: None a string leaf.
SHAPE: dict[str, Any] = {
    "filename": None,
    "onBehalfOf": None,
    "options": {"paper": None, "sendingType": None},
    "recipient": {
        "information": dict.fromkeys(_INFORMATION),
        "address": dict.fromkeys((*_ADDRESS, "country")),
    },
    "sender": {"returnAddress": dict.fromkeys(_ADDRESS)},
    "annexes": [{"filename": None}],
}

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z0-9_]+)(?:\[(?P<index>\d+)\])?$")


class ParameterError(ValueError):
    """jsonParameters cannot be read; the message is French and names the field."""


def from_json_text(text: str) -> dict[str, Any]:
    """Parse the JSON part and canonicalise its names."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParameterError(
            f"La partie jsonParameters n'est pas un JSON valide ({exc.msg}, ligne {exc.lineno})."
        ) from exc
    return canonical(raw, SHAPE, "jsonParameters")


def from_flat_fields(fields: Mapping[str, str]) -> dict[str, Any]:
    """Rebuild the object from `jsonParameters.Options.Paper`-style form fields."""
    tree: dict[str, Any] = {}
    for name, value in fields.items():
        _place(tree, name, name[len(FLAT_PREFIX) :].split("."), value)
    return canonical(tree, SHAPE, "jsonParameters")


def _place(tree: dict[str, Any], field: str, segments: list[str], value: str) -> None:
    node: Any = tree
    for position, segment in enumerate(segments):
        match = _SEGMENT.match(segment)
        if match is None:
            raise ParameterError(f"Le nom de champ « {field} » n'est pas reconnu.")
        last = position == len(segments) - 1
        name, index = match["name"], match["index"]
        if index is None:
            node = _descend(node, name, value if last else {})
            continue
        items = node.setdefault(name, {})
        node = _descend(items, index, value if last else {})


def _descend(node: dict[str, Any], key: str, default: Any) -> Any:
    # Arrays are built as dicts keyed by index, then turned into lists by `canonical`.
    return node.setdefault(key, default)


def canonical(value: Any, shape: Any, path: str) -> Any:
    """Check `value` against `shape`, renaming keys to the spec's spelling."""
    if value is None:
        return None
    if isinstance(shape, list):
        return _canonical_list(value, shape[0], path)
    if isinstance(shape, dict):
        return _canonical_object(value, shape, path)
    if not isinstance(value, str):
        raise ParameterError(f"Le champ {path} doit être une chaîne de caractères.")
    return value


def _canonical_list(value: Any, item_shape: Any, path: str) -> list[Any]:
    if isinstance(value, dict) and all(key.isdigit() for key in value):
        value = [value[key] for key in sorted(value, key=int)]
    if not isinstance(value, list):
        raise ParameterError(f"Le champ {path} doit être une liste.")
    return [canonical(item, item_shape, f"{path}[{i}]") for i, item in enumerate(value)]


def _canonical_object(value: Any, shape: dict[str, Any], path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParameterError(f"Le champ {path} doit être un objet.")
    spelling = {name.lower(): name for name in shape}
    result: dict[str, Any] = {}
    for key, item in value.items():
        name = spelling.get(str(key).lower())
        if name is None:
            expected = ", ".join(shape)
            raise ParameterError(
                f"Le champ {path}.{key} n'est pas reconnu (champs possibles : {expected})."
            )
        result[name] = canonical(item, shape[name], f"{path}.{name}")
    return result
