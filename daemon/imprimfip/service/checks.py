"""What `imprimfip check-config` checks on this machine: secrets, flow folders, the ledger.

Each check ends as one `Check`: a name, an outcome and one sentence saying what was found
and, when it is wrong, what to do. The probes (`probe_folder`, `mount_of`) gather plain
data; the judgements below are pure functions of it, so every message is tested without
building a broken machine. Nothing is created or changed: the checks only look.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel

from imprimfip.config import Config, Secret
from imprimfip.folders import FlowFolders
from imprimfip.intake.mounts import Mount

MODES = "see systemd/imprimfip.tmpfiles.conf for the owners and modes"


class Outcome(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    outcome: Outcome
    detail: str

    def line(self) -> str:
        return f"{self.outcome:<4}  {self.name}: {self.detail}"


@dataclass(frozen=True)
class FolderProbe:
    """What a folder looks like to this process.

    `nearest` is the folder itself when it exists, else its nearest existing ancestor, where
    it would be created; `usable` says this user may list, create and remove entries there;
    `device` is the filesystem the folder is (or would be) on.
    """

    path: Path
    exists: bool
    nearest: Path
    usable: bool
    device: int | None
    blocker: str | None = None


def probe_folder(path: Path) -> FolderProbe:
    if os.path.lexists(path) and not path.exists():
        return FolderProbe(path, False, path, False, None, f"{path} is a link to nowhere")
    nearest = path
    while not nearest.exists() and nearest != nearest.parent:
        nearest = nearest.parent
    if not nearest.is_dir():
        what = "is not a folder" if nearest == path else f"cannot be created: {nearest} is a file"
        return FolderProbe(path, False, nearest, False, None, f"{path} {what}")
    needed = os.R_OK | os.W_OK | os.X_OK if nearest == path else os.W_OK | os.X_OK
    effective = os.access in os.supports_effective_ids
    usable = os.access(nearest, needed, effective_ids=effective)
    return FolderProbe(path, nearest == path, nearest, usable, os.stat(nearest).st_dev)


def current_user() -> str:
    uid = os.geteuid()
    try:
        return f"user {pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def user_check(uid: int) -> list[Check]:
    """Root may write anywhere: its folder checks say nothing of the service user's."""
    if uid != 0:
        return []
    return [
        Check(
            "user",
            Outcome.WARN,
            "running as root, who may write anywhere: run it as the service user to check "
            "the folders' permissions (README, 'Run it as a service')",
        )
    ]


def _secrets(node: object, key: str) -> Iterator[tuple[str, Secret]]:
    if isinstance(node, Secret):
        yield key, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _secrets(getattr(node, name), f"{key}.{name}" if key else name)
    elif isinstance(node, tuple):
        for index, item in enumerate(node):
            name = getattr(item, "name", None)
            label = f'{key}[{index}] ("{name}")' if isinstance(name, str) else f"{key}[{index}]"
            yield from _secrets(item, label)


def secret_checks(config: Config) -> list[Check]:
    """One line per secret of the config. A missing required secret never gets here: the
    config is refused (exit 78); an empty optional one is only a warning."""
    checks = []
    for key, secret in _secrets(config, ""):
        if secret:
            checks.append(Check(f"secret {key}", Outcome.OK, "present"))
        else:
            checks.append(
                Check(
                    f"secret {key}",
                    Outcome.WARN,
                    "empty (optional = true): only the emulator accepts that; in production "
                    "set it, or remove the key if it is not needed",
                )
            )
    return checks


def _folder_problem(probe: FolderProbe, user: str) -> str | None:
    if probe.blocker is not None:
        return f"{probe.blocker}: remove or rename what stands there"
    if probe.usable:
        return None
    if probe.exists:
        return f"{probe.path} is not writable by {user}: give it to the service user ({MODES})"
    return (
        f"{probe.path} does not exist and {user} cannot create it in {probe.nearest}: "
        f"create it (systemd-tmpfiles --create; {MODES})"
    )


def flow_checks(name: str, probes: list[FolderProbe], user: str) -> list[Check]:
    """Every folder of the flow usable, and all of them on one filesystem."""
    problems = [p for p in (_folder_problem(probe, user) for probe in probes) if p]
    if problems:
        folders = Check(f'flow "{name}" folders', Outcome.FAIL, "; ".join(problems))
    else:
        created = [probe.path.name for probe in probes if not probe.exists]
        note = f" ({', '.join(created)} will be created at start)" if created else ""
        folders = Check(f'flow "{name}" folders', Outcome.OK, f"writable{note}")
    devices = {probe.device for probe in probes if probe.device is not None}
    if len(devices) <= 1:
        return [folders, Check(f'flow "{name}" filesystem', Outcome.OK, "one for all folders")]
    first = probes[0]
    apart = [str(p.path) for p in probes if p.device not in (None, first.device)]
    detail = (
        f"{', '.join(apart)} not on the filesystem of {first.path}: letters move between "
        "inbox, processing, done and error by renaming, so put all four under one mount point"
    )
    return [folders, Check(f'flow "{name}" filesystem', Outcome.FAIL, detail)]


def probe_flow(root: Path) -> list[FolderProbe]:
    return [probe_folder(folder) for folder in FlowFolders(root).all()]


def ledger_check(
    ledger: Path, folder: FolderProbe, mount: Mount, file_writable: bool, user: str
) -> Check:
    """The ledger's folder on a local disk (SQLite's locks and fsync are not safe on a
    share) and writable by this user, as is the ledger itself if it exists."""
    if not mount.local:
        return Check(
            "ledger",
            Outcome.FAIL,
            f"{folder.nearest} is on {mount.describe()}; SQLite needs a local disk: set "
            "[ledger] path there, e.g. /var/lib/imprimfip/ledger.sqlite3",
        )
    problem = _folder_problem(folder, user)
    if problem is None and not file_writable:
        problem = f"{ledger} is not writable by {user}: give it to the service user"
    if problem is not None:
        return Check("ledger", Outcome.FAIL, problem)
    return Check("ledger", Outcome.OK, f"{ledger} on a local disk, writable")
