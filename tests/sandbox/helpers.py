"""Building requests to the emulator the way a client would, for the sandbox tests."""

from __future__ import annotations

import base64
import io
import json
import uuid
from typing import Any

import httpx
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

USER = "appli.courrier"
PASSWORD = "s3cret-pass"


def pdf(*page_texts: str) -> bytes:
    """A real PDF with one page per text (an empty text gives a blank page)."""
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4)
    for text in page_texts or ("Lettre",):
        drawing.drawString(72, 720, text)
        drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def api_headers(username: str = USER, password: str = PASSWORD) -> dict[str, str]:
    """The headers the spec requires, with a fresh correlation id."""
    return {
        "username": username,
        "password": base64.b64encode(password.encode()).decode(),
        "X-Correlation-ID": str(uuid.uuid4()),
        "X-Request-ID": str(uuid.uuid4()),
    }


def params(sending_type: str = "STD", filename: str = "Lettre.pdf", **extra: Any) -> dict[str, Any]:
    """Valid jsonParameters for `sending_type`, with `extra` top-level keys merged in."""
    base: dict[str, Any] = {
        "filename": filename,
        "onBehalfOf": "jean.dupont",
        "options": {"paper": "DUPLEX", "sendingType": sending_type},
    }
    if sending_type == "LRE":
        base["recipient"] = {
            "information": {
                "emailAddress": "marie.martin@example.org",
                "type": "PARTICULIER",
                "lastname": "MARTIN",
                "firstname": "MARIE",
            }
        }
    if sending_type == "LRAR":
        base["recipient"] = {"address": address("MARIE MARTIN")}
        base["sender"] = {"returnAddress": address("MAIRIE DE CHAMPS")}
    return {**base, **extra}


def address(name: str) -> dict[str, str]:
    return {"name": name, "line2": "14 RUE GALILEE", "zipCode": "77420", "town": "CHAMPS-SUR-MARNE"}


def multipart(
    parameters: dict[str, Any] | None,
    doc: bytes | None = None,
    annexes: tuple[bytes, ...] = (),
) -> dict[str, Any]:
    """httpx `files=` for a submission with jsonParameters as a JSON part."""
    files: list[tuple[str, Any]] = []
    if doc is not None:
        files.append(("docFile", ("Lettre.pdf", doc, "application/octet-stream")))
    files += [
        ("anxFile", (f"annexe{i}.pdf", a, "application/octet-stream"))
        for i, a in enumerate(annexes)
    ]
    if parameters is not None:
        files.append(("jsonParameters", (None, json.dumps(parameters), "application/json")))
    return {"files": files}


def submit(
    client: httpx.Client,
    parameters: dict[str, Any] | None = None,
    doc: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST /file/submission with a JSON part; `doc` defaults to a one-page PDF."""
    body = multipart(parameters or params(), pdf() if doc is None else doc)
    return client.post("/file/submission", headers=headers or api_headers(), **body)
