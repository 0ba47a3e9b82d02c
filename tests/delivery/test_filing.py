"""What is filed beside a decided letter: its reasons read back, its receipt (pure)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from imprimfip.config.model import FlowConfig
from imprimfip.delivery.filing import reasons_of, receipt
from imprimfip.delivery.flow import Flow
from imprimfip.folders import FlowFolders
from imprimfip.ledger import Letter, LetterState
from imprimfip.notes_fr import Reason

LETTER = Letter(
    id=42,
    flow="courrier",
    name="Relance Dupont.pdf",
    state=LetterState.REJECTED,
    sha256="ab" * 32,
    size=2048,
    claim_name="000042-Relance Dupont.pdf",
    submit_name=None,
    internal_ref=None,
    final_path=None,
    reason_code=None,
    reason=None,
    submitting_since=None,
    filed_at=None,
    sidecar=None,
    created_at="2025-03-03T09:00:00.000000+00:00",
    updated_at="2025-03-03T09:00:00.000000+00:00",
)


def test_the_reasons_recorded_for_a_refusal_read_back_one_per_code():
    refused = replace(
        LETTER, reason_code="page_size,fonts", reason="Page 2 trop large.\nPolice absente."
    )
    assert reasons_of(refused) == [
        Reason("page_size", "Page 2 trop large."),
        Reason("fonts", "Police absente."),
    ]


def test_a_reason_of_several_lines_keeps_its_code_on_each():
    held = replace(
        LETTER,
        state=LetterState.UNCERTAIN,
        reason_code="uncertain",
        reason="Envoi interrompu.\nVérifiez.",
    )
    assert [r.code for r in reasons_of(held)] == ["uncertain", "uncertain"]


def test_the_receipt_names_the_deposit_and_the_flow_options_for_staff(tmp_path: Path):
    config = FlowConfig(name="courrier", root=tmp_path, paper="DUPLEX", on_behalf_of="agent.public")
    flow = Flow(config, FlowFolders(tmp_path), ())
    deposited = replace(
        LETTER,
        state=LetterState.DEPOSITED,
        submit_name="Relance Dupont_000042.pdf",
        internal_ref="Relance Dupont_000042_03032025100000@agent.public.pdf",
        submitting_since="2025-03-03T09:00:01.000000+00:00",
    )
    assert receipt(flow, deposited) == {
        "fichier": "Relance Dupont.pdf",
        "flux": "courrier",
        "reference_imprimfip": "Relance Dupont_000042_03032025100000@agent.public.pdf",
        "nom_depose": "Relance Dupont_000042.pdf",
        "sha256": "ab" * 32,
        "taille_octets": 2048,
        "depose_le": "2025-03-03T09:00:01.000000+00:00",
        "type_envoi": "STD",
        "papier": "DUPLEX",
        "pour_le_compte_de": "agent.public",
    }
