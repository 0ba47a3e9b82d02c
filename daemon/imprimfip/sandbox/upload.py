"""Reading a `POST /file/submission` multipart body into its parts.

Part names are matched without regard to case (ASP.NET model binding); `jsonParameters`
may come as one JSON part or as flattened `jsonParameters.X.Y` fields, not both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from imprimfip.sandbox import parameters
from imprimfip.sandbox.answers import Code, Refusal


@dataclass
class Upload:
    """The parts of one submission, as received."""

    doc: bytes | None = None
    annexes: list[bytes] = field(default_factory=list)
    json_text: str | None = None
    flat_fields: dict[str, str] = field(default_factory=dict)

    def parameters(self) -> dict[str, Any]:
        """The canonical jsonParameters; Refusal when missing, doubled or unreadable."""
        if self.json_text is not None and self.flat_fields:
            raise _bad(
                Code.BAD_PARAMETERS,
                "jsonParameters est fourni deux fois (partie JSON et champs "
                "jsonParameters.*) : n'envoyez qu'une des deux formes.",
            )
        try:
            if self.json_text is not None:
                return parameters.from_json_text(self.json_text)
            if self.flat_fields:
                return parameters.from_flat_fields(self.flat_fields)
        except parameters.ParameterError as exc:
            raise _bad(Code.BAD_PARAMETERS, str(exc)) from exc
        raise _bad(
            Code.MISSING_PART,
            "La partie jsonParameters est absente : joignez les paramètres d'envoi "
            "(filename, options.paper, options.sendingType).",
        )


def _bad(code: Code, message: str) -> Refusal:
    return Refusal(400, code, message)


async def read_upload(request: web.Request) -> Upload:
    """Read every part; Refusal for a body that is not multipart or has unknown parts."""
    if not request.content_type.startswith("multipart/"):
        raise _bad(
            Code.BAD_REQUEST,
            f"La requête doit être de type multipart/form-data (reçu : {request.content_type}).",
        )
    upload = Upload()
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            raise _bad(Code.BAD_REQUEST, "Les parties multipart imbriquées ne sont pas acceptées.")
        await _take(upload, part)
    if upload.doc is None:
        raise _bad(
            Code.MISSING_PART, "La partie docFile est absente : joignez le fichier PDF à envoyer."
        )
    return upload


async def _take(upload: Upload, part: BodyPartReader) -> None:
    name = part.name or ""
    key = name.lower()
    if key == "docfile":
        if upload.doc is not None:
            raise _bad(
                Code.BAD_REQUEST, "La partie docFile est en double : joignez un seul fichier."
            )
        upload.doc = await part.read()
    elif key == "anxfile":
        upload.annexes.append(await part.read())
    elif key == "jsonparameters":
        upload.json_text = await part.text()
    elif key.startswith(parameters.FLAT_PREFIX):
        upload.flat_fields[name] = await part.text()
    else:
        raise _bad(
            Code.BAD_REQUEST,
            f"La partie « {name} » n'est pas reconnue (parties possibles : docFile, anxFile, "
            "jsonParameters).",
        )
