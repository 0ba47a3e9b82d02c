"""Injected faults: drawn per call from the probabilities in `Sandbox.faults`.

Where each one strikes: latency, `unavailable_503` and `throttle_429` before any API call is
handled; `reject_400` before a valid submission is recorded; `error_500_after_accept` and
`drop_after_accept` after it is recorded, so the client cannot know it was accepted.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from imprimfip.sandbox.answers import Code, Refusal
from imprimfip.sandbox.runtime import Sandbox


class Dropped(Exception):
    """The connection was closed without any answer (`drop_after_accept`)."""


async def before_handling(sandbox: Sandbox) -> None:
    """Latency, then maybe a 503 or a 429, for any API call."""
    faults = sandbox.faults
    if faults.latency_s > 0:
        await asyncio.sleep(faults.latency_s)
    if sandbox.roll(faults.unavailable_503):
        raise Refusal(
            503, Code.UNAVAILABLE, "Le service est momentanément indisponible (défaut simulé)."
        )
    if sandbox.roll(faults.throttle_429):
        raise Refusal(429, Code.THROTTLED, "Message throttled out", {"Retry-After": "1"})


def before_accept(sandbox: Sandbox) -> None:
    """Maybe refuse a valid submission with a 400, nothing recorded."""
    if sandbox.roll(sandbox.faults.reject_400):
        raise Refusal(
            400,
            Code.BAD_REQUEST,
            "Le fichier a été refusé par la plateforme (refus simulé par l'émulateur).",
        )


def after_accept(sandbox: Sandbox, request: web.Request) -> None:
    """Maybe hide the outcome of a recorded submission: a 500, or no answer at all."""
    if sandbox.roll(sandbox.faults.error_500_after_accept):
        raise Refusal(500, Code.SERVER_ERROR, "Erreur interne du serveur (défaut simulé).")
    if sandbox.roll(sandbox.faults.drop_after_accept):
        request.protocol.force_close()
        raise Dropped
