"""Benchmark: validating a 5,000-page letter file against a bare pypdf open-and-iterate.

    .venv/bin/python -m bench.validation [--pages 5000] [--runs 5]     (from the checkout)

The file holds 2-page letters, each first page with an address block. Timings, each the
median of --runs runs in this process: pypdf opening the file and iterating its pages (the
floor), `check_pdf` with the whole file as one letter (address read on page 1), and
`check_pdf` with `pages_per_letter = 2` (an address block read on every other page).

reportlab declares Helvetica (not embedded) on every page without drawing with it, so the
fonts rule must parse every page's content to see it unused. The same file without that
declaration (as Word or LibreOffice write theirs: only embedded fonts) shows the cost when
no page needs parsing. Then one `ValidatorPool` check, whose worker's peak memory is read
from /proc. The last line is a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from tests.fixtures.pdfs import make_letters

from imprimfip.config.rules import ValidationRules
from imprimfip.validation.check import check_pdf
from imprimfip.validation.pool import ValidatorPool


def bare_iterate(data: bytes) -> int:
    return sum(1 for _ in PdfReader(io.BytesIO(data)).pages)


def without_declared_helvetica(data: bytes) -> bytes:
    """The file with reportlab's shared, never-drawn Helvetica removed from its resources."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    del writer.pages[0]["/Resources"]["/Font"].get_object()["/F1"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def median_seconds(action: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def worker_peak_mb(pid: int) -> tuple[float, float]:
    """(peak resident MB, peak virtual MB) of a live process, from /proc."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(status["VmHWM"].split()[0]) / 1024, int(status["VmPeak"].split()[0]) / 1024


async def pool_check(data: bytes, rules: ValidationRules) -> tuple[float, float, float]:
    """Seconds for one check through a fresh one-worker pool, and the worker's peaks."""
    async with ValidatorPool(workers=1, timeout_s=600, memory_mb=4096) as pool:
        start = time.perf_counter()
        report = await pool.check(data, rules)
        elapsed = time.perf_counter() - start
        if not report.ok:
            raise SystemExit(f"the benchmark file should pass: {report.findings}")
        rss, virtual = worker_peak_mb(pool._workers[0].process.pid)
    return elapsed, rss, virtual


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = make_letters(args.pages // 2, 2)
    one_letter = ValidationRules(max_pages=args.pages, max_seconds=600)
    per_letter = one_letter.model_copy(update={"pages_per_letter": 2})
    embedded_only = without_declared_helvetica(data)
    for rules in (one_letter, per_letter):
        if not (check_pdf(data, rules).ok and check_pdf(embedded_only, rules).ok):
            raise SystemExit("the benchmark files should pass every rule")
    print(f"file: {args.pages} pages, {len(data) / 1e6:.1f} MB; median of {args.runs} runs")
    bare = median_seconds(lambda: bare_iterate(data), args.runs)
    timings = {
        "pypdf open + iterate pages": bare,
        "check_pdf, one letter": median_seconds(lambda: check_pdf(data, one_letter), args.runs),
        "check_pdf, a letter every 2 pages": median_seconds(
            lambda: check_pdf(data, per_letter), args.runs
        ),
        "same, only embedded fonts declared": median_seconds(
            lambda: check_pdf(embedded_only, one_letter), args.runs
        ),
    }
    for label, seconds in timings.items():
        rate = args.pages / seconds
        print(f"{label:38} {seconds:7.2f} s  {rate:8.0f} pages/s  x{seconds / bare:.2f}")
    pooled, rss, virtual = asyncio.run(pool_check(data, per_letter))
    print(f"{'pool (worker, a letter every 2 pages)':38} {pooled:7.2f} s  one run")
    print(f"worker peak memory: {rss:.0f} MB resident, {virtual:.0f} MB virtual (RLIMIT_AS)")
    whole, each, lean = list(timings.values())[1:]
    print(
        f"SUMMARY pages={args.pages} bare={bare:.2f}s check={whole:.2f}s "
        f"(x{whole / bare:.1f}, {args.pages / whole:.0f} pages/s) "
        f"per-letter={each:.2f}s (x{each / bare:.1f}) embedded-only={lean:.2f}s "
        f"(x{lean / bare:.2f}) worker_peak_rss={rss:.0f}MB worker_peak_vm={virtual:.0f}MB"
    )


if __name__ == "__main__":
    main()
