"""Logging: structlog for everything, JSON lines with a syslog level prefix for journald.

`journalctl -p warning` filters on the `<N>` prefix that systemd reads from each line of a
service's standard error; on a terminal the output is readable instead. Python's warnings
and the traceback of a crash (main thread or another) take the same path: printed bare,
they would reach the journal as many lines at the default priority, which `-p warning`
hides, just when the sysadmin needs them most.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType
from typing import Any, TextIO

import structlog

_SYSLOG_LEVELS = {
    "critical": 2,
    "exception": 3,
    "error": 3,
    "warning": 4,
    "info": 6,
    "debug": 7,
}


def _syslog_prefix(_: Any, method: str, rendered: str) -> str:
    return f"<{_SYSLOG_LEVELS.get(method, 6)}>{rendered}"


def _stdlib_level(_: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    event.setdefault("level", method)
    return event


def _log_crash(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    structlog.get_logger(__name__).critical("crashed", exc_info=(kind, error, trace))


def _log_thread_crash(args: threading.ExceptHookArgs) -> None:
    structlog.get_logger(__name__).error(
        "thread_crashed",
        thread=args.thread.name if args.thread is not None else None,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def configure(level: str = "info", fmt: str = "auto", stream: TextIO | None = None) -> None:
    """Set up structlog and route through it the stdlib loggers (httpx, watchdog), Python's
    warnings and uncaught exceptions."""
    stream = stream or sys.stderr
    as_json = fmt == "json" or (fmt == "auto" and not stream.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if as_json:
        renderer: list[Any] = [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
            _syslog_prefix,
        ]
    else:
        renderer = [structlog.dev.ConsoleRenderer(colors=stream.isatty())]
    numeric = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[*shared, *renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            # The validation package's records carry their fields in `extra`.
            foreign_pre_chain=[*shared[1:], structlog.stdlib.ExtraAdder(), _stdlib_level],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    logging.captureWarnings(True)
    sys.excepthook = _log_crash
    threading.excepthook = _log_thread_crash
    # httpx logs each request URL at INFO; our client logs calls itself, without secrets.
    logging.getLogger("httpx").setLevel(max(numeric, logging.WARNING))
    logging.getLogger("httpcore").setLevel(max(numeric, logging.WARNING))
    # watchdog logs every inotify event at DEBUG: far too much even for debugging us.
    logging.getLogger("watchdog").setLevel(max(numeric, logging.INFO))
    # Its inotify emitter logs an error when an event arrives while it stops, which every
    # stop can do; a watcher that really fails is seen dead and restarted by the inbox.
    logging.getLogger("watchdog.observers.inotify").setLevel(logging.CRITICAL)
