"""The folders of a flow: inbox/ (staff), processing/ (the daemon's claim), done/, error/."""

from __future__ import annotations

import errno
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
        """Create the four folders in the flow's root if missing. The root itself is never
        made: while it is missing (its share is not mounted yet, or its path is mistyped),
        FileNotFoundError, and nothing is written where the share should be."""
        if not self.root.exists():
            raise FileNotFoundError(errno.ENOENT, "the flow's folder is missing", str(self.root))
        for folder in self.all():
            folder.mkdir(exist_ok=True)

    def filesystems(self) -> dict[Path, int]:
        """The device of each folder: moves are renames, so they must all be one."""
        return {folder: os.stat(folder).st_dev for folder in self.all()}
