"""Logging for processes that do without structlog: the validation workers and
`imprimfip validate`, which an application may start for every letter.

The validation package logs through the standard `logging` module, its fields in `extra`;
the daemon renders those records with its own structlog setup (service/logs.py), these
processes with `configure`: one line a record on stderr, `<N>` (its syslog priority, which
journald reads) then the event and its fields as key=value, then any traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_PRIORITIES = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6}


class _KeyValues(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS}
        line = " ".join(
            [f"<{_PRIORITIES.get(record.levelno, 7)}>{record.getMessage()}"]
            + [f"{key}={value!r}" for key, value in fields.items()]
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(level: int = logging.WARNING, stream: TextIO | None = None) -> None:
    """Send records of `level` and above to `stream` (stderr), one line each."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_KeyValues())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
