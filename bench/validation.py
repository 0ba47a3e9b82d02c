"""Benchmark: validating a 5,000-page letter file against a bare pypdf open-and-iterate.

    .venv/bin/python -m bench.validation [--pages 5000] [--runs 5]     (from the checkout)

The file holds 2-page letters, each first page with an address block. Timings, each the
median of --runs runs in this process, the five taking turns run after run: pypdf opening
the file and iterating its pages (the floor), `check_pdf` with the whole file as one letter
(address read on page 1), `check_pdf` with `pages_per_letter = 2` (an address block read
on every other page), and `check_pdf` with the checks on drawn pages (PDFium) off.

reportlab declares Helvetica (not embedded) on every page without drawing with it, so the
fonts rule must look at every page's content to see it unused (PDFium's survey does, see
imprimfip.validation.survey). The same file without that
declaration (as Word or LibreOffice write theirs: only embedded fonts) shows the cost when
no page needs parsing. Then one `ValidatorPool` check, whose worker's peak memory is read
from /proc. The last line is a one-line summary.

Pictures (`--pictures N` refused one-page letters, each with a logo in the envelope window
and ink in the margin): pages a second drawing the picture of a refused letter
(`picture.draw`: PDFium's render, the window, the lines read, the marks, the legend, the
PNG) against a bare pypdfium2 render of the same page at the same resolution saved as a
PNG the same way (open, render, to Pillow, save), alternating page by page, each rate from
the median time of one page; then the same letters through a pool worker asking for
pictures, with its peak memory.

The real-corpus figure (`--corpus-rounds N`, 0 to skip): one `imprimfip validate -` call (the
real command, paths on standard input, default rules) over the PDFs made by other people's
tools that the tests keep (the template letters of tests/fixtures/letters, the LibreOffice
letters, the sample letters shipped with the package), the list given N times, against a
bare pypdf pass over the same paths in a process of its own (import pypdf, open each file,
extract each page's text). Both are whole processes, interpreter start included, run
alternately, each figure the median of --runs runs. `--corpus-only` skips the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
from pypdf import PdfReader, PdfWriter
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from tests.fixtures.pdfs import make_letter, make_letters

import imprimfip.service
from imprimfip.config.rules import ValidationRules
from imprimfip.validation import picture
from imprimfip.validation.check import check_pdf
from imprimfip.validation.geometry import MM_PER_POINT
from imprimfip.validation.pool import ValidatorPool
from imprimfip.validation.report import Report

CORPUS_FOLDERS = (
    Path(__file__).parents[1] / "tests" / "fixtures" / "letters" / "pdf",
    Path(__file__).parents[1] / "tests" / "fixtures" / "libreoffice",
    Path(imprimfip.service.__file__).parent / "samples",
)
BARE_TEXT_PASS = """
import sys
from pypdf import PdfReader
for path in sys.stdin.read().splitlines():
    for page in PdfReader(path).pages:
        page.extract_text()
"""
"""What a person writes to read every page's text of many files with pypdf."""


def corpus() -> list[Path]:
    """The PDFs made by other people's tools among the test fixtures (a sample that is a
    Word file renamed .pdf left out: the bare pass cannot open it)."""
    found = [path for folder in CORPUS_FOLDERS for path in sorted(folder.glob("*.pdf"))]
    return [path for path in found if b"%PDF-" in path.read_bytes()[:1024]]


def timed_process(command: list[str], paths: str) -> float:
    start = time.perf_counter()
    subprocess.run(command, input=paths, capture_output=True, text=True, check=False)
    return time.perf_counter() - start


def corpus_timings(paths: list[Path], runs: int) -> tuple[float, float]:
    """(seconds for one `imprimfip validate -` call over `paths`, seconds for the bare pypdf
    text pass over them), medians of alternate runs."""
    listing = "".join(f"{path}\n" for path in paths)
    validate = [str(Path(sys.executable).parent / "imprimfip"), "validate", "-"]
    bare = [sys.executable, "-c", BARE_TEXT_PASS]
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(timed_process(validate, listing))
        theirs.append(timed_process(bare, listing))
    return statistics.median(ours), statistics.median(theirs)


def bare_iterate(data: bytes) -> int:
    return sum(1 for _ in PdfReader(io.BytesIO(data)).pages)


def without_declared_helvetica(data: bytes) -> bytes:
    """The file with reportlab's shared, never-drawn Helvetica removed from its resources."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    del writer.pages[0]["/Resources"]["/Font"].get_object()["/F1"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def without_ink(rules: ValidationRules) -> ValidationRules:
    """`rules` with the checks on drawn pages off: what reading with pypdf alone costs."""
    off = dict.fromkeys(("window_clutter", "address_near_edge", "reserved_zone_ink"), "off")
    return replace(rules, severity=replace(rules.severity, **off))


def interleaved_medians(actions: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """The median seconds of each action, the actions taking turns run after run, so that
    a change in the machine's load falls on all of them alike."""
    timings: dict[str, list[float]] = {label: [] for label in actions}
    for _ in range(runs):
        for label, action in actions.items():
            start = time.perf_counter()
            action()
            timings[label].append(time.perf_counter() - start)
    return {label: statistics.median(seconds) for label, seconds in timings.items()}


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


def out_of_place(canvas: Canvas) -> None:
    """A logo in the envelope window and a footer in the printer's margin."""
    canvas.rect(150 * mm, (297 - 85) * mm, 30 * mm, 8 * mm, fill=1)
    canvas.rect(100 * mm, 1 * mm, 10 * mm, 2 * mm, fill=1)


def bare_picture(data: bytes) -> bytes:
    """What a person writes to get a PNG of page 1 with pypdfium2, at the picture's scale."""
    pdf = pdfium.PdfDocument(data)
    try:
        scale = picture.PICTURE_PX_PER_MM * MM_PER_POINT
        image = pdf[0].render(scale=scale, rev_byteorder=True).to_pil()
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=picture.PNG_COMPRESS_LEVEL)
        return out.getvalue()
    finally:
        pdf.close()


def picture_rates(
    letters: list[bytes], reports: list[Report], rules: ValidationRules, runs: int
) -> tuple[float, float, int]:
    """(pictures a second, bare renders a second, largest picture in bytes), each from the
    median time of one page; the two alternate page by page so that both see the same load."""
    ours, bare, largest = [], [], 0
    for _ in range(runs):
        for data, report in zip(letters, reports, strict=True):
            start = time.perf_counter()
            largest = max(largest, len(picture.draw(data, report, rules)))
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            bare_picture(data)
            bare.append(time.perf_counter() - start)
    return 1 / statistics.median(ours), 1 / statistics.median(bare), largest


async def pool_pictures(letters: list[bytes], rules: ValidationRules) -> tuple[float, float]:
    """Seconds for the letters through a one-worker pool drawing their pictures, and the
    worker's peak resident memory."""
    async with ValidatorPool(workers=1, timeout_s=600, memory_mb=1024) as pool:
        start = time.perf_counter()
        for data in letters:
            inspection = await pool.inspect(data, rules, picture="refused")
            if inspection.picture is None:
                raise SystemExit(f"no picture for a refused letter: {inspection.report}")
        elapsed = time.perf_counter() - start
        rss, _ = worker_peak_mb(pool._workers[0].process.pid)
    return elapsed, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pictures", type=int, default=50)
    parser.add_argument("--corpus-rounds", type=int, default=3)
    parser.add_argument("--corpus-only", action="store_true")
    args = parser.parse_args()
    if args.pictures < 1:
        parser.error("--pictures must be at least 1: the rates are medians over those pages")
    corpus_summary = ""
    if args.corpus_rounds:
        files = corpus()
        validate, bare_text = corpus_timings(files * args.corpus_rounds, args.runs)
        print(
            f"real corpus: {len(files)} files x {args.corpus_rounds}; one `imprimfip validate -` "
            f"call {validate:.2f} s, bare pypdf text pass {bare_text:.2f} s "
            f"(x{validate / bare_text:.2f}, target at most 1)"
        )
        corpus_summary = (
            f" corpus_files={len(files) * args.corpus_rounds} corpus_validate={validate:.2f}s "
            f"corpus_bare_text={bare_text:.2f}s (x{validate / bare_text:.2f})"
        )
        if args.corpus_only:
            print(f"SUMMARY{corpus_summary}")
            return
    data = make_letters(args.pages // 2, 2)
    one_letter = ValidationRules(max_pages=args.pages, max_seconds=600)
    per_letter = replace(one_letter, pages_per_letter=2)
    embedded_only = without_declared_helvetica(data)
    for rules in (one_letter, per_letter):
        if not (check_pdf(data, rules).ok and check_pdf(embedded_only, rules).ok):
            raise SystemExit("the benchmark files should pass every rule")
    print(f"file: {args.pages} pages, {len(data) / 1e6:.1f} MB; median of {args.runs} runs")
    timings = interleaved_medians(
        {
            "pypdf open + iterate pages": lambda: bare_iterate(data),
            "check_pdf, one letter": lambda: check_pdf(data, one_letter),
            "check_pdf, a letter every 2 pages": lambda: check_pdf(data, per_letter),
            "same, only embedded fonts declared": lambda: check_pdf(embedded_only, one_letter),
            "one letter, ink checks off": lambda: check_pdf(data, without_ink(one_letter)),
        },
        args.runs,
    )
    bare = timings["pypdf open + iterate pages"]
    for label, seconds in timings.items():
        rate = args.pages / seconds
        print(f"{label:38} {seconds:7.2f} s  {rate:8.0f} pages/s  x{seconds / bare:.2f}")
    pooled, rss, virtual = asyncio.run(pool_check(data, per_letter))
    print(f"{'pool (worker, a letter every 2 pages)':38} {pooled:7.2f} s  one run")
    print(f"worker peak memory: {rss:.0f} MB resident, {virtual:.0f} MB virtual (RLIMIT_AS)")
    refused = [make_letter(extra=out_of_place) for _ in range(args.pictures)]
    rules = ValidationRules()
    reports = [check_pdf(data, rules) for data in refused]
    drawn, rendered, largest = picture_rates(refused, reports, rules, args.runs)
    print(
        f"pictures of refused pages: {drawn:.0f} pages/s; bare pypdfium2 render to PNG: "
        f"{rendered:.0f} pages/s (x{rendered / drawn:.2f} the time); largest {largest} bytes"
    )
    through_pool, picture_rss = asyncio.run(pool_pictures(refused, rules))
    print(
        f"{'pool, check + picture':38} {through_pool:7.2f} s  "
        f"{len(refused) / through_pool:8.0f} letters/s; worker peak {picture_rss:.0f} MB resident"
    )
    whole, each, lean, inkless = list(timings.values())[1:]
    print(
        f"SUMMARY pages={args.pages} bare={bare:.2f}s check={whole:.2f}s "
        f"(x{whole / bare:.1f}, {args.pages / whole:.0f} pages/s) "
        f"per-letter={each:.2f}s (x{each / bare:.1f}) embedded-only={lean:.2f}s "
        f"(x{lean / bare:.2f}) ink-off={inkless:.2f}s (x{inkless / bare:.2f}) "
        f"worker_peak_rss={rss:.0f}MB worker_peak_vm={virtual:.0f}MB "
        f"pictures={drawn:.0f}/s bare_render={rendered:.0f}/s (x{rendered / drawn:.2f}) "
        f"picture_max={largest}B picture_worker_rss={picture_rss:.0f}MB{corpus_summary}"
    )


if __name__ == "__main__":
    main()
