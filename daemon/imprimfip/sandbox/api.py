"""The three IMPRIM'FIP endpoints under `/api/v1`: submission, status, health."""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import datetime
from typing import Any

from aiohttp import web

from imprimfip.sandbox.answers import Code, Refusal, service_iso
from imprimfip.sandbox.documents import business_references
from imprimfip.sandbox.faults import after_accept, before_accept
from imprimfip.sandbox.life import plan_life, status_at
from imprimfip.sandbox.registry import Submission, free_internal_ref
from imprimfip.sandbox.runtime import SANDBOX, Sandbox
from imprimfip.sandbox.submission_checks import problems
from imprimfip.sandbox.upload import Upload, read_upload

SENDING_LABELS = {
    "STD": "Courrier Simple",
    "LRAR": "Envoi recommandé papier",
    "LRE": "Envoi recommandé électronique",
}
HEALTHY = "L'API est opérationnelle"

routes = web.RouteTableDef()


def _yes_no(flag: bool) -> str:
    return "Oui" if flag else "Non"


@routes.post("/file/submission")
async def submit(request: web.Request) -> web.Response:
    """Check and record a submission, then answer as the spec's FileSubmissionResponse."""
    sandbox = request.app[SANDBOX]
    upload = await read_upload(request)
    params = upload.parameters()
    found = problems(params, len(upload.annexes))
    if found:
        raise Refusal(400, Code.BAD_PARAMETERS, " ".join(found))
    doc = upload.doc or b""
    if not doc.startswith(b"%PDF-"):
        raise Refusal(
            400, Code.NOT_A_PDF, "Le fichier docFile n'est pas un PDF : envoyez un fichier PDF."
        )
    before_accept(sandbox)
    markers = await asyncio.to_thread(business_references, doc)
    submission = _record(sandbox, request, params, upload, markers)
    after_accept(sandbox, request)
    return web.json_response(_receipt(submission))


def _record(
    sandbox: Sandbox,
    request: web.Request,
    params: dict[str, Any],
    upload: Upload,
    markers: list[str],
) -> Submission:
    # No await from here to `add`: the reference is reserved atomically for this loop.
    received = datetime.now(sandbox.zone)
    owner = params.get("onBehalfOf") or request.headers.get("username") or "anonyme"
    ref = free_internal_ref(params["filename"], owner, received, sandbox.registry)
    options = params["options"]
    doc = upload.doc or b""
    submission = Submission(
        internalRef=ref,
        filename=params["filename"],
        sha256=hashlib.sha256(doc).hexdigest(),
        size=len(doc),
        received_at=service_iso(received, sandbox.zone),
        received_epoch=received.timestamp(),
        sendingType=options["sendingType"],
        paper=options["paper"],
        onBehalfOf=params.get("onBehalfOf"),
        annexes=len(upload.annexes),
        jsonParameters=params,
        life=plan_life(
            f"{sandbox.settings.seed}:{ref}",
            options["sendingType"],
            markers or [ref],
            sandbox.settings,
        ),
    )
    sandbox.registry.add(submission)
    return submission


def _receipt(submission: Submission) -> dict[str, Any]:
    tip = submission.paper == "DUPLEX_TIP_MICRO"
    return {
        "filename": submission.filename,
        "internalRef": submission.internalRef,
        "fileSize": round(submission.size / 1024, 2),
        "sendingType": SENDING_LABELS[submission.sendingType],
        "withAnnexes": _yes_no(submission.annexes > 0),
        "withPerforatedPaper": _yes_no(tip),
        "withReturnEnv": _yes_no(tip),
        "onBehalfOf": submission.onBehalfOf,
        "submissionStatus": {"date": submission.received_at, "status": "Reçu", "message": ""},
    }


@routes.get("/file/{internalRef}/status")
async def file_status(request: web.Request) -> web.Response:
    """The file's status at this moment, optionally narrowed to one business reference."""
    ref = request.match_info["internalRef"]
    sandbox = request.app[SANDBOX]
    submission = sandbox.registry.get(ref)
    if submission is None:
        raise Refusal(
            404,
            Code.NOT_FOUND,
            f"Aucun fichier ne correspond à la référence interne « {ref} » : vérifiez la "
            "référence renvoyée lors de la soumission.",
        )
    view = status_at(submission.life, submission.received_epoch, time.time(), sandbox.zone)
    business = request.query.get("businessRef")
    if business is not None and view["docStatus"] is not None:
        view["docStatus"] = [d for d in view["docStatus"] if d["reference"] == business]
        if not view["docStatus"]:
            raise Refusal(
                404,
                Code.NOT_FOUND,
                f"Aucun document de référence métier « {business} » dans le fichier « {ref} ».",
            )
    return web.json_response({"filename": submission.filename, "internalRef": ref, **view})


@routes.get("/etatSante")
async def health(request: web.Request) -> web.Response:
    return web.json_response({"message": HEALTHY})
