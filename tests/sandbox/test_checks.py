"""Every way a submission is refused with 400, each message naming what to fix."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.fixtures.sandbox import Sandbox
from tests.sandbox.helpers import api_headers, multipart, params, pdf, submit

_REMOVE = object()


def _changed(data: dict[str, Any], *path: str, value: Any = _REMOVE) -> dict[str, Any]:
    """A deep copy of `data` with the key at `path` set to `value`, or removed."""
    copy = json.loads(json.dumps(data))
    node = copy
    for key in path[:-1]:
        node = node[key]
    if value is _REMOVE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return copy


def _without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    return _changed(data, *path)


def _with(data: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    return _changed(data, *path, value=value)


LRE = params("LRE")
LRAR = params("LRAR")
PRO = _with(LRE, {"emailAddress": "a@b.fr", "type": "PROFESSIONNEL"}, "recipient", "information")

CASES = {
    "filename missing": (_without(params(), "filename"), "jsonParameters.filename est obligatoire"),
    "filename empty": (_with(params(), "", "filename"), "jsonParameters.filename est obligatoire"),
    "options missing": (_without(params(), "options"), "options.paper est obligatoire"),
    "paper unknown": (
        _with(params(), "A3", "options", "paper"),
        "« A3 » du champ jsonParameters.options.paper",
    ),
    "sending type unknown": (
        _with(params(), "FAX", "options", "sendingType"),
        "valeurs possibles : STD, LRE, LRAR",
    ),
    "unknown field": (_with(params(), "x", "colour"), "jsonParameters.colour n'est pas reconnu"),
    "number for a string": (_with(params(), 3, "filename"), "doit être une chaîne"),
    "LRE without recipient": (
        _without(LRE, "recipient"),
        "recipient.information est obligatoire pour un envoi LRE",
    ),
    "LRE bad email": (
        _with(LRE, "pas-une-adresse", "recipient", "information", "emailAddress"),
        "« pas-une-adresse »",
    ),
    "LRE without type": (
        _without(LRE, "recipient", "information", "type"),
        "information.type est obligatoire",
    ),
    "LRE PARTICULIER without name": (
        _without(LRE, "recipient", "information", "lastname"),
        "information.lastname est obligatoire",
    ),
    "LRE PROFESSIONNEL without social reason": (PRO, "information.socialReason est obligatoire"),
    "LRAR without recipient address": (
        _without(LRAR, "recipient"),
        "recipient.address est obligatoire pour un envoi LRAR",
    ),
    "LRAR without return address": (
        _without(LRAR, "sender"),
        "sender.returnAddress est obligatoire pour un envoi LRAR",
    ),
    "LRAR address without town": (
        _without(LRAR, "recipient", "address", "town"),
        "recipient.address.town est obligatoire",
    ),
    "LRAR bad zip code": (
        _with(LRAR, "7742", "sender", "returnAddress", "zipCode"),
        "« 7742 » du champ jsonParameters.sender.returnAddress.zipCode",
    ),
    "annexes described but not sent": (
        _with(params(), [{"filename": "a.pdf"}], "annexes"),
        "décrit 1 annexe(s) mais la requête contient 0",
    ),
}


def _assert_refused(response: httpx.Response, expected: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["erreur"]
    assert expected in error["message"]
    assert isinstance(error["code"], int)


@pytest.mark.parametrize("case", CASES)
def test_bad_parameters_are_refused(case: str, api: httpx.Client, sandbox: Sandbox) -> None:
    bad, expected = CASES[case]
    _assert_refused(submit(api, bad), expected)
    assert sandbox.submissions() == []


def test_all_problems_are_reported_at_once(api: httpx.Client) -> None:
    bad = _with(_without(params(), "filename"), "A3", "options", "paper")
    message = submit(api, bad).json()["erreur"]["message"]
    assert "filename" in message
    assert "A3" in message


def test_country_abroad_allows_a_foreign_zip_code(api: httpx.Client) -> None:
    abroad = {**LRAR["recipient"]["address"], "zipCode": "B-1000", "country": "BELGIQUE"}
    assert submit(api, _with(LRAR, abroad, "recipient", "address")).status_code == 200


def test_professional_lre_recipient_is_accepted(api: httpx.Client) -> None:
    pro = {"emailAddress": "contact@dmt.fr", "type": "PROFESSIONNEL", "socialReason": "DMT"}
    assert submit(api, _with(LRE, pro, "recipient", "information")).status_code == 200


def _post(api: httpx.Client, **body: Any) -> httpx.Response:
    return api.post("/file/submission", headers=api_headers(), **body)


def test_missing_doc_file(api: httpx.Client) -> None:
    _assert_refused(_post(api, **multipart(params())), "docFile est absente")


def test_missing_json_parameters(api: httpx.Client) -> None:
    _assert_refused(_post(api, **multipart(None, pdf())), "jsonParameters est absente")


def test_json_parameters_that_are_not_json(api: httpx.Client) -> None:
    files = [
        ("docFile", ("a.pdf", pdf(), "application/octet-stream")),
        ("jsonParameters", (None, "{filename:", "application/json")),
    ]
    _assert_refused(_post(api, files=files), "n'est pas un JSON valide")


def test_both_encodings_at_once(api: httpx.Client) -> None:
    body = multipart(params(), pdf())
    _assert_refused(
        _post(api, data={"jsonParameters.Filename": "x.pdf"}, **body), "fourni deux fois"
    )


def test_doc_file_that_is_not_a_pdf(api: httpx.Client) -> None:
    _assert_refused(submit(api, params(), b"GIF89a"), "n'est pas un PDF")


def test_body_that_is_not_multipart(api: httpx.Client) -> None:
    _assert_refused(_post(api, json=params()), "multipart/form-data")


def test_unknown_part(api: httpx.Client) -> None:
    body = multipart(params(), pdf())
    body["files"].append(("photo", ("p.jpg", b"x", "image/jpeg")))
    _assert_refused(_post(api, **body), "« photo » n'est pas reconnue")


def test_doc_file_twice(api: httpx.Client) -> None:
    body = multipart(params(), pdf())
    body["files"].append(("docFile", ("b.pdf", pdf(), "application/octet-stream")))
    _assert_refused(_post(api, **body), "docFile est en double")
