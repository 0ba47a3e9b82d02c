"""A flow's validation rules, as configured under `[flows.validation]`."""

from __future__ import annotations

from imprimfip.frozen import FrozenModel


class ValidationRules(FrozenModel):
    """What a flow accepts; every field has a safe default."""

    max_pages: int = 200
    max_file_mb: float = 50.0
