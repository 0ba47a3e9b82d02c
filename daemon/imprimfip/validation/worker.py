"""The child process that reads PDFs for `ValidatorPool`: `python -m imprimfip.validation.worker`.

Started once and reused. pypdf and the checks are imported before the worker says it is
ready; PDFium and Pillow only when a page is drawn, pydantic and structlog never: an
application calling `imprimfip validate` waits for this start-up (see README, "Performance
and reliability"). Protocol, on stdin and the original stdout (binary):

    worker -> pool   {"ready": true}\\n                        once, after start-up
    pool -> worker   {"rules": ..., "want_address": ..., "picture": W, "size": N,
                      "memory_mb": M, "cpu_s": S}\\n  then N bytes of PDF
    worker -> pool   {"report": ..., "picture": P}\\n          Report.to_dict(), then
                                                          P bytes of PNG (P may be 0)

W says when to draw the picture of the page concerned: "never", "refused" (when a layout
error or a missing registered-letter address refuses the letter) or "always".

Before each file the worker lowers its own address-space limit (RLIMIT_AS) to M MB and
allows itself S more seconds of CPU (RLIMIT_CPU counts the process's whole life, so the
limit moves with each file); the kernel ends a worker that overruns its CPU time, and the
pool ends one that overruns its wall-clock time.
"""

from __future__ import annotations

import json
import logging
import math
import os
import resource
import sys
from typing import BinaryIO

from imprimfip.config.rules import ValidationRules, rules_from_dict
from imprimfip.validation import plainlog
from imprimfip.validation.check import check_pdf
from imprimfip.validation.report import Report

log = logging.getLogger(__name__)

_MB = 1024 * 1024


def _limit_memory(memory_mb: int | None) -> None:
    """Cap the address space at `memory_mb` MB, or lift the cap (None) between files."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = hard if memory_mb is None else memory_mb * _MB
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _limit_cpu(cpu_s: float) -> None:
    """Allow `cpu_s` more seconds of CPU from now (RLIMIT_CPU counts the whole life)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    soft_cpu = math.ceil(usage.ru_utime + usage.ru_stime + cpu_s)
    if hard_cpu != resource.RLIM_INFINITY:
        soft_cpu = min(soft_cpu, hard_cpu)
    resource.setrlimit(resource.RLIMIT_CPU, (soft_cpu, hard_cpu))


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """Answer jobs until the pool closes our stdin."""
    replies.write(b'{"ready": true}\n')
    replies.flush()
    # The last rules received, read once: the same flow's come file after file.
    known: tuple[object, ValidationRules] | None = None
    while header := requests.readline():
        job = json.loads(header)
        data = requests.read(job["size"])
        if known is None or known[0] != job["rules"]:
            known = (job["rules"], rules_from_dict(job["rules"]))
        rules = known[1]
        _limit_cpu(job["cpu_s"])
        _limit_memory(job["memory_mb"])
        png = b""
        try:
            report = check_pdf(data, rules, want_address=job["want_address"])
            png = _picture(data, report, rules, job.get("picture", "never"), job["want_address"])
            reply: dict[str, object] = {"report": report.to_dict(), "picture": len(png)}
        except Exception as exc:
            # check_pdf answers for every fault of the file: anything escaping it is ours.
            log.error("validation_worker_bug", exc_info=exc)
            reply = {"bug": f"{type(exc).__name__}: {exc}"}
        finally:
            del data
            _limit_memory(None)
        replies.write(json.dumps(reply).encode() + b"\n" + png)
        replies.flush()


def _picture(
    data: bytes, report: Report, rules: ValidationRules, when: str, address: bool
) -> bytes:
    """The picture asked for, or b"" when none is (or it cannot be drawn: the letter was
    checked all the same, the picture only explains it)."""
    if when == "never":
        return b""
    # Pillow's drawing and fonts, loaded only when a picture is asked for.
    from imprimfip.validation import picture  # noqa: PLC0415

    wanted = (
        picture.is_drawable(report)
        if when == "always"
        else when == "refused" and picture.explains_refusal(report, address_needed=address)
    )
    if not wanted:
        return b""
    try:
        return picture.draw(data, report, rules)
    except Exception as exc:
        log.error("validation_picture_failed", exc_info=exc)
        return b""


def main() -> None:
    # Keep the real stdout for replies; anything else printed (a library's warning, a
    # logger writing to stdout) goes to stderr instead of corrupting the protocol.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    plainlog.configure(logging.ERROR)
    # pypdf logs a warning for every repairable defect; hostile files would flood the journal.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    serve(sys.stdin.buffer, replies)
    # Every reply is flushed: skip the interpreter's teardown of pypdf and PDFium, which
    # the pool (and an application waiting for `imprimfip validate`) would wait for.
    os._exit(0)


if __name__ == "__main__":
    main()
