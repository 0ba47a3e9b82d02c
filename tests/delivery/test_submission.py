"""What is sent for a letter: its flow's options, its sidecar, its address block (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from imprimfip.api.models import RecipientInformation, Submission
from imprimfip.config.model import FlowConfig
from imprimfip.delivery.submission import build, submit_name
from imprimfip.intake.sidecar import Recipient
from imprimfip.postal import PostalAddress
from imprimfip.validation.report import Report

SENDER = PostalAddress(
    name="MAIRIE DE TESTVILLE", line2="1 PLACE DE LA MAIRIE", zip_code="75001", town="PARIS"
)
READ = PostalAddress(name="M. JEAN MARTIN", line2="3 RUE HAUTE", zip_code="69002", town="LYON")
GIVEN = PostalAddress(name="MME CLAIRE DUPONT", zip_code="75011", town="PARIS", country="")
PERSON = RecipientInformation(
    email_address="claire.dupont@example.org",
    type="PARTICULIER",
    lastname="DUPONT",
    firstname="CLAIRE",
)


def flow(sending_type: str, **options: object) -> FlowConfig:
    return_address = SENDER if sending_type == "LRAR" else None
    return FlowConfig(
        name="courrier",
        root=Path("/srv/courrier"),
        sending_type=sending_type,
        return_address=return_address,
        **options,
    )


def submission_for(
    sending_type: str,
    recipient: Recipient | None = None,
    **options: object,
) -> Submission:
    return build(
        flow(sending_type, **options),
        "lettre_000042.pdf",
        b"%PDF",
        (("conditions.pdf", b"%PDF annexe"),),
        report=Report(pages=1, address=READ),
        recipient=recipient or Recipient(),
    )


def test_an_ordinary_letter_carries_the_flow_options_and_no_address():
    sent = submission_for(
        "STD",
        Recipient(information=PERSON, address=GIVEN),
        paper="DUPLEX_TIP_MICRO",
        on_behalf_of="agent.public",
    )
    assert (sent.filename, sent.paper, sent.sending_type) == (
        "lettre_000042.pdf",
        "DUPLEX_TIP_MICRO",
        "STD",
    )
    assert sent.on_behalf_of == "agent.public"
    assert sent.annexes == (("conditions.pdf", b"%PDF annexe"),)
    assert (sent.recipient_address, sent.recipient_information, sent.return_address) == (
        None,
        None,
        None,
    )


def test_a_registered_letter_takes_the_address_read_from_its_address_block():
    sent = submission_for("LRAR")
    assert sent.recipient_address == PostalAddress(
        name="M. JEAN MARTIN", line2="3 RUE HAUTE", zip_code="69002", town="LYON", country=""
    )
    assert sent.return_address is not None
    assert (sent.return_address.name, sent.return_address.line2) == (
        "MAIRIE DE TESTVILLE",
        "1 PLACE DE LA MAIRIE",
    )
    assert sent.recipient_information is None


def test_a_sidecar_address_comes_before_the_address_block():
    assert submission_for("LRAR", Recipient(address=GIVEN)).recipient_address == GIVEN


def test_an_electronic_registered_letter_carries_only_its_recipient_information():
    sent = submission_for("LRE", Recipient(information=PERSON, address=GIVEN))
    assert sent.recipient_information == PERSON
    assert (sent.recipient_address, sent.return_address) == (None, None)


@pytest.mark.parametrize(
    ("name", "letter_id", "sent_as"),
    [
        ("Relance Dupont.pdf", 42, "Relance Dupont_000042.pdf"),
        ("facture@mairie.PDF", 7, "facture_mairie_000007.pdf"),
        ("lettre.pdf", 1234567, "lettre_1234567.pdf"),
    ],
)
def test_the_name_sent_is_the_staff_name_made_unique_to_the_letter(name, letter_id, sent_as):
    assert submit_name(name, letter_id) == sent_as
