"""Benchmark: how long `imprimfip validate` and `imprimfip status` take to run once, against
`python -c "import pypdf"` started the same way.

    .venv/bin/python -m bench.startup [--runs 7]     (from the checkout)

Each command is a fresh process (as an application calling it pays), timed from start to
exit, the median of --runs runs, the commands taking turns so that the machine's load falls
on all of them alike: `validate` on a one-page letter (its worker process included), and
`status` on a config whose ledger holds no letter. Ratios are against the pypdf import; the
last line is the one-line SUMMARY.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter

from imprimfip.ledger import Ledger


def _once(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        letter = work / "courrier.pdf"
        letter.write_bytes(make_letter())
        config = write_config(work, "http://127.0.0.1:9")
        # An empty ledger, so that status opens it and reads its lines as it does every day.
        (work / "state").mkdir()
        Ledger(work / "state" / "ledger.sqlite3").close()
        env = {**os.environ, "IMPRIMFIP_PASSWORD": "unused"}
        imprimfip = [sys.executable, "-m", "imprimfip"]
        commands = {
            "python -c 'import pypdf'": [sys.executable, "-c", "import pypdf"],
            "imprimfip validate (1 page)": [*imprimfip, "validate", str(letter)],
            "imprimfip status": [*imprimfip, "status", "--config", str(config)],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(_once(command, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    floor = medians["python -c 'import pypdf'"]
    for name, value in medians.items():
        print(f"{name:30} {value:6.3f} s  x{value / floor:.2f}")
    validate, status = medians["imprimfip validate (1 page)"], medians["imprimfip status"]
    print(
        f"SUMMARY validate={validate:.3f}s (x{validate / floor:.2f}) status={status:.3f}s "
        f"(x{status / floor:.2f}) import_pypdf={floor:.3f}s runs={args.runs}"
    )


if __name__ == "__main__":
    main()
