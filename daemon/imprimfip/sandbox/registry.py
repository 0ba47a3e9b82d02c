"""The submissions the emulator accepted, their internalRefs, and their persistence.

`--state FILE` keeps them (with each file's planned life) across restarts: the whole
registry is rewritten as JSON after every change, atomically (temporary file, fsync, rename),
so a crash leaves either the old or the new state, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Container
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from imprimfip.sandbox.life import FileLife

STATE_VERSION = 1


@dataclass(frozen=True)
class Submission:
    """One accepted submission, as `GET /_sandbox/submissions` shows it (plus its life).

    Field names are those of the JSON surface, hence the API's camelCase spelling.
    """

    internalRef: str
    filename: str
    sha256: str
    size: int
    received_at: str
    received_epoch: float
    sendingType: str
    paper: str
    onBehalfOf: str | None
    annexes: int
    jsonParameters: dict[str, Any]
    life: FileLife

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["life"] = self.life.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Submission:
        return cls(**{**data, "life": FileLife.from_json(data["life"])})


def ref_stem(filename: str) -> str:
    """The file name without its extension, as the internalRef starts."""
    return filename.rsplit(".", 1)[0] if "." in filename else filename


def internal_ref(filename: str, owner: str, moment: datetime) -> str:
    """`<stem>_<MMddyyyyHHmmss>@<owner>.pdf`, the form the spec documents."""
    return f"{ref_stem(filename)}_{moment.strftime('%m%d%Y%H%M%S')}@{owner}.pdf"


def free_internal_ref(filename: str, owner: str, moment: datetime, taken: Container[str]) -> str:
    """The internalRef for a submission received at `moment` (aware, in the
    service's zone: its wall-clock time is what the reference shows).

    The real service's reference has a one-second resolution, so two submissions of the
    same file name for the same owner within one second would collide. The emulator then
    gives the later one the next free second: references stay unique, and a client that
    probes the references it could have received must look a few seconds past the end of
    its request, not only inside it.
    """
    candidate = moment.replace(microsecond=0)
    while internal_ref(filename, owner, candidate) in taken:
        candidate += timedelta(seconds=1)
    return internal_ref(filename, owner, candidate)


class Registry:
    """Accepted submissions by internalRef, in arrival order, optionally persisted."""

    def __init__(self, state_file: Path | None) -> None:
        self._state_file = state_file
        self._items: dict[str, Submission] = {}
        if state_file is not None and state_file.exists():
            self._items = _load(state_file)

    def __contains__(self, ref: object) -> bool:
        return ref in self._items

    def get(self, ref: str) -> Submission | None:
        return self._items.get(ref)

    def all(self) -> list[Submission]:
        return list(self._items.values())

    def add(self, submission: Submission) -> None:
        self._items[submission.internalRef] = submission
        self._save()

    def clear(self) -> None:
        self._items.clear()
        self._save()

    def _save(self) -> None:
        if self._state_file is not None:
            payload = {
                "version": STATE_VERSION,
                "submissions": [s.to_json() for s in self._items.values()],
            }
            write_atomically(self._state_file, json.dumps(payload, ensure_ascii=False))


def _load(path: Path) -> dict[str, Submission]:
    """The saved submissions; ValueError naming the file when it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown version {data.get('version')!r}")
        items = [Submission.from_json(item) for item in data["submissions"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"cannot read the sandbox state {path} ({exc}); fix it, or move it away to start "
            "with no submissions"
        ) from exc
    return {item.internalRef: item for item in items}


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a reader or a crash never sees a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
