"""Building what is sent for a letter from its flow's options and what the letter says."""

from __future__ import annotations

from pathlib import PurePath

from imprimfip.api.models import RecipientAddress, ReturnAddress, Submission
from imprimfip.config.model import FlowConfig, PostalAddress
from imprimfip.intake.sidecar import Recipient
from imprimfip.validation.report import ExtractedAddress, Report


def submit_name(name: str, letter_id: int) -> str:
    """The file name given to IMPRIM'FIP: the staff's name made unique to this letter.

    IMPRIM'FIP derives the internalRef from it; a name no other letter uses lets an
    uncertain deposit be found again without ambiguity (see docs/invariants.md, 'Nothing is
    mailed twice').
    """
    stem = PurePath(name).stem.replace("@", "_") or "courrier"
    return f"{stem}_{letter_id:06d}.pdf"


def return_address(address: PostalAddress) -> ReturnAddress:
    return ReturnAddress(**_postal(address))


def recipient_address(address: ExtractedAddress) -> RecipientAddress:
    return RecipientAddress(**_postal(address), country=address.country)


def _postal(address: PostalAddress | ExtractedAddress) -> dict[str, str]:
    """The lines every postal address has, under the API model's field names."""
    keys = ("name", "line2", "line3", "line4", "line5", "zip_code", "town")
    return {key: getattr(address, key) for key in keys}


def build(
    flow: FlowConfig,
    filename: str,
    data: bytes,
    annexes: tuple[tuple[str, bytes], ...],
    *,
    report: Report,
    recipient: Recipient,
) -> Submission:
    """The submission for one letter of `flow`: the sidecar's recipient first, else the
    address read from the letter's address block (LRAR)."""
    lrar = flow.sending_type == "LRAR"
    address = recipient.address
    if address is None and report.address is not None:
        address = recipient_address(report.address)
    return Submission(
        filename=filename,
        doc=data,
        paper=flow.paper,
        sending_type=flow.sending_type,
        annexes=annexes,
        on_behalf_of=flow.on_behalf_of,
        recipient_address=address if lrar else None,
        recipient_information=recipient.information if flow.sending_type == "LRE" else None,
        return_address=return_address(flow.return_address)
        if lrar and flow.return_address
        else None,
    )
