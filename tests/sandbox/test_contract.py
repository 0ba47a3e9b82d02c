"""The contract helpers themselves: they pass what the spec allows and catch drift."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.fixtures import contract
from tests.sandbox.helpers import api_headers, multipart, params, pdf

pytestmark = pytest.mark.skipif(not contract.spec_available(), reason="no official spec here")


def _request(headers: dict[str, str] | None = None, **body: Any) -> httpx.Request:
    return httpx.Request(
        "POST",
        "http://127.0.0.1:1/api/v1/file/submission",
        headers=api_headers() if headers is None else headers,
        **body,
    )


FLAT = {
    "jsonParameters.Filename": "Lettre.pdf",
    "jsonParameters.Options.Paper": "DUPLEX",
    "jsonParameters.Options.SendingType": "LRAR",
    "jsonParameters.Recipient.Address.Name": "MARIE MARTIN",
    "jsonParameters.Recipient.Address.ZipCode": "77420",
    "jsonParameters.Sender.ReturnAddress.Name": "MAIRIE",
    "jsonParameters.Annexes[0].Filename": "a.pdf",
}


def test_a_json_part_submission_passes() -> None:
    contract.check_httpx_request(_request(**multipart(params("LRE"), pdf())))


def test_a_flattened_submission_passes() -> None:
    contract.check_httpx_request(_request(data=FLAT, **multipart(None, pdf(), (pdf(),))))


@pytest.mark.parametrize(
    ("body", "drift"),
    [
        (multipart(params(), None), "'docFile' is a required property"),
        (multipart(None, pdf()), "'jsonParameters' is a required property"),
        (multipart({**params(), "colour": "red"}, pdf()), "Additional properties"),
        (
            multipart({**params(), "options": {"paper": "A3", "sendingType": "STD"}}, pdf()),
            "'A3' is not one of",
        ),
        (
            {"data": {**FLAT, "jsonParameters.Options.Paper": "A3"}, **multipart(None, pdf())},
            "'A3' is not one of",
        ),
        (
            {"data": {"jsonParameters.Filename": "a.pdf"}, **multipart(None, pdf())},
            "'options' is a required property",
        ),
        (
            {"data": {"jsonParameters.Filename": "a"}, **multipart(params(), pdf())},
            "both as JSON and as fields",
        ),
        ({"data": {"colour": "red"}, **multipart(params(), pdf())}, "parts the spec does not"),
        ({"json": params()}, "submission body drifts"),
    ],
)
def test_submission_body_drift_is_caught(body: dict[str, Any], drift: str) -> None:
    with pytest.raises(AssertionError, match=drift):
        contract.check_httpx_request(_request(**body))


@pytest.mark.parametrize("missing", ["X-Correlation-ID", "X-Request-ID", "username", "password"])
def test_missing_required_header_is_caught(missing: str) -> None:
    headers = api_headers()
    del headers[missing]
    with pytest.raises(AssertionError, match=missing):
        contract.check_httpx_request(_request(headers, **multipart(params(), pdf())))


def test_a_correlation_id_that_is_not_a_uuid_is_caught() -> None:
    headers = {**api_headers(), "X-Correlation-ID": "42"}
    request = httpx.Request("GET", "http://h/api/v1/etatSante", headers=headers)
    with pytest.raises(AssertionError):
        contract.check_httpx_request(request)


def test_status_request_with_business_ref_passes_with_or_without_the_base() -> None:
    contract.check_request(
        "GET", "/file/A_01012024000000@x.pdf/status?businessRef=038719506", api_headers()
    )
    contract.check_request("GET", "/api/v1/file/A_01012024000000@x.pdf/status", api_headers())


JSON = {"content-type": "application/json"}


def test_response_drift_is_caught() -> None:
    good = {"message": "L'API est opérationnelle"}
    contract.check_response("GET", "/etatSante", 200, JSON, json.dumps(good).encode())
    with pytest.raises(AssertionError, match="Additional properties"):
        body = json.dumps({**good, "uptime": 3}).encode()
        contract.check_response("GET", "/etatSante", 200, JSON, body)


def test_error_shape_drift_is_caught() -> None:
    error = {"erreur": {"code": 900804, "message": "m", "horodatage": "2024-01-01T00:00:00+01:00"}}
    contract.check_response("POST", "/file/submission", 429, JSON, json.dumps(error).encode())
    with pytest.raises(AssertionError):
        drifted = json.dumps({"error": "quota"}).encode()
        contract.check_response("POST", "/file/submission", 429, JSON, drifted)
    with pytest.raises(AssertionError):
        drifted = json.dumps({"erreur": {"code": "900804"}}).encode()
        contract.check_response("POST", "/file/submission", 429, JSON, drifted)


def test_the_httpx_hook_checks_api_answers_only() -> None:
    request = httpx.Request("GET", "http://127.0.0.1:1/api/v1/etatSante")
    with pytest.raises(AssertionError):
        contract.httpx_response_hook(httpx.Response(200, json={"x": 1}, request=request))
    outside = httpx.Request("GET", "http://127.0.0.1:1/_sandbox/stats")
    contract.httpx_response_hook(httpx.Response(200, json={"x": 1}, request=outside))
