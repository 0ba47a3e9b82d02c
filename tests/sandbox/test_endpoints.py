"""The three API endpoints and the submission record, in both jsonParameters encodings."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from imprimfip.sandbox.registry import free_internal_ref, internal_ref
from tests.fixtures.sandbox import Sandbox
from tests.sandbox.helpers import USER, api_headers, multipart, params, pdf, submit

REF = re.compile(r"^Lettre_(\d{14})@jean\.dupont\.pdf$")


def test_health_answers_the_spec_message(api: httpx.Client) -> None:
    response = api.get("/etatSante", headers=api_headers())
    assert response.status_code == 200
    assert response.json() == {"message": "L'API est opérationnelle"}


def test_submission_answers_a_receipt_and_is_recorded(api: httpx.Client, sandbox: Sandbox) -> None:
    doc = pdf("Madame, Monsieur")
    response = submit(api, params("STD"), doc)
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert REF.match(receipt["internalRef"])
    assert receipt["sendingType"] == "Courrier Simple"
    assert receipt["withAnnexes"] == "Non"
    assert receipt["submissionStatus"]["status"] == "Reçu"
    [recorded] = sandbox.submissions()
    assert recorded["internalRef"] == receipt["internalRef"]
    assert recorded["sha256"] == hashlib.sha256(doc).hexdigest()
    assert recorded["size"] == len(doc)
    assert (recorded["sendingType"], recorded["paper"]) == ("STD", "DUPLEX")
    assert (recorded["onBehalfOf"], recorded["annexes"]) == ("jean.dupont", 0)
    assert recorded["jsonParameters"] == params("STD")


def test_flattened_form_fields_are_read_like_the_json_part(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    fields = {
        "jsonParameters.Filename": "Lettre.pdf",
        "jsonParameters.OnBehalfOf": "jean.dupont",
        "jsonParameters.Options.Paper": "DUPLEX",
        "jsonParameters.Options.SendingType": "LRAR",
        "jsonParameters.Recipient.Address.Name": "MARIE MARTIN",
        "jsonParameters.Recipient.Address.Line2": "14 RUE GALILEE",
        "jsonParameters.Recipient.Address.ZipCode": "77420",
        "jsonParameters.Recipient.Address.Town": "CHAMPS-SUR-MARNE",
        "jsonParameters.Sender.ReturnAddress.Name": "MAIRIE DE CHAMPS",
        "jsonParameters.Sender.ReturnAddress.Line2": "14 RUE GALILEE",
        "jsonParameters.Sender.ReturnAddress.ZipCode": "77420",
        "jsonParameters.Sender.ReturnAddress.Town": "CHAMPS-SUR-MARNE",
        "jsonParameters.Annexes[0].Filename": "annexe0.pdf",
    }
    response = api.post(
        "/file/submission",
        headers=api_headers(),
        data=fields,
        **multipart(None, pdf(), annexes=(pdf("Annexe"),)),
    )
    assert response.status_code == 200, response.text
    assert response.json()["withAnnexes"] == "Oui"
    [recorded] = sandbox.submissions()
    expected = params("LRAR", annexes=[{"filename": "annexe0.pdf"}])
    assert recorded["jsonParameters"] == expected
    assert recorded["annexes"] == 1


def test_status_of_a_submitted_file(api: httpx.Client) -> None:
    ref = submit(api).json()["internalRef"]
    response = api.get(f"/file/{ref}/status", headers=api_headers())
    assert response.status_code == 200
    body = response.json()
    assert (body["filename"], body["internalRef"]) == ("Lettre.pdf", ref)
    assert body["fileStatus"]["status"] in {"En cours de soumission", "Soumis"}


def test_status_of_an_unknown_file_is_404_in_the_spec_shape(api: httpx.Client) -> None:
    response = api.get("/file/Inconnu_01012024000000@x.pdf/status", headers=api_headers())
    assert response.status_code == 404
    error = response.json()["erreur"]
    assert "Inconnu_01012024000000@x.pdf" in error["message"]
    assert set(error) == {"code", "message", "horodatage"}


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Cayenne"])
def test_internal_ref_carries_the_service_time_of_receipt(
    make_sandbox: Callable[..., Sandbox], client_for: Callable[[Sandbox], httpx.Client], zone: str
) -> None:
    api = client_for(make_sandbox(timezone=zone))
    before = datetime.now(ZoneInfo(zone)).replace(microsecond=0, tzinfo=None)
    receipt = submit(api).json()
    after = datetime.now(ZoneInfo(zone)).replace(tzinfo=None)
    match = REF.match(receipt["internalRef"])
    assert match is not None
    stamped = datetime.strptime(match.group(1), "%m%d%Y%H%M%S")
    assert before <= stamped <= after + timedelta(seconds=2)
    offset = datetime.now(ZoneInfo(zone)).isoformat()[-6:]
    assert receipt["submissionStatus"]["date"].endswith(offset)


def test_internal_ref_falls_back_on_the_username_without_on_behalf_of(api: httpx.Client) -> None:
    bare = {key: value for key, value in params().items() if key != "onBehalfOf"}
    ref = submit(api, bare).json()["internalRef"]
    assert ref.endswith(f"@{USER}.pdf")


def test_same_file_in_the_same_second_gets_the_next_free_second(api: httpx.Client) -> None:
    refs = [submit(api).json()["internalRef"] for _ in range(4)]
    assert len(set(refs)) == 4


def test_free_internal_ref_skips_taken_seconds() -> None:
    moment = datetime(2022, 6, 16, 10, 24, 0, 500_000)
    taken = {
        "MonFichier_06162022102400@jerome.barrat.pdf",
        "MonFichier_06162022102401@jerome.barrat.pdf",
    }
    ref = free_internal_ref("MonFichier.pdf", "jerome.barrat", moment, taken)
    assert ref == "MonFichier_06162022102402@jerome.barrat.pdf"
    assert internal_ref("archive.v2.pdf", "a", moment) == "archive.v2_06162022102400@a.pdf"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nulle-part", 404), ("GET", "/file/submission", 405)],
)
def test_unknown_routes_answer_in_the_spec_shape(
    sandbox: Sandbox, method: str, path: str, status: int
) -> None:
    # Not through the `api` client: the spec has no such operation to check against.
    response = httpx.request(method, sandbox.api_url + path, headers=api_headers())
    assert response.status_code == status
    assert path in response.json()["erreur"]["message"]
