"""The folders of a flow: inbox/ (staff), processing/ (the daemon's claim), done/, error/."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FlowFolders:
    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def processing(self) -> Path:
        return self.root / "processing"

    @property
    def done(self) -> Path:
        return self.root / "done"

    @property
    def error(self) -> Path:
        return self.root / "error"

    def all(self) -> tuple[Path, ...]:
        return (self.inbox, self.processing, self.done, self.error)

    def ensure(self) -> None:
        """Create the four folders if missing."""
        for folder in self.all():
            folder.mkdir(parents=True, exist_ok=True)

    def filesystems(self) -> dict[Path, int]:
        """The device of each folder: moves are renames, so they must all be one."""
        return {folder: os.stat(folder).st_dev for folder in self.all()}
