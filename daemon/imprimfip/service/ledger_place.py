"""Where the ledger lives, checked before the daemon uses it: a local disk, a folder that
can be made, a file SQLite can open. What a sysadmin must fix is a config error (exit 78);
a disk that is full, read-only or failing is waited out (README, "When storage fails")."""

from __future__ import annotations

from imprimfip.config.model import Config
from imprimfip.errors import ConfigError, ConfigProblem, LedgerFault
from imprimfip.intake.mounts import mount_of
from imprimfip.ledger import Ledger


def check_ledger_location(config: Config, mounts_text: str | None = None) -> None:
    """Refuse a ledger off a local disk: SQLite's locking and fsync are not safe on a share."""
    folder = config.ledger.path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _wrong_place(
            config,
            f"cannot create the ledger's folder {folder}: {error.strerror}; create it, "
            "owned by the daemon's user, or choose another path",
        ) from None
    mount = mount_of(folder, mounts_text)
    if not mount.local:
        raise _wrong_place(
            config,
            f"{config.ledger.path} is on {mount.describe()}; SQLite needs a local disk "
            "there (e.g. /var/lib/imprimfip/ledger.sqlite3)",
        )


def open_ledger(config: Config) -> Ledger:
    """The ledger, left closed while its disk is full, read-only or failing (the daemon
    starts paused and opens it once the disk heals); a file SQLite cannot open at all is a
    config error, which a restart would not mend."""
    path = config.ledger.path
    try:
        return Ledger(path, wait_for_disk=True)
    except LedgerFault as fault:
        raise _wrong_place(
            config,
            f"cannot open the ledger {path} ({fault.detail.code}): check that it and its "
            "folder exist and that the daemon's user may read and write them",
        ) from None


def _wrong_place(config: Config, what: str) -> ConfigError:
    """A setup error of `[ledger] path`, which the sysadmin must mend (exit 78)."""
    return ConfigError(str(config.source), [ConfigProblem("ledger.path", what)])
