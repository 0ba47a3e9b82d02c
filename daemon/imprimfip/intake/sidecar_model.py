"""The shape of a letter's JSON data file, strict: strings are strings, nothing is coerced.

It follows the API's own `recipient` object (keys in camelCase, as IMPRIM'FIP spells them),
so an application developer reads one document. An unknown key is refused rather than
ignored: a misspelt `zipcode` would otherwise drop the postal code without a word.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from imprimfip.postal import PostalAddress

_Text = Annotated[str, Field(max_length=200)]
"""Any text field; the address rules bound the lines further (38 characters)."""

_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
"""An e-mail address as mail servers take it: a dot-atom local part (RFC 5322), then a
domain of letters, digits and hyphens with a top-level domain of letters."""
MAX_EMAIL_CHARS = 254


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class AddressData(_Strict):
    """`recipient.address`: a postal address (LRAR)."""

    name: _Text
    line2: _Text = ""
    line3: _Text = ""
    line4: _Text = ""
    line5: _Text = ""
    zip_code: _Text = Field("", alias="zipCode")
    town: _Text = ""
    country: _Text = ""

    def postal(self) -> PostalAddress:
        """The address with its outer blanks trimmed, as it will be printed."""
        fields = self.model_dump()
        return PostalAddress(**{key: value.strip() for key, value in fields.items()})


class InformationData(_Strict):
    """`recipient.information`: who receives an electronic registered letter (LRE)."""

    email_address: _Text = Field(alias="emailAddress")
    type: Literal["PARTICULIER", "PROFESSIONNEL"]
    lastname: _Text = ""
    firstname: _Text = ""
    social_reason: _Text = Field("", alias="socialReason")


class RecipientData(_Strict):
    information: InformationData | None = None
    address: AddressData | None = None


class SidecarData(_Strict):
    recipient: RecipientData


def valid_email(text: str) -> bool:
    return len(text) <= MAX_EMAIL_CHARS and bool(_EMAIL.match(text))


_ERRORS = {
    "string_type": "doit être du texte entre guillemets",
    "missing": "manque",
    "extra_forbidden": "n'est pas une clé connue (vérifiez son orthographe)",
    "literal_error": "doit valoir PARTICULIER ou PROFESSIONNEL",
    "model_type": "doit être un objet JSON ({...})",
    "model_attributes_type": "doit être un objet JSON ({...})",
    "string_too_long": "est trop longue (200 caractères au plus)",
}


def describe(error: ValidationError, *, limit: int = 5) -> list[str]:
    """Each fault of `error` in French, naming its key as the JSON spells it."""
    said = []
    for item in error.errors()[:limit]:
        where = ".".join(str(part) for part in item["loc"]) or "le document"
        what = _ERRORS.get(item["type"], "n'a pas la forme attendue")
        said.append(f"« {where} » {what}")
    return said
