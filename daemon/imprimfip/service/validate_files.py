"""The files `imprimfip validate` was given, checked in the worker processes it launched
(service/validate.py), and the results printed as text or JSON, with the pictures of
`--preview` written."""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from imprimfip.config.rules import LONGEST_CHECK_S, ValidationRules
from imprimfip.errors import ConfigError
from imprimfip.exitcodes import ExitCode
from imprimfip.validation import plainlog
from imprimfip.validation.pool import Inspection, ValidatorPool, ValidatorUnavailable
from imprimfip.validation.report import Report

_PROG = "imprimfip validate"


class _UsageError(Exception):
    pass


def _rules(config_path: Path | None, flow_name: str | None) -> ValidationRules:
    """The named flow's rules; the only flow's when there is one; else the defaults."""
    if config_path is None:
        if flow_name is not None:
            raise _UsageError("--flow needs --config, the file where the flow is defined")
        return ValidationRules()
    # The whole config model (and pydantic) only when a config is given.
    from imprimfip.config.load import load_config  # noqa: PLC0415

    config = load_config(config_path, secrets=False)
    names = [flow.name for flow in config.flows]
    if flow_name is None and len(names) == 1:
        return config.flows[0].validation
    if flow_name in names:
        return config.flow(flow_name).validation
    wanted = f"no flow named {flow_name!r}" if flow_name else "several flows"
    raise _UsageError(f"{config_path} has {wanted}: choose one with --flow ({', '.join(names)})")


async def _check_files(
    paths: list[Path], args: argparse.Namespace, launched: list[subprocess.Popen[bytes]]
) -> list[Inspection | str]:
    """A Report (and picture, for a preview) per path, or why the file could not be read,
    in the order given.

    The pool takes over the workers `launched` first thing; their start-up (pypdf, the
    checks) goes on while the config is loaded here.
    """
    workers = min(2, max(len(paths), 1))
    # A file read ahead for each worker: a worker that answers gets its next file at
    # once, without waiting for the read.
    slots = asyncio.Semaphore(2 * workers)
    # The flow's max_seconds is not known yet: each check gets the least of both.
    pool = ValidatorPool(workers=workers, timeout_s=LONGEST_CHECK_S, launched=launched)
    starting = asyncio.ensure_future(pool.start())
    try:
        rules = await asyncio.to_thread(_rules, args.config, args.flow)
        await starting

        async def one(path: Path) -> Inspection | str:
            async with slots:
                try:
                    data = await asyncio.to_thread(path.read_bytes)
                except OSError as exc:
                    return exc.strerror or str(exc)
                if args.preview is None:
                    return Inspection(await pool.check(data, rules))
                return await pool.inspect(data, rules, want_address=True, picture="always")

        return await asyncio.gather(*(one(path) for path in paths))
    finally:
        # A start still under way (the config was refused) ends before the pool closes,
        # so that no worker is left behind.
        await asyncio.gather(starting, return_exceptions=True)
        await pool.close()


def _save_pictures(folder: Path, checked: list[tuple[Path, Inspection]]) -> dict[Path, Path]:
    """Write each picture to `folder` as `<file name>.png` (numbered when two files given
    share a name); where each file's picture went."""
    # Only with --preview: the atomic writes (and the crash points of the tests) they use.
    from imprimfip.moves import write_atomic  # noqa: PLC0415

    saved: dict[Path, Path] = {}
    for path, inspection in checked:
        if inspection.picture is None:
            continue
        target, number = folder / f"{path.name}.png", 1
        while target in saved.values():
            number += 1
            target = folder / f"{path.name} ({number}).png"
        write_atomic(target, inspection.picture)
        saved[path] = target
    return saved


def _as_json(path: Path, report: Report, picture: Path | None) -> dict[str, Any]:
    findings = [
        {"code": f.code, "severity": f.severity, "page": f.page, "message": f.message}
        for f in report.findings
    ]
    document = {"path": str(path), "ok": report.ok, "pages": report.pages, "findings": findings}
    return {**document, "picture": str(picture) if picture else None}


def _as_text(path: Path, report: Report, picture: Path | None) -> str:
    verdict = "ok" if report.ok else "rejected"
    # No page count for a file that could not be opened: "0 pages" would read as empty.
    pages = f"{report.pages} page{'s' if report.pages != 1 else ''}"
    lines = [f"{path}: {verdict} ({pages if report.pages else 'page count unknown'})"]
    for f in report.findings:
        where = f" page {f.page}" if f.page is not None else ""
        lines.append(f"  {f.severity}{where} [{f.code}] {f.message}")
    if picture is not None:
        lines.append(f"  picture: {picture}")
    return "\n".join(lines)


def check_and_print(
    args: argparse.Namespace, files: list[Path], launched: list[subprocess.Popen[bytes]]
) -> int:
    """Check `files` with the options of `args`; print the results; the exit status."""
    plainlog.configure()
    try:
        results = asyncio.run(_check_files(files, args, launched))
    except ConfigError as error:
        print(f"{_PROG}: the configuration cannot be used:\n{error}", file=sys.stderr)
        return ExitCode.USAGE
    except _UsageError as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return ExitCode.USAGE
    except ValidatorUnavailable as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return ExitCode.FAILED
    status = ExitCode.OK
    checked = []
    for path, result in zip(files, results, strict=True):
        if isinstance(result, str):
            print(f"{_PROG}: cannot read {path}: {result}", file=sys.stderr)
            status = ExitCode.USAGE
            continue
        checked.append((path, result))
        if result.report.unchecked:
            print(
                f"{_PROG}: {path}: some checks could not run because of a bug (see the log "
                f"above): {', '.join(result.report.unchecked)}",
                file=sys.stderr,
            )
        if (not result.report.ok or result.report.unchecked) and status == ExitCode.OK:
            status = ExitCode.FAILED
    try:
        pictures = _save_pictures(args.preview, checked) if args.preview else {}
    except OSError as error:
        print(f"{_PROG}: cannot write the pictures in {args.preview}: {error}", file=sys.stderr)
        return ExitCode.USAGE
    rows = [(path, inspection.report, pictures.get(path)) for path, inspection in checked]
    if args.json:
        print(json.dumps([_as_json(*row) for row in rows], ensure_ascii=False, indent=2))
    else:
        print("\n".join(_as_text(*row) for row in rows))
    return status
