"""Is a folder on a local disk? Only there do filesystem events see every change.

A share (SMB, NFS, any FUSE client...) raises events for what this machine writes, never
for what other machines save into it, and the ledger's SQLite locks and fsync are not safe
there. Network filesystems are too many to list (every FUSE driver is one more), so the
decision goes the other way: what is known to be a local disk is local, everything else
is treated as a share and polled.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

MOUNTS_FILE = Path("/proc/self/mounts")

# Filesystems whose every change goes through this machine's kernel.
LOCAL_FILESYSTEMS = frozenset(
    {
        "ext2",
        "ext3",
        "ext4",
        "xfs",
        "btrfs",
        "bcachefs",
        "zfs",
        "f2fs",
        "jfs",
        "reiserfs",
        "nilfs2",
        "tmpfs",
        "ramfs",
        "overlay",
        "vfat",
        "exfat",
        "ntfs3",
        "hfsplus",
    }
)


class WatchMode(StrEnum):
    EVENTS = "events"
    POLLING = "polling"


@dataclass(frozen=True)
class Mount:
    """The filesystem holding a folder: its type, None when the mount table is unreadable."""

    filesystem: str | None

    @property
    def local(self) -> bool:
        return self.filesystem in LOCAL_FILESYSTEMS

    def describe(self) -> str:
        if self.filesystem is None:
            return "an unknown filesystem (the mount table cannot be read)"
        if self.local:
            return f"{self.filesystem}, a local filesystem"
        return f"{self.filesystem}, not known to be a local disk"


@dataclass(frozen=True)
class WatchChoice:
    """How a flow's inbox is watched, and why (said in the log at start)."""

    mode: WatchMode
    reason: str


def _unescape(field: str) -> str:
    """Mount points in /proc escape space, tab, newline and backslash as octal."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def filesystem_type(path: Path, mounts_text: str) -> str | None:
    """The type of the filesystem holding `path`, from the text of /proc/self/mounts."""
    target = path.resolve()
    best: tuple[int, str] | None = None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = Path(_unescape(fields[1]))
        if target == mount_point or mount_point in target.parents:
            depth = len(mount_point.parts)
            if best is None or depth >= best[0]:
                best = (depth, fields[2])
    return None if best is None else best[1]


def mount_of(path: Path, mounts_text: str | None = None) -> Mount:
    """The filesystem holding `path`; reads this process's mount table unless given."""
    if mounts_text is None:
        try:
            mounts_text = MOUNTS_FILE.read_text(encoding="utf-8")
        except OSError:
            return Mount(None)
    return Mount(filesystem_type(path, mounts_text))


def choose_watch(setting: str, mount: Mount) -> WatchChoice:
    """Events or polling for an inbox on `mount`, given the flow's `watch` setting."""
    if setting != "auto":
        return WatchChoice(WatchMode(setting), f'watch = "{setting}" in the config')
    if mount.local:
        return WatchChoice(WatchMode.EVENTS, f"the inbox is on {mount.describe()}")
    return WatchChoice(
        WatchMode.POLLING,
        f"the inbox is on {mount.describe()}: what other machines save raises no event",
    )
