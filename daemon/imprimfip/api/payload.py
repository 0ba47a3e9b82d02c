"""How a submission travels: the multipart parts of `POST /file/submission`.

`docFile` and each `anxFile` are application/octet-stream parts, as the spec's encoding
says. The parameters go either as one `jsonParameters` application/json part (the spec's
schema; the default) or, for a backend that binds ASP.NET-style form fields (the spec's
required list names `jsonParameters.Filename`), as flattened text fields:
`jsonParameters.Options.Paper`, `jsonParameters.Annexes[0].Filename`, ...
"""

from __future__ import annotations

import json
from typing import Any, Literal

from imprimfip.api.models import Submission

Encoding = Literal["json", "form"]
OCTET_STREAM = "application/octet-stream"

FileParts = list[tuple[str, tuple[str | None, bytes, str]]]


def multipart(sub: Submission, encoding: Encoding) -> tuple[FileParts, dict[str, str]]:
    """The `files` and `data` arguments of an httpx request carrying `sub`."""
    files: FileParts = [("docFile", (sub.filename, sub.doc, OCTET_STREAM))]
    files += [("anxFile", (name, content, OCTET_STREAM)) for name, content in sub.annexes]
    params = sub.parameters()
    if encoding == "form":
        return files, flatten(params, "jsonParameters")
    text = json.dumps(params, ensure_ascii=False).encode("utf-8")
    files.append(("jsonParameters", (None, text, "application/json")))
    return files, {}


def flatten(value: Any, prefix: str) -> dict[str, str]:
    """Form fields for a JSON value: keys in PascalCase joined by dots, list items as
    `[i]`, as ASP.NET model binding reads them."""
    if isinstance(value, dict):
        fields: dict[str, str] = {}
        for key, item in value.items():
            fields.update(flatten(item, f"{prefix}.{key[:1].upper()}{key[1:]}"))
        return fields
    if isinstance(value, list):
        fields = {}
        for index, item in enumerate(value):
            fields.update(flatten(item, f"{prefix}[{index}]"))
        return fields
    return {prefix: str(value)}
