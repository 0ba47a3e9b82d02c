"""What `imprimfip check-config` checks on this machine: secrets, flow folders, the ledger,
and the room left on each flow's share and on the ledger's disk.

Each check ends as one `Check`: a name, a result and one sentence saying what was found
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
from imprimfip.storage import admission
from imprimfip.storage.admission import Room

MODES = "see systemd/imprimfip.tmpfiles.conf for the owners and modes"
# Below this a disk is worth a warning: at tens of kB a letter, it is days of mail.
LOW_SPACE_BYTES = 1 << 30
# SQLite's write-ahead log grows by a few MB between checkpoints.
LEDGER_MIN_BYTES = 16 << 20


class Result(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    result: Result
    detail: str

    def line(self) -> str:
        return f"{self.result:<4}  {self.name}: {self.detail}"


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
    read_only: bool = False


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
    read_only = bool(os.statvfs(nearest).f_flag & os.ST_RDONLY)
    return FolderProbe(
        path, nearest == path, nearest, usable, os.stat(nearest).st_dev, read_only=read_only
    )


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
            Result.WARN,
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
            checks.append(Check(f"secret {key}", Result.OK, "present"))
        else:
            checks.append(
                Check(
                    f"secret {key}",
                    Result.WARN,
                    "empty (optional = true): only the emulator accepts that; in production "
                    "set it, or remove the key if it is not needed",
                )
            )
    return checks


def _folder_problem(probe: FolderProbe, user: str) -> str | None:
    if probe.blocker is not None:
        return f"{probe.blocker}: remove or rename what stands there"
    if probe.read_only:
        return f"{probe.path} is on a read-only filesystem: remount it read-write"
    if probe.usable:
        return None
    if probe.exists:
        return f"{probe.path} is not writable by {user}: give it to the service user ({MODES})"
    return (
        f"{probe.path} does not exist and {user} cannot create it in {probe.nearest}: "
        f"create it (systemd-tmpfiles --create; {MODES})"
    )


def flow_root_check(name: str, root: Path) -> Check | None:
    """A line if the flow's folder itself is missing: the daemon makes only the four
    folders in it, so that a share not mounted yet is never filled in its place."""
    if root.is_dir():
        return None
    return Check(
        f'flow "{name}" folder',
        Result.FAIL,
        f"{root} is missing: mount the share it is on, or create it if the path is right "
        "(else correct the flow's root in the config); the daemon starts without it and "
        "the flow waits until it is there",
    )


def flow_checks(name: str, probes: list[FolderProbe], user: str) -> list[Check]:
    """Every folder of the flow usable, and all of them on one filesystem."""
    problems = [p for p in (_folder_problem(probe, user) for probe in probes) if p]
    if problems:
        folders = Check(f'flow "{name}" folders', Result.FAIL, "; ".join(problems))
    else:
        created = [probe.path.name for probe in probes if not probe.exists]
        note = f" ({', '.join(created)} will be created at start)" if created else ""
        folders = Check(f'flow "{name}" folders', Result.OK, f"writable{note}")
    devices = {probe.device for probe in probes if probe.device is not None}
    if len(devices) <= 1:
        return [folders, Check(f'flow "{name}" filesystem', Result.OK, "one for all folders")]
    first = probes[0]
    apart = [str(p.path) for p in probes if p.device not in (None, first.device)]
    detail = (
        f"{', '.join(apart)} not on the filesystem of {first.path}: letters move between "
        "inbox, processing, done and error by renaming, so put all four under one mount point"
    )
    return [folders, Check(f'flow "{name}" filesystem', Result.FAIL, detail)]


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
            Result.FAIL,
            f"{folder.nearest} is on {mount.describe()}; SQLite needs a local disk: set "
            "[ledger] path there, e.g. /var/lib/imprimfip/ledger.sqlite3",
        )
    problem = _folder_problem(folder, user)
    if problem is None and not file_writable:
        problem = f"{ledger} is not writable by {user}: give it to the service user"
    if problem is not None:
        return Check("ledger", Result.FAIL, problem)
    return Check("ledger", Result.OK, f"{ledger} on a local disk, writable")


def probe_room(folder: Path) -> Room | str:
    """The room left where `folder` is, or why it cannot be read (a share gone away)."""
    try:
        return admission.room(folder)
    except OSError as error:
        return f"cannot read the free space of {folder}: {error.strerror or error}"


def _size(count: int) -> str:
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _unusable(folder: Path, room: Room | str, consequence: str) -> str:
    if isinstance(room, str):
        return f"{room}: check that the disk or share is mounted"
    return (
        f"{folder} is on a read-only filesystem, so {consequence}: remount it read-write "
        "(for a share, check the server's permissions and the mount options)"
    )


def _roomy(label: str, folder: Path, room: Room, consequence: str, fix: str) -> Check:
    """Enough room for now: a warning all the same under LOW_SPACE_BYTES."""
    free = _size(room.free_bytes)
    if room.free_bytes < LOW_SPACE_BYTES:
        return Check(
            label,
            Result.WARN,
            f"only {free} free at {folder}: {consequence} when it runs out; {fix}",
        )
    return Check(label, Result.OK, f"{free} free at {folder}, writable")


def flow_space_check(name: str, folder: Path, room: Room | str, max_letter_bytes: int) -> Check:
    """Room on a flow's share: a letter waits in inbox/ while too little is left to file it
    (its size, its receipt or note, a margin)."""
    label = f'flow "{name}" space'
    if isinstance(room, str) or room.read_only:
        return Check(label, Result.FAIL, _unusable(folder, room, "no letter can be claimed"))
    if not room.counts_space:
        return Check(
            label,
            Result.WARN,
            f"{folder} reports no free space figures (some FUSE shares, e.g. smbnetfs): "
            "letters are claimed whatever room is left; check the room left on the server",
        )
    free = _size(room.free_bytes)
    largest = room.free_bytes - admission.needed_bytes(0, room.block_bytes)
    if not admission.admit(room, 0).admitted:
        return Check(
            label,
            Result.FAIL,
            f"{free} free at {folder}, too little to file even a small letter: letters will "
            "wait in inbox/; free some space (old letters of done/) or enlarge the share",
        )
    if largest < max_letter_bytes:
        return Check(
            label,
            Result.WARN,
            f"{free} free at {folder}: letters over {_size(largest)} will wait in inbox/ "
            f"(up to {_size(max_letter_bytes)} are allowed); free some space or enlarge it",
        )
    return _roomy(
        label,
        folder,
        room,
        "letters will wait in inbox/",
        "free some space (old letters of done/) or enlarge the share",
    )


def ledger_space_check(folder: Path, room: Room | str) -> Check:
    """Room on the ledger's disk: without it every flow pauses, since nothing may happen
    that cannot be recorded."""
    label = "ledger space"
    if isinstance(room, str) or room.read_only:
        return Check(label, Result.FAIL, _unusable(folder, room, "every flow would pause"))
    free = _size(room.free_bytes)
    if room.free_bytes < LEDGER_MIN_BYTES:
        return Check(
            label,
            Result.FAIL,
            f"{free} free at {folder}, {_size(LEDGER_MIN_BYTES)} needed: every flow would "
            "pause; free some space on that disk",
        )
    return _roomy(label, folder, room, "every flow will pause", "free some space on that disk")
