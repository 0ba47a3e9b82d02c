import json

import pytest

from imprimfip.config.rules import ValidationRules
from imprimfip.intake.sidecar import MAX_SIDECAR_BYTES, Recipient, parse, sidecar_name
from imprimfip.notes_fr import Reason
from imprimfip.postal import PostalAddress
from tests.fixtures.rules import rules_of

RULES = ValidationRules()
ADDRESS = {
    "name": "MADAME CLAIRE MARTIN",
    "line4": "12 RUE DES LILAS",
    "zipCode": "75011",
    "town": "PARIS",
}
PERSON = {
    "emailAddress": "claire.dupont@example.fr",
    "type": "PARTICULIER",
    "lastname": "DUPONT",
    "firstname": "Claire",
}


def encode(document: object) -> bytes:
    return json.dumps(document).encode("utf-8")


def with_address(rules=RULES, **fields: object) -> Recipient | Reason:
    return parse(encode({"recipient": {"address": {**ADDRESS, **fields}}}), rules)


def refused(outcome: Recipient | Reason) -> str:
    assert isinstance(outcome, Reason), outcome
    assert outcome.code == "sidecar_invalid"
    assert outcome.message.startswith("Fichier de données JSON du courrier : ")
    return outcome.message


def test_the_sidecar_of_a_letter_shares_its_stem():
    assert sidecar_name("Relance Dupont.pdf") == "Relance Dupont.json"


def test_an_lre_recipient_for_a_private_person():
    recipient = parse(encode({"recipient": {"information": PERSON}}), RULES)
    assert isinstance(recipient, Recipient)
    assert recipient.information.email_address == "claire.dupont@example.fr"
    assert recipient.address is None


def test_a_company_needs_its_social_reason_and_the_reason_is_in_french():
    company = {"emailAddress": "a@b.fr", "type": "PROFESSIONNEL"}
    assert "socialReason" in refused(parse(encode({"recipient": {"information": company}}), RULES))


def test_an_lrar_address_becomes_the_one_postal_address_type():
    recipient = with_address()
    assert recipient.address == PostalAddress(
        name="MADAME CLAIRE MARTIN", line4="12 RUE DES LILAS", zip_code="75011", town="PARIS"
    )
    assert recipient.warnings == ()


def test_an_lrar_address_needs_a_french_postal_code_unless_abroad():
    assert "zipCode" in refused(with_address(zipCode="123"))
    abroad = with_address(zipCode="", town="GENEVE", country="SUISSE", line4="RUE DU RHONE 1")
    assert isinstance(abroad, Recipient)
    assert abroad.address.country == "SUISSE"


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"name": ["A"]}, "recipient.address.name"),
        ({"town": {"x": 1}}, "recipient.address.town"),
        ({"zipCode": 75011}, "recipient.address.zipCode"),
        ({"line2": None}, "recipient.address.line2"),
        ({"line3": True}, "recipient.address.line3"),
        ({"zipcode": "75011"}, "recipient.address.zipcode"),
    ],
)
def test_strings_are_strings_and_unknown_keys_are_named(fields, key):
    message = refused(with_address(**fields))
    assert f"« {key} »" in message


def test_a_recipient_that_is_not_an_object_is_named():
    assert "« recipient »" in refused(parse(encode({"recipient": []}), RULES))
    assert "« recipient »" in refused(parse(encode({}), RULES))
    assert "doit être un objet JSON" in refused(parse(encode([1, 2]), RULES))


@pytest.mark.parametrize("depth", [9, 1000, 30_000])
def test_deep_nesting_is_refused_before_parsing(depth):
    assert "imbriqués trop profondément" in refused(parse(b"[" * depth + b"]" * depth, RULES))


def test_nesting_200_000_deep_is_refused_for_its_size_first():
    assert "64 Ko" in refused(parse(b"[" * 200_000 + b"]" * 200_000, RULES))


def test_brackets_inside_strings_do_not_count_as_nesting():
    recipient = with_address(line2='BAT [[[[[[[[[[ {{{{{{{{ \\" ]]')
    assert isinstance(recipient, Recipient)


def test_a_file_over_the_size_bound_is_refused():
    assert "64 Ko" in refused(parse(b" " * (MAX_SIDECAR_BYTES + 1), RULES))


def test_broken_json_is_explained():
    assert "illisible" in refused(parse(b"{not json", RULES))


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"line4": "RESIDENCE DES GRANDS CHENES BATIMENT B ESCALIER 4"}, "38"),
        ({"line4": ""}, "2 lignes"),
        ({"line2": "A", "line3": "B", "line5": "D", "country": "FRANCE"}, "7 lignes"),
        ({"town": ""}, "town"),
        ({"name": " "}, "name"),
    ],
)
def test_the_address_follows_the_rules_of_an_address_block(fields, said):
    assert said in refused(with_address(**fields))


def test_lower_case_and_accents_are_warnings_by_default_and_can_refuse():
    recipient = with_address(name="Mme Hélène Martin")
    assert isinstance(recipient, Recipient)
    assert recipient.warnings == ("address_lowercase", "address_accents")
    strict = rules_of(severity={"address_accents": "error"})
    assert "accents" in refused(with_address(strict, name="MME HÉLÈNE MARTIN"))


def test_the_flow_s_line_limits_apply():
    short = {"line4": ""}
    assert isinstance(with_address(ValidationRules(address_min_lines=2), **short), Recipient)


@pytest.mark.parametrize(
    "email",
    [
        "claire dupont@example.fr",
        "claire@example",
        "@example.fr",
        "claire@@example.fr",
        "claire@exa_mple.fr",
        "claire@-example.fr",
        "claire..dupont@example.fr",
        "claire@example.f",
        "a" * 250 + "@example.fr",
    ],
)
def test_an_lre_email_address_is_checked_for_its_syntax(email):
    person = {**PERSON, "emailAddress": email}
    assert "emailAddress" in refused(parse(encode({"recipient": {"information": person}}), RULES))


@pytest.mark.parametrize(
    "email", ["claire.dupont@example.fr", "c+lettres@mail.example.org", "o'neil@ex-ample.fr"]
)
def test_ordinary_email_addresses_pass(email):
    person = {**PERSON, "emailAddress": email}
    recipient = parse(encode({"recipient": {"information": person}}), RULES)
    assert isinstance(recipient, Recipient)
