"""Submissions into the spec's jsonParameters, either encoding; answers into models."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from imprimfip.api.models import (
    FileStatusReport,
    RecipientInformation,
    Submission,
    SubmissionAccepted,
    UnreadableAnswer,
)
from imprimfip.api.payload import OCTET_STREAM, flatten, multipart
from imprimfip.postal import PostalAddress

RETURN = PostalAddress(
    name="MAIRIE DE TESTVILLE", line4="1 PLACE DE LA MAIRIE", zip_code="75001", town="PARIS"
)
LRAR = Submission(
    filename="lettre.pdf",
    doc=b"%PDF-1.7 letter",
    paper="DUPLEX",
    sending_type="LRAR",
    annexes=(("notice.pdf", b"%PDF-1.7 annex"),),
    on_behalf_of="agent.public",
    recipient_address=PostalAddress(
        name="JEAN DUPONT", line4="2 RUE DES LILAS", zip_code="69001", town="LYON"
    ),
    return_address=RETURN,
)


def test_lrar_parameters_follow_the_spec():
    assert LRAR.parameters() == {
        "filename": "lettre.pdf",
        "onBehalfOf": "agent.public",
        "options": {"paper": "DUPLEX", "sendingType": "LRAR"},
        "recipient": {
            "address": {
                "name": "JEAN DUPONT",
                "line4": "2 RUE DES LILAS",
                "zipCode": "69001",
                "town": "LYON",
            },
        },
        "sender": {
            "returnAddress": {
                "name": "MAIRIE DE TESTVILLE",
                "line4": "1 PLACE DE LA MAIRIE",
                "zipCode": "75001",
                "town": "PARIS",
            },
        },
        "annexes": [{"filename": "notice.pdf"}],
    }


def test_lre_and_std_parameters():
    lre = Submission(
        filename="l.pdf",
        doc=b"%PDF",
        paper="DUPLEX_TIP_MICRO",
        sending_type="LRE",
        recipient_information=RecipientInformation(
            email_address="jean@example.org",
            type="PARTICULIER",
            lastname="DUPONT",
            firstname="JEAN",
        ),
    )
    assert lre.parameters()["recipient"] == {
        "information": {
            "emailAddress": "jean@example.org",
            "type": "PARTICULIER",
            "lastname": "DUPONT",
            "firstname": "JEAN",
        },
    }
    std = Submission(filename="s.pdf", doc=b"%PDF", paper="DUPLEX", sending_type="STD")
    assert std.parameters() == {
        "filename": "s.pdf",
        "options": {"paper": "DUPLEX", "sendingType": "STD"},
    }


def test_the_json_encoding_has_one_json_part():
    files, data = multipart(LRAR, "json")
    assert data == {}
    names = [name for name, _ in files]
    assert names == ["docFile", "anxFile", "jsonParameters"]
    assert files[0][1] == ("lettre.pdf", b"%PDF-1.7 letter", OCTET_STREAM)
    filename, text, content_type = files[2][1]
    assert filename is None
    assert content_type == "application/json"
    assert json.loads(text) == LRAR.parameters()


def test_the_form_encoding_flattens_in_pascal_case():
    files, data = multipart(LRAR, "form")
    assert [name for name, _ in files] == ["docFile", "anxFile"]
    assert data["jsonParameters.Filename"] == "lettre.pdf"
    assert data["jsonParameters.Options.Paper"] == "DUPLEX"
    assert data["jsonParameters.Options.SendingType"] == "LRAR"
    assert data["jsonParameters.Recipient.Address.ZipCode"] == "69001"
    assert data["jsonParameters.Sender.ReturnAddress.Line4"] == "1 PLACE DE LA MAIRIE"
    assert data["jsonParameters.Annexes[0].Filename"] == "notice.pdf"
    assert len(data) == len(flatten(LRAR.parameters(), "p"))


RECEIPT = {
    "filename": "lettre.pdf",
    "internalRef": "lettre_03022026100010@agent.pdf",
    "fileSize": 12.5,
    "sendingType": "Courrier Simple",
    "withAnnexes": "Non",
    "withPerforatedPaper": "Non",
    "withReturnEnv": "Non",
    "onBehalfOf": "agent",
    "submissionStatus": {"date": "2026-03-02T10:00:10+01:00", "status": "Reçu", "message": ""},
}


def test_a_receipt_is_read():
    accepted = SubmissionAccepted.from_json({**RECEIPT, "somethingNew": 1})
    assert accepted.internal_ref == "lettre_03022026100010@agent.pdf"
    assert accepted.status == "Reçu"
    assert accepted.status_date == datetime(
        2026, 3, 2, 10, 0, 10, tzinfo=timezone(timedelta(hours=1))
    )
    assert accepted.file_size_kb == 12.5


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "ok",
        {**RECEIPT, "internalRef": ""},
        {**RECEIPT, "internalRef": 3},
        {**RECEIPT, "fileSize": "big"},
        {k: v for k, v in RECEIPT.items() if k != "internalRef"},
    ],
)
def test_a_receipt_without_a_usable_internal_ref_is_unreadable(body):
    with pytest.raises(UnreadableAnswer):
        SubmissionAccepted.from_json(body)


def test_a_status_report_is_read():
    report = FileStatusReport.from_json(
        {
            "filename": "lettre.pdf",
            "internalRef": "lettre_03022026100010@agent.pdf",
            "fileStatus": {
                "status": "Soumis",
                "analyzeTime": "2026-03-02T10:01:00+01:00",
                "analyzedDoc": 2,
                "rejectedDoc": 0,
                "message": None,
            },
            "docStatus": [
                {
                    "reference": "A1",
                    "date": "2026-03-02T11:00:00+01:00",
                    "status": "Expédié",
                    "message": None,
                },
                {
                    "reference": "A2",
                    "date": "not a date",
                    "status": "Erreur",
                    "message": "Illisible",
                },
            ],
        }
    )
    assert report.status == "Soumis"
    assert report.analyzed_doc == 2
    assert [d.status for d in report.docs] == ["Expédié", "Erreur"]
    assert report.docs[1].date is None
    assert report.docs[1].message == "Illisible"


def test_a_report_still_in_submission_has_no_documents():
    report = FileStatusReport.from_json(
        {
            "filename": "l.pdf",
            "internalRef": "r",
            "fileStatus": {"status": "En cours de soumission"},
            "docStatus": None,
        }
    )
    assert report.docs == ()
    with pytest.raises(UnreadableAnswer):
        FileStatusReport.from_json({"filename": "l.pdf", "fileStatus": {}})
