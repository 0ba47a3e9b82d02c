"""`imprimfip sandbox`: run the emulator in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from enum import IntEnum
from pathlib import Path

from imprimfip.sandbox.server import serve
from imprimfip.sandbox.settings import Faults, SandboxSettings, rate_fields

_DEFAULTS = SandboxSettings()


class ExitCode(IntEnum):
    """The same statuses as `imprimfip`'s (README, "Commands"), kept here because the
    emulator imports nothing of the daemon."""

    OK = os.EX_OK
    FAILED = 1
    USAGE = 2
    CONFIG = os.EX_CONFIG


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's options; defaults are SandboxSettings' own."""
    parser.add_argument("--host", default=_DEFAULTS.host, help="address to listen on")
    parser.add_argument("--port", type=int, default=_DEFAULTS.port, help="0 picks a free port")
    parser.add_argument(
        "--speed", type=float, default=_DEFAULTS.speed, help="simulated time per real time"
    )
    parser.add_argument(
        "--limit", type=int, default=_DEFAULTS.limit_per_minute, help="calls/minute, 0 = none"
    )
    parser.add_argument(
        "--user", action="append", default=[], metavar="NAME:PASSWORD", help="check credentials"
    )
    parser.add_argument(
        "--oauth-client",
        action="append",
        default=[],
        metavar="ID:SECRET",
        help="require bearer tokens from POST /token",
    )
    parser.add_argument("--token-lifetime", type=float, default=_DEFAULTS.token_lifetime_s)
    parser.add_argument("--state", type=Path, help="keep submissions in this JSON file")
    parser.add_argument("--seed", type=int, default=_DEFAULTS.seed)
    parser.add_argument(
        "--timezone", default=_DEFAULTS.timezone, help="zone of the service's clock (IANA name)"
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="NAME=P", help="inject a fault"
    )
    parser.add_argument("--latency", type=float, help="seconds added before every answer")
    for name in rate_fields():
        default = getattr(_DEFAULTS, name)
        parser.add_argument(
            "--" + name.replace("_", "-"),
            type=float,
            default=default,
            help=f"probability 0..1 (default {default})",
        )


def _pairs(values: list[str], separator: str, option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, found, rest = value.partition(separator)
        if not found or not key:
            raise ValueError(f"{option} expects KEY{separator}VALUE, got {key or value!r}")
        pairs[key] = rest
    return pairs


def _faults(args: argparse.Namespace) -> Faults:
    values: dict[str, object] = {}
    for name, text in _pairs(args.fault, "=", "--fault").items():
        try:
            values[name] = float(text)
        except ValueError:
            raise ValueError(f"--fault {name} expects a probability, got {text!r}") from None
    if args.latency is not None:
        values["latency_s"] = args.latency
    return Faults.from_mapping(values)


def settings_from(args: argparse.Namespace) -> SandboxSettings:
    """The settings the options describe; ValueError saying which option is wrong."""
    return SandboxSettings(
        host=args.host,
        port=args.port,
        speed=args.speed,
        limit_per_minute=args.limit,
        users=_pairs(args.user, ":", "--user"),
        oauth_clients=_pairs(args.oauth_client, ":", "--oauth-client"),
        token_lifetime_s=args.token_lifetime,
        faults=_faults(args),
        state_file=args.state,
        seed=args.seed,
        timezone=args.timezone,
        **{name: getattr(args, name) for name in rate_fields()},
    )


async def _serve_until_signalled(settings: SandboxSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(settings, stop)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM (exit OK).

    Bad options exit USAGE, an unreadable state file CONFIG, a port that cannot be bound FAILED.
    """
    try:
        settings = settings_from(args)
    except ValueError as exc:
        print(f"imprimfip sandbox: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        asyncio.run(_serve_until_signalled(settings))
    except ValueError as exc:  # an unreadable --state file
        print(f"imprimfip sandbox: {exc}", file=sys.stderr)
        return ExitCode.CONFIG
    except OSError as exc:
        print(
            f"imprimfip sandbox: cannot listen on {settings.host}:{settings.port}: {exc}",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    return ExitCode.OK
