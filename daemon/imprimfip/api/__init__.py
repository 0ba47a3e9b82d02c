"""The IMPRIM'FIP client. Modules, one job each:

- `client`: `ImprimFipClient` (submit, status, health, find_submission), the call loop;
- `models`: the requests and answers, written from the spec;
- `payload`: the multipart body of a submission (JSON part or flattened form fields);
- `classify`: every answer or httpx exception into one of `imprimfip.errors`' classes;
- `retry`: what is retried and after how long;
- `budget`: the subscription's rate budget shared by uploads and polls;
- `auth`: headers, the OAuth token, the TLS context (the only reader of secrets);
- `transport`: whether a request body may have left, for `classify`; one per route;
- `proxy`: which forward proxy, if any, a call goes through;
- `probe`: the internalRefs a lost submission could have received;
- `clock`: the server's clock, read on the dates of its answers.
"""

from imprimfip.api.budget import Budget
from imprimfip.api.client import ImprimFipClient
from imprimfip.api.models import (
    DocStatus,
    FileStatusReport,
    RecipientAddress,
    RecipientInformation,
    ReturnAddress,
    Submission,
    SubmissionAccepted,
)
from imprimfip.errors import UnknownFile

__all__ = [
    "Budget",
    "DocStatus",
    "FileStatusReport",
    "ImprimFipClient",
    "RecipientAddress",
    "RecipientInformation",
    "ReturnAddress",
    "Submission",
    "SubmissionAccepted",
    "UnknownFile",
]
