"""`imprimfip validate [--config FILE] [--flow NAME] [--json] [--preview DIR] FILE...`.

A FILE `-` reads paths on standard input, one a line.

Checks files with a flow's rules (or the defaults) without depositing anything, in the same
bounded worker processes as the daemon. Exit status: 0 when every file passes, 1 when at
least one is rejected (or could not be fully checked), 2 on a usage or config error. With
`--json`, one JSON array on stdout, one object per file:
`{"path", "ok", "pages", "findings": [{"code", "severity", "page", "message"}], "picture"}`.
With `--preview DIR`, the picture of each file's page (the one a refusal concerns, else the
first) is written to DIR as `<file name>.png`, good letters included: the window, the
address lines read, what is out of place.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import import_module
from pathlib import Path

from imprimfip.validation.launch import launch


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML config file whose flow rules to use")
    parser.add_argument("--flow", help="the flow whose validation rules apply (needs --config)")
    parser.add_argument("--json", action="store_true", help="print one JSON array on stdout")
    parser.add_argument(
        "--preview",
        type=Path,
        metavar="DIR",
        help="write the picture of each file's page to DIR as <file name>.png",
    )
    parser.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="PDF files to check; - reads their paths from standard input, one a line",
    )


def _paths(given: list[Path]) -> list[Path]:
    """The files named, `-` replaced by the paths read on standard input (blank lines
    skipped): an application checks many letters in one call."""
    paths: list[Path] = []
    for path in given:
        if str(path) == "-":
            paths.extend(Path(line) for line in sys.stdin.read().splitlines() if line.strip())
        else:
            paths.append(path)
    return paths


def _launch(count: int) -> list[subprocess.Popen[bytes]]:
    """`count` workers, started before anything else is imported: their start-up is most
    of what an application calling us for each letter waits for (README, "Performance and
    reliability"). None when they cannot be: the pool then says why."""
    try:
        return [launch() for _ in range(count)]
    except OSError:
        return []


def run(args: argparse.Namespace) -> int:
    """Check `args.files`; print the results; return the exit status."""
    files = _paths(args.files)
    # One worker even for no file: the config given is checked all the same.
    launched = _launch(min(2, max(len(files), 1)))
    # The pool, asyncio and the config's loading come after the workers are on their way.
    checks = import_module("imprimfip.service.validate_files")
    return int(checks.check_and_print(args, files, launched))
