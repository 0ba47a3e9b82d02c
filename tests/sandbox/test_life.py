"""The simulated life of files and documents: plans, readings at `now`, and over HTTP."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from imprimfip.sandbox.life import HANDOVER_LIMIT, plan_life, status_at
from imprimfip.sandbox.settings import SandboxSettings
from tests.fixtures.sandbox import Sandbox, sandbox_settings
from tests.fixtures.waiting import wait_until
from tests.sandbox.helpers import api_headers, params, pdf, submit

DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
SPEED = 1_000_000.0
PARIS = ZoneInfo("Europe/Paris")


def _statuses(sending_type: str, settings: SandboxSettings) -> list[str]:
    [doc] = plan_life("k", sending_type, ["ref"], settings).documents
    return [step.status for step in doc.steps]


WAY = ["En attente de traitement", "En cours de traitement", "Expédié"]


@pytest.mark.parametrize(
    ("sending_type", "ending"),
    [("STD", []), ("LRE", ["Distribué"]), ("LRAR", ["Mis en distribution", "Distribué"])],
)
def test_a_letter_without_mishap_goes_all_the_way(sending_type: str, ending: list[str]) -> None:
    assert _statuses(sending_type, sandbox_settings()) == WAY + ending


@pytest.mark.parametrize(
    ("sending_type", "rate", "ending"),
    [
        ("LRAR", "refused_rate", "Refusé"),
        ("LRAR", "neglected_rate", "Négligé"),
        ("LRAR", "failed_delivery_rate", "Echec de distribution"),
        ("LRE", "refused_rate", "Refusé"),
        ("LRE", "neglected_rate", "Négligé"),
        ("LRE", "failed_delivery_rate", "Distribué"),  # an LRE cannot fail in delivery
    ],
)
def test_registered_letters_end_as_their_rates_say(
    sending_type: str, rate: str, ending: str
) -> None:
    assert _statuses(sending_type, sandbox_settings(**{rate: 1.0}))[-1] == ending


def test_a_refused_document_makes_the_file_submitted_with_errors() -> None:
    life = plan_life("k", "STD", ["a"], sandbox_settings(doc_error_rate=1.0))
    assert life.status == "Soumis avec des erreurs"
    assert [s.status for s in life.documents[0].steps] == ["Erreur"]
    assert life.documents[0].steps[0].message


def test_a_file_error_fails_every_document() -> None:
    life = plan_life("k", "LRAR", ["a", "b"], sandbox_settings(file_error_rate=1.0))
    assert life.status == "Erreur"
    assert all([s.status for s in d.steps] == ["Erreur"] for d in life.documents)


def test_a_warning_leaves_the_documents_on_their_way() -> None:
    life = plan_life("k", "STD", ["a"], sandbox_settings(file_warning_rate=1.0))
    assert life.status == "Soumis avec des avertissements"
    assert [s.status for s in life.documents[0].steps] == WAY


def test_plans_are_reproducible_and_differ_per_file() -> None:
    settings = SandboxSettings(seed=7)
    assert plan_life("7:a.pdf", "LRAR", ["x"], settings) == plan_life(
        "7:a.pdf", "LRAR", ["x"], settings
    )
    assert plan_life("7:a.pdf", "LRAR", ["x"], settings) != plan_life(
        "7:b.pdf", "LRAR", ["x"], settings
    )


@pytest.mark.parametrize("key", [f"seed:{n}" for n in range(20)])
def test_delays_are_realistic_and_scaled_by_speed(key: str) -> None:
    slow = plan_life(key, "LRAR", ["r"], sandbox_settings(speed=1.0))
    fast = plan_life(key, "LRAR", ["r"], sandbox_settings(speed=1000.0))
    assert 20 <= slow.analysis_offset_s <= 300
    offsets = {s.status: s.offset_s for s in slow.documents[0].steps}
    assert offsets["Expédié"] <= HANDOVER_LIMIT
    assert offsets["Mis en distribution"] > offsets["Expédié"]
    assert offsets["Distribué"] - offsets["Expédié"] < 5 * 24 * 3600
    fast_offsets = [s.offset_s for s in fast.documents[0].steps]
    assert fast_offsets == pytest.approx([o / 1000 for o in offsets.values()])


def test_status_at_reads_the_plan_at_any_moment() -> None:
    life = plan_life("k", "LRAR", ["r"], sandbox_settings(speed=1.0))
    submitted = 1_700_000_000.0
    early = status_at(life, submitted, submitted + 1, PARIS)
    assert early["fileStatus"]["status"] == "En cours de soumission"
    assert early["docStatus"] is None
    analysed = status_at(life, submitted, submitted + life.analysis_offset_s, PARIS)
    assert analysed["fileStatus"]["status"] == "Soumis"
    assert analysed["fileStatus"]["analyzedDoc"] == 1
    assert [d["status"] for d in analysed["docStatus"]] == ["En attente de traitement"]
    steps = life.documents[0].steps
    for before, step in itertools.pairwise(steps):
        just_before = status_at(life, submitted, submitted + step.offset_s - 0.001, PARIS)
        assert just_before["docStatus"][0]["status"] == before.status
        reached = status_at(life, submitted, submitted + step.offset_s, PARIS)["docStatus"][0]
        assert reached["status"] == step.status
        assert DATE.match(reached["date"])


def _life_of(api: httpx.Client, ref: str, business_ref: str | None = None) -> dict[str, Any]:
    query = {"businessRef": business_ref} if business_ref else None
    response = api.get(f"/file/{ref}/status", headers=api_headers(), params=query)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def fast(
    make_sandbox: Callable[..., Sandbox], client_for: Callable[[Sandbox], httpx.Client]
) -> httpx.Client:
    return client_for(make_sandbox(speed=SPEED, limit_per_minute=0))


@pytest.mark.parametrize(
    ("sending_type", "final"), [("STD", "Expédié"), ("LRE", "Distribué"), ("LRAR", "Distribué")]
)
def test_lives_reach_their_final_status_at_high_speed(
    fast: httpx.Client, sending_type: str, final: str
) -> None:
    ref = submit(fast, params(sending_type)).json()["internalRef"]

    def finished() -> dict[str, Any] | None:
        body = _life_of(fast, ref)
        docs = body["docStatus"] or []
        return body if docs and docs[0]["status"] == final else None

    body = wait_until(finished, timeout=30, interval=0.05)
    assert body["fileStatus"]["status"] == "Soumis"
    assert DATE.match(body["fileStatus"]["analyzeTime"])
    [doc] = body["docStatus"]
    assert doc["reference"] == ref
    assert DATE.match(doc["date"])


def test_multi_document_file_has_one_status_per_business_reference(fast: httpx.Client) -> None:
    doc = pdf("REF-PLI: 038719506", "page 2 du premier pli", "REF-PLI: 038719507", "")
    ref = submit(fast, params("STD"), doc).json()["internalRef"]
    body = wait_until(lambda: _life_of(fast, ref)["docStatus"], timeout=30)
    assert [d["reference"] for d in body] == ["038719506", "038719507"]
    one = _life_of(fast, ref, "038719507")
    assert [d["reference"] for d in one["docStatus"]] == ["038719507"]
    assert one["fileStatus"]["analyzedDoc"] == 2
    missing = fast.get(f"/file/{ref}/status", headers=api_headers(), params={"businessRef": "999"})
    assert missing.status_code == 404
    assert "999" in missing.json()["erreur"]["message"]


def test_an_unreadable_pdf_is_one_document_named_by_its_internal_ref(fast: httpx.Client) -> None:
    ref = submit(fast, params("STD"), b"%PDF-1.4 not really a PDF").json()["internalRef"]
    body = wait_until(lambda: _life_of(fast, ref)["docStatus"], timeout=30)
    assert [d["reference"] for d in body] == [ref]
