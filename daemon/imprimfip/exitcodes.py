"""Exit statuses are an interface (systemd's RestartPreventExitStatus=, scripts): one place."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    # sysexits.h EX_DATAERR: the ledger file is damaged; restarting cannot mend it, a
    # person restores the latest backup.
    LEDGER_DAMAGED = 65
    # sysexits.h EX_CONFIG: a bad config must not make systemd restart in a loop.
    CONFIG = 78
