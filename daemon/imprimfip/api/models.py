"""What we send to IMPRIM'FIP and what it answers, written from the official spec.

Requests are built by the pipeline and turned into the spec's `jsonParameters` object here.
Answers are read leniently: an unknown extra field is ignored (the server may grow), but a
field the daemon relies on (`internalRef`, the file and document statuses) must be there
with its type, or the answer counts as unreadable (`UnreadableAnswer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from imprimfip.postal import PostalAddress

Paper = Literal["DUPLEX", "DUPLEX_TIP_MICRO"]
SendingType = Literal["STD", "LRE", "LRAR"]
RecipientType = Literal["PARTICULIER", "PROFESSIONNEL"]


class UnreadableAnswer(ValueError):
    """A 2xx answer whose body is not what the spec describes."""


@dataclass(frozen=True, kw_only=True)
class RecipientInformation:
    """The recipient of an electronic registered letter (LRE).

    A PARTICULIER needs lastname and firstname, a PROFESSIONNEL a social reason; the server
    checks it and answers 400, which reaches the person who wrote the sidecar.
    """

    email_address: str
    type: RecipientType
    lastname: str = ""
    firstname: str = ""
    social_reason: str = ""

    def to_json(self) -> dict[str, str]:
        optional = {
            "lastname": self.lastname,
            "firstname": self.firstname,
            "socialReason": self.social_reason,
        }
        return {
            "emailAddress": self.email_address,
            "type": self.type,
            **{key: value for key, value in optional.items() if value},
        }


@dataclass(frozen=True, kw_only=True)
class Submission:
    """One file to deposit: the PDF, its annexes, and its sending options."""

    filename: str
    doc: bytes
    paper: Paper
    sending_type: SendingType
    annexes: tuple[tuple[str, bytes], ...] = ()
    on_behalf_of: str | None = None
    recipient_address: PostalAddress | None = None
    recipient_information: RecipientInformation | None = None
    return_address: PostalAddress | None = None

    def parameters(self) -> dict[str, Any]:
        """The spec's `jsonParameters` object (FileSubmissionJson)."""
        params: dict[str, Any] = {"filename": self.filename}
        if self.on_behalf_of:
            params["onBehalfOf"] = self.on_behalf_of
        params["options"] = {"paper": self.paper, "sendingType": self.sending_type}
        recipient: dict[str, Any] = {}
        if self.recipient_information is not None:
            recipient["information"] = self.recipient_information.to_json()
        if self.recipient_address is not None:
            recipient["address"] = self.recipient_address.to_json()
        if recipient:
            params["recipient"] = recipient
        if self.return_address is not None:
            params["sender"] = {"returnAddress": self.return_address.to_json()}
        if self.annexes:
            params["annexes"] = [{"filename": name} for name, _ in self.annexes]
        return params


@dataclass(frozen=True, kw_only=True)
class SubmissionAccepted:
    """The 200 answer to a submission; `internal_ref` must be stored durably at once."""

    filename: str
    internal_ref: str
    file_size_kb: float | None
    sending_type: str
    with_annexes: str
    with_perforated_paper: str
    with_return_env: str
    on_behalf_of: str | None
    status: str
    status_date: datetime | None
    status_message: str

    @classmethod
    def from_json(cls, body: object) -> SubmissionAccepted:
        data = _object(body, "answer")
        state = _object(data.get("submissionStatus") or {}, "submissionStatus")
        size = data.get("fileSize")
        if size is not None and not isinstance(size, int | float):
            raise UnreadableAnswer(f"fileSize is not a number: {size!r}")
        return cls(
            filename=_text(data, "filename"),
            internal_ref=_text(data, "internalRef", required=True),
            file_size_kb=size,
            sending_type=_text(data, "sendingType"),
            with_annexes=_text(data, "withAnnexes"),
            with_perforated_paper=_text(data, "withPerforatedPaper"),
            with_return_env=_text(data, "withReturnEnv"),
            on_behalf_of=_text(data, "onBehalfOf") or None,
            status=_text(state, "status"),
            status_date=_date(state.get("date")),
            status_message=_text(state, "message"),
        )


@dataclass(frozen=True, kw_only=True)
class DocStatus:
    """One document's status; `reference` is the business reference (or the internalRef)."""

    reference: str
    date: datetime | None
    status: str
    message: str


@dataclass(frozen=True, kw_only=True)
class FileStatusReport:
    """The 200 answer to a status query: the file's analysis and one entry per document."""

    filename: str
    internal_ref: str
    status: str
    analyze_time: datetime | None
    analyzed_doc: int | None
    rejected_doc: int | None
    message: str
    docs: tuple[DocStatus, ...]

    @classmethod
    def from_json(cls, body: object) -> FileStatusReport:
        data = _object(body, "answer")
        state = _object(data.get("fileStatus") or {}, "fileStatus")
        docs = data.get("docStatus") or []
        if not isinstance(docs, list):
            raise UnreadableAnswer(f"docStatus is not a list: {docs!r}")
        return cls(
            filename=_text(data, "filename"),
            internal_ref=_text(data, "internalRef"),
            status=_text(state, "status", required=True),
            analyze_time=_date(state.get("analyzeTime")),
            analyzed_doc=_count(state, "analyzedDoc"),
            rejected_doc=_count(state, "rejectedDoc"),
            message=_text(state, "message"),
            docs=tuple(_doc(item) for item in docs),
        )


def _doc(item: object) -> DocStatus:
    data = _object(item, "docStatus[]")
    return DocStatus(
        reference=_text(data, "reference"),
        date=_date(data.get("date")),
        status=_text(data, "status", required=True),
        message=_text(data, "message"),
    )


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UnreadableAnswer(f"{where} is not a JSON object: {type(value).__name__}")
    return value


def _text(data: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise UnreadableAnswer(f"{key} is missing or not a string: {value!r}")
    return value


def _count(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise UnreadableAnswer(f"{key} is not an integer: {value!r}")
    return value


def _date(value: object) -> datetime | None:
    """The spec's `yyyy-MM-ddTHH:mm:sszzz`; an odd format is informational, so it reads as
    None rather than making a whole answer unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
