"""`imprimfip backup DEST`: a consistent copy of the live ledger, and what to do when the
ledger is damaged (README, "Back up and restore the ledger").

The copy is safe while the daemon runs (see `ledger/backup.py`). DEST is a file, or a
folder that receives `ledger-YYYYMMDD-HHMMSS.sqlite3`. Run it as the service's user (or
root) so that the copy can read the ledger.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import shlex
import sys
from datetime import datetime
from pathlib import Path

from imprimfip.config import load_config
from imprimfip.errors import ConfigError, LedgerDamaged
from imprimfip.exitcodes import ExitCode
from imprimfip.ledger.backup import backup_name, copy_ledger, latest
from imprimfip.service.config_file import DEFAULT_CONFIG, report_config_error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="TOML config file")
    parser.add_argument(
        "destination",
        type=Path,
        metavar="DEST",
        help="file to write, or an existing folder to write ledger-YYYYMMDD-HHMMSS.sqlite3 in",
    )


def destination_file(destination: Path, now: datetime) -> Path:
    return destination / backup_name(now) if destination.is_dir() else destination


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config, secrets=False)
    except ConfigError as error:
        return report_config_error(error)
    target = destination_file(args.destination, datetime.now())
    try:
        copy = copy_ledger(config.ledger.path, target)
    except LedgerDamaged as error:
        return report_damaged_ledger(error, config.ledger.backup_dir)
    except OSError as exc:
        print(
            f"imprimfip: cannot back up the ledger {config.ledger.path} to {target}: "
            f"{exc.strerror or exc}. Check that the ledger exists and is readable by this "
            "user, and that the destination's folder exists, is writable and has room.",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    print(
        f"Backed up the ledger {config.ledger.path} to {copy.path} "
        f"({copy.size:,} bytes, checked, {copy.seconds:.1f} s)."
    )
    return ExitCode.OK


def _latest_backup(folder: Path | None) -> Path | None:
    if folder is None:
        return None
    try:
        name = latest(os.listdir(folder))
    except OSError:
        return None
    return None if name is None else folder / name


def _owner(path: Path) -> str:
    """`-o USER -g GROUP -m MODE` for `install`, as the damaged ledger had them."""
    info = path.stat()
    try:
        user = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        user = str(info.st_uid)
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    return f"-o {user} -g {group} -m {info.st_mode & 0o777:o}"


def restore_steps(ledger: Path, backup: Path | None) -> list[str]:
    """The commands that put `backup` in place of the damaged `ledger`, its -wal and -shm
    set aside (a stale -wal would be replayed into the restored copy)."""
    aside = ledger.parent / f"damaged-{datetime.now():%Y%m%d-%H%M%S}"
    source = shlex.quote(str(backup)) if backup is not None else "BACKUP"
    quoted = shlex.quote(str(ledger))
    owner = _owner(ledger) if ledger.exists() else "-m 600"
    return [
        "systemctl stop imprimfip",
        f"mkdir {shlex.quote(str(aside))}",
        f"mv {quoted} {quoted}-wal {quoted}-shm {shlex.quote(str(aside))}/ 2>/dev/null",
        f"install {owner} {source} {quoted}",
        "systemctl start imprimfip",
    ]


def report_damaged_ledger(error: LedgerDamaged, backup_dir: Path | None) -> int:
    """Say what is wrong and how to restore the latest backup; exit LEDGER_DAMAGED, which
    the unit lists in RestartPreventExitStatus= (restarting cannot mend a file)."""
    prefix = "" if sys.stderr.isatty() else "<2>"
    backup = _latest_backup(backup_dir)
    if backup is not None:
        found = f"The latest backup in [ledger] backup_dir is {backup}."
    elif backup_dir is not None:
        found = f"No backup was found in [ledger] backup_dir ({backup_dir}): use the latest"
        found += " copy made with `imprimfip backup`, in place of BACKUP below."
    else:
        found = "Use the latest copy made with `imprimfip backup`, in place of BACKUP below."
    lines = [
        f"imprimfip: the ledger {error.path} is damaged (SQLite: {error.detail}).",
        "  It was left as it is. Restarting cannot mend it: restore the latest backup",
        '  (README, "Back up and restore the ledger"). ' + found,
        *(f"    {step}" for step in restore_steps(error.path, backup)),
        "  Letters deposited since that backup keep their receipts in done/ but are no",
        "  longer followed; check processing/ for letters the restored ledger does not know.",
    ]
    for line in lines:
        print(prefix + line, file=sys.stderr)
    return ExitCode.LEDGER_DAMAGED
