"""The base of every configuration model: immutable, and strict about unknown keys."""

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """A validated, immutable record; an unknown key is an error, not silently ignored.

    Defaults are validated too, so that a default path is made relative to the config file
    like a written one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)
