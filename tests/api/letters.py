"""Submissions for the api tests: real PDFs from the PDF factory, one per sending type."""

from __future__ import annotations

from imprimfip.api.models import (
    RecipientInformation,
    Submission,
)
from imprimfip.postal import PostalAddress
from tests.fixtures.pdfs import make_letter

LETTER = make_letter()
ANNEX = make_letter(text=("Notice jointe",))
RETURN = PostalAddress(
    name="MAIRIE DE TESTVILLE", line2="SERVICE COURRIER", zip_code="75001", town="PARIS"
)
RECIPIENT = PostalAddress(
    name="MADAME CLAIRE DUPONT", line4="10 RUE DES LILAS", zip_code="75011", town="PARIS"
)


def std(filename: str = "lettre.pdf", **options: object) -> Submission:
    values: dict[str, object] = {
        "filename": filename,
        "doc": LETTER,
        "paper": "DUPLEX",
        "sending_type": "STD",
        "on_behalf_of": "agent.public",
    }
    return Submission(**{**values, **options})  # type: ignore[arg-type]


def lrar(filename: str = "recommande.pdf") -> Submission:
    return std(
        filename,
        sending_type="LRAR",
        recipient_address=RECIPIENT,
        return_address=RETURN,
        annexes=(("notice.pdf", ANNEX),),
    )


def lre(filename: str = "electronique.pdf") -> Submission:
    information = RecipientInformation(
        email_address="claire.dupont@example.org",
        type="PARTICULIER",
        lastname="DUPONT",
        firstname="CLAIRE",
    )
    return std(
        filename, sending_type="LRE", paper="DUPLEX_TIP_MICRO", recipient_information=information
    )
