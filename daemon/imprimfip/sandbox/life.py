"""The simulated life of a submitted file and its documents (pure functions of data).

`plan_life` draws, once, when each status of the file and of every document will be
reached, as offsets in real seconds after the submission: simulated delays divided by
`speed`. `status_at` then reads the plan at any `now`. A plan depends only on the seed key
(settings seed + internalRef), the sending type, the document references, the rates and the
speed, so the same file lives the same life after an emulator restart.

Simulated delays: analysis within minutes; grouping then production; "Expédié" within two
days of the deposit (the service's promise); an LRAR is "Mis en distribution" a day or so
later and ends a few days after; an LRE ends within days, or is "Négligé" when its 15-day
instance period runs out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from imprimfip.sandbox.answers import service_iso
from imprimfip.sandbox.settings import SandboxSettings

HOUR = 3600.0
DAY = 24 * HOUR
HANDOVER_LIMIT = 47 * HOUR  # within the 2 days promised, with a margin

SUBMITTING = "En cours de soumission"
DELIVERED = "Distribué"


@dataclass(frozen=True)
class Step:
    """A status reached `offset_s` real seconds after the submission."""

    offset_s: float
    status: str
    message: str = ""


@dataclass(frozen=True)
class DocumentLife:
    reference: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class FileLife:
    """The whole plan: the file's analysis outcome and each document's steps."""

    analysis_offset_s: float
    status: str
    message: str
    documents: tuple[DocumentLife, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "analysis_offset_s": self.analysis_offset_s,
            "status": self.status,
            "message": self.message,
            "documents": [
                {"reference": d.reference, "steps": [vars(s) for s in d.steps]}
                for d in self.documents
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileLife:
        documents = tuple(
            DocumentLife(d["reference"], tuple(Step(**s) for s in d["steps"]))
            for d in data["documents"]
        )
        return cls(data["analysis_offset_s"], data["status"], data["message"], documents)


_FILE_ERROR = (
    "Le fichier n'a pas pu être analysé : sa structure PDF est invalide. "
    "Soumettez à nouveau un fichier PDF conforme."
)
_FILE_WARNING = "Certains documents utilisent des polices non incorporées."
_DOC_ERROR = (
    "Document rejeté à l'analyse : le bloc adresse est illisible. "
    "Soumettez à nouveau le document corrigé."
)
_ENDINGS = {
    ("LRAR", "Refusé"): "Pli refusé par le destinataire, renvoyé à l'expéditeur.",
    ("LRAR", "Négligé"): "Pli non réclamé dans le délai de 15 jours, renvoyé à l'expéditeur.",
    ("LRAR", "Echec de distribution"): "Destinataire inconnu à l'adresse indiquée.",
    ("LRE", "Refusé"): "Lettre recommandée électronique refusée par le destinataire.",
    ("LRE", "Négligé"): "Lettre recommandée électronique non consultée dans le délai de 15 jours.",
}


def plan_life(
    seed_key: str, sending_type: str, references: list[str], settings: SandboxSettings
) -> FileLife:
    """Draw the plan of one file; deterministic for a given seed key and settings."""
    rng = random.Random(seed_key)
    analysis = rng.uniform(20, 300)
    at = analysis / settings.speed
    if rng.random() < settings.file_error_rate:
        failed = tuple(DocumentLife(ref, (Step(at, "Erreur", _FILE_ERROR),)) for ref in references)
        return FileLife(at, "Erreur", _FILE_ERROR, failed)
    warned = rng.random() < settings.file_warning_rate
    documents = tuple(
        DocumentLife(ref, _scaled(_document_steps(rng, analysis, sending_type, settings), settings))
        for ref in references
    )
    if any(doc.steps[0].status == "Erreur" for doc in documents):
        return FileLife(at, "Soumis avec des erreurs", _DOC_ERROR, documents)
    if warned:
        return FileLife(at, "Soumis avec des avertissements", _FILE_WARNING, documents)
    return FileLife(at, "Soumis", "", documents)


def _scaled(steps: list[Step], settings: SandboxSettings) -> tuple[Step, ...]:
    """Simulated offsets to real ones: divided by the speed."""
    return tuple(Step(s.offset_s / settings.speed, s.status, s.message) for s in steps)


def _document_steps(
    rng: random.Random, analysis: float, sending_type: str, settings: SandboxSettings
) -> list[Step]:
    """One document's steps in simulated seconds after the deposit."""
    if rng.random() < settings.doc_error_rate:
        return [Step(analysis, "Erreur", _DOC_ERROR)]
    processing = analysis + rng.uniform(1 * HOUR, 12 * HOUR)
    shipped = min(processing + rng.uniform(2 * HOUR, 24 * HOUR), HANDOVER_LIMIT)
    steps = [
        Step(analysis, "En attente de traitement"),
        Step(processing, "En cours de traitement"),
        Step(shipped, "Expédié"),
    ]
    if sending_type == "LRAR":
        steps += _lrar_delivery(rng, shipped, settings)
    elif sending_type == "LRE":
        steps += _lre_delivery(rng, shipped, settings)
    return steps


def _ending(rng: random.Random, settings: SandboxSettings, failures: bool) -> str:
    draw = rng.random()
    for status, rate in (
        ("Refusé", settings.refused_rate),
        ("Négligé", settings.neglected_rate),
        ("Echec de distribution", settings.failed_delivery_rate if failures else 0.0),
    ):
        if draw < rate:
            return status
        draw -= rate
    return DELIVERED


def _lrar_delivery(rng: random.Random, shipped: float, settings: SandboxSettings) -> list[Step]:
    out_for_delivery = shipped + rng.uniform(12 * HOUR, 36 * HOUR)
    ending = _ending(rng, settings, failures=True)
    delay = 15 * DAY if ending == "Négligé" else rng.uniform(6 * HOUR, 3 * DAY)
    return [
        Step(out_for_delivery, "Mis en distribution"),
        Step(out_for_delivery + delay, ending, _ENDINGS.get(("LRAR", ending), "")),
    ]


def _lre_delivery(rng: random.Random, shipped: float, settings: SandboxSettings) -> list[Step]:
    ending = _ending(rng, settings, failures=False)
    delay = 15 * DAY if ending == "Négligé" else rng.uniform(1 * HOUR, 5 * DAY)
    return [Step(shipped + delay, ending, _ENDINGS.get(("LRE", ending), ""))]


def _stamp(submitted_at: float, offset_s: float, zone: tzinfo) -> str:
    return service_iso(datetime.fromtimestamp(submitted_at + offset_s, zone), zone)


def status_at(life: FileLife, submitted_at: float, now: float, zone: tzinfo) -> dict[str, Any]:
    """`fileStatus` and `docStatus` of a FileStatusResponse at `now` (epoch seconds).

    Dates are the real moments at which each status was reached (submission time plus the
    scaled offset), so they are never in the future of the caller's clock.
    """
    if submitted_at + life.analysis_offset_s > now:
        file_status = {
            "status": SUBMITTING,
            "analyzeTime": None,
            "analyzedDoc": None,
            "rejectedDoc": None,
            "message": "",
        }
        return {"fileStatus": file_status, "docStatus": None}
    docs = [_document_status(doc, submitted_at, now, zone) for doc in life.documents]
    file_status = {
        "status": life.status,
        "analyzeTime": _stamp(submitted_at, life.analysis_offset_s, zone),
        "analyzedDoc": len(docs),
        "rejectedDoc": sum(1 for d in life.documents if d.steps[0].status == "Erreur"),
        "message": life.message,
    }
    return {"fileStatus": file_status, "docStatus": docs}


def _document_status(
    doc: DocumentLife, submitted_at: float, now: float, zone: tzinfo
) -> dict[str, str]:
    # Compared as absolute moments, like the dates shown, so a status and its date agree.
    reached = [step for step in doc.steps if submitted_at + step.offset_s <= now] or [doc.steps[0]]
    step = reached[-1]
    return {
        "reference": doc.reference,
        "date": _stamp(submitted_at, step.offset_s, zone),
        "status": step.status,
        "message": step.message,
    }
