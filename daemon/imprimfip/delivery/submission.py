"""Building what is sent for a letter from its flow's options and what the letter says."""

from __future__ import annotations

from pathlib import PurePath

from imprimfip.api.models import Submission
from imprimfip.config.model import FlowConfig
from imprimfip.intake.sidecar import Recipient
from imprimfip.validation.report import Report


def submit_name(name: str, letter_id: int) -> str:
    """The file name given to IMPRIM'FIP: the staff's name made unique to this letter.

    IMPRIM'FIP derives the internalRef from it; a name no other letter uses lets an
    uncertain deposit be found again without ambiguity (see docs/invariants.md, 'Nothing is
    mailed twice').
    """
    stem = PurePath(name).stem.replace("@", "_") or "courrier"
    return f"{stem}_{letter_id:06d}.pdf"


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
    address read from the letter's address block (LRAR), exactly as the letter shows it."""
    lrar = flow.sending_type == "LRAR"
    address = recipient.address or report.address
    return Submission(
        filename=filename,
        doc=data,
        paper=flow.paper,
        sending_type=flow.sending_type,
        annexes=annexes,
        on_behalf_of=flow.on_behalf_of,
        recipient_address=address if lrar else None,
        recipient_information=recipient.information if flow.sending_type == "LRE" else None,
        return_address=flow.return_address if lrar else None,
    )
