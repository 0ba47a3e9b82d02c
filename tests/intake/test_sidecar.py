import json

from imprimfip.intake.sidecar import Recipient, parse, sidecar_name
from imprimfip.notes_fr import Reason


def encode(document: object) -> bytes:
    return json.dumps(document).encode("utf-8")


def test_the_sidecar_of_a_letter_shares_its_stem():
    assert sidecar_name("Relance Dupont.pdf") == "Relance Dupont.json"


def test_an_lre_recipient_for_a_private_person():
    recipient = parse(
        encode(
            {
                "recipient": {
                    "information": {
                        "emailAddress": "claire.dupont@example.fr",
                        "type": "PARTICULIER",
                        "lastname": "DUPONT",
                        "firstname": "Claire",
                    }
                }
            }
        )
    )
    assert isinstance(recipient, Recipient)
    assert recipient.information.email_address == "claire.dupont@example.fr"
    assert recipient.address is None


def test_a_company_needs_its_social_reason_and_the_reason_is_in_french():
    reason = parse(
        encode({"recipient": {"information": {"emailAddress": "a@b.fr", "type": "PROFESSIONNEL"}}})
    )
    assert isinstance(reason, Reason)
    assert reason.code == "sidecar_invalid"
    assert "socialReason" in reason.message


def test_an_lrar_address_needs_a_french_postal_code_unless_abroad():
    bad = parse(encode({"recipient": {"address": {"name": "X", "zipCode": "123", "town": "Y"}}}))
    assert isinstance(bad, Reason)
    abroad = parse(
        encode({"recipient": {"address": {"name": "X", "town": "GENEVE", "country": "SUISSE"}}})
    )
    assert isinstance(abroad, Recipient)
    assert abroad.address.country == "SUISSE"


def test_broken_json_is_explained():
    reason = parse(b"{not json")
    assert isinstance(reason, Reason)
    assert "illisible" in reason.message
