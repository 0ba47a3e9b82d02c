"""A flow as the daemon runs it: its settings, its folders, its annexes read once.

One flow, three names for three things: `FlowConfig` is its slice of the config file,
`FlowFolders` its folder tree, `Flow` both of them at work (with the annexes read).
"""

from __future__ import annotations

from dataclasses import dataclass

from imprimfip.config.model import Config, FlowConfig
from imprimfip.errors import ConfigError, ConfigProblem
from imprimfip.folders import FlowFolders
from imprimfip.storage.classify import MISSING, storage_fault


@dataclass(frozen=True)
class Flow:
    """A flow at work: its options, its folders, its static annexes."""

    config: FlowConfig
    folders: FlowFolders
    annexes: tuple[tuple[str, bytes], ...]

    @property
    def max_bytes(self) -> int:
        """The largest letter the flow reads: a bigger one is refused unread."""
        return int(self.config.validation.max_file_mb * 1024 * 1024)


def prepare_flow(config: Config, flow: FlowConfig) -> Flow:
    """Create the flow's folders in its root, check they share one filesystem, load its
    annexes. A root that is missing, or a share that cannot take the folders now, is not
    refused: the flow opens paused until its share is there (see `admission.share_refusal`)."""
    folders = FlowFolders(flow.root)
    key = f'flows ("{flow.name}")'
    try:
        folders.ensure()
        devices = folders.filesystems()
    except OSError as exc:
        if exc.errno not in MISSING and storage_fault(exc) is None:
            problem = ConfigProblem(f"{key}.root", f"cannot create the flow's folders: {exc}")
            raise ConfigError(str(config.source), [problem]) from None
        # Its share is missing or faulty: the flow opens paused and waits for it.
        devices = {}
    if len(set(devices.values())) > 1:
        listed = ", ".join(str(path) for path in devices)
        problem = ConfigProblem(
            f"{key}.root",
            f"inbox, processing, done and error must be on one filesystem (letters are "
            f"moved by renaming), but they are not: {listed}",
        )
        raise ConfigError(str(config.source), [problem])
    annexes = []
    for path in flow.annexes:
        try:
            annexes.append((path.name, path.read_bytes()))
        except OSError as exc:
            problem = ConfigProblem(f"{key}.annexes", f"cannot read {path}: {exc.strerror}")
            raise ConfigError(str(config.source), [problem]) from None
    return Flow(config=flow, folders=folders, annexes=tuple(annexes))
