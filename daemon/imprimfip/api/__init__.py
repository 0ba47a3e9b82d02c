"""The IMPRIM'FIP client. Modules, one job each:

- `client`: `ImprimFipClient` (submit, status, health, find_submission), the call loop;
- `models`: the requests and answers, written from the spec (addresses are
  `imprimfip.postal.PostalAddress`);
- `payload`: the multipart body of a submission (JSON part or flattened form fields);
- `classify`: every answer or httpx exception into one of `imprimfip.errors`' classes;
- `backoff`: waiting after a fault: a call retried, every call or every sender paused;
- `budget`: the subscription's rate budget shared by uploads and polls;
- `auth`: headers, the OAuth token, the TLS context (the only reader of secrets);
- `transport`: whether a request body may have left, for `classify`; one per route;
- `proxy`: which forward proxy, if any, a call goes through;
- `probe`: the internalRefs a lost submission could have received;
- `clock`: the server's clock, read on the dates of its answers.

The names below are loaded on first use: `imprimfip status` reads `models` without paying
for the HTTP client's imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imprimfip.lazy_exports import loader

if TYPE_CHECKING:
    from imprimfip.api.budget import Budget
    from imprimfip.api.client import ImprimFipClient
    from imprimfip.api.models import (
        DocStatus,
        FileStatusReport,
        RecipientInformation,
        Submission,
        SubmissionAccepted,
    )
    from imprimfip.errors import UnknownFile

__all__ = [
    "Budget",
    "DocStatus",
    "FileStatusReport",
    "ImprimFipClient",
    "RecipientInformation",
    "Submission",
    "SubmissionAccepted",
    "UnknownFile",
]

_HOMES = {
    "Budget": "imprimfip.api.budget",
    "ImprimFipClient": "imprimfip.api.client",
    "DocStatus": "imprimfip.api.models",
    "FileStatusReport": "imprimfip.api.models",
    "RecipientInformation": "imprimfip.api.models",
    "Submission": "imprimfip.api.models",
    "SubmissionAccepted": "imprimfip.api.models",
    "UnknownFile": "imprimfip.errors",
}

__getattr__ = loader(__name__, _HOMES)
