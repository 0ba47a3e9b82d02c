"""What `imprimfip validate` loads before it answers: an application may call it for every
letter, so its parent and its worker import only what the check in hand needs (README,
"Performance and reliability"). Read from real processes with `python -X importtime`."""

import json
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from imprimfip.config.rules import ValidationRules
from tests.fixtures import pdfs

pytestmark = pytest.mark.slow

NEVER_IN_THE_PARENT = ("pypdf", "pypdfium2", "PIL", "pydantic", "structlog", "httpx", "aiohttp")
NOT_IN_A_WORKER_THAT_DRAWS_NOTHING = ("pypdfium2", "PIL.ImageDraw", "PIL.ImageFont")
NEVER_IN_A_WORKER = ("pydantic", "structlog", "asyncio")
LIBREOFFICE_LETTER = Path(__file__).parents[1] / "fixtures" / "libreoffice" / "lettre-ordinaire.pdf"


def imported(importtime_output: str) -> set[str]:
    """The modules a `python -X importtime` process imported, from its standard error."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in importtime_output.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    } - {"package"}


def loaded(modules: set[str], names: tuple[str, ...]) -> set[str]:
    return {m for m in modules if any(m == n or m.startswith(n + ".") for n in names)}


def run_worker(rules: ValidationRules, data: bytes) -> tuple[dict[str, object], set[str]]:
    """One check in a real worker process started as the pool starts it (plus -X
    importtime): its reply, and the modules it imported."""
    job = {"rules": asdict(rules), "want_address": False, "picture": "never"}
    job |= {"size": len(data), "memory_mb": 1024, "cpu_s": 30}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "imprimfip.validation.worker"],
        input=json.dumps(job).encode() + b"\n" + data,
        capture_output=True,
        timeout=90,
        check=True,
    )
    ready, reply = done.stdout.splitlines()[:2]
    assert ready == b'{"ready": true}'
    return json.loads(reply), imported(done.stderr.decode())


def test_a_worker_reads_no_page_with_pdfium_and_imports_it_not_when_the_flow_needs_none():
    # PDFium reads the address lines too, and the fonts of pages that declare a font not
    # embedded (reportlab's letters declare Helvetica): a letter as LibreOffice writes it,
    # fonts embedded, in a flow that checks no address either.
    drawn = ("window_clutter", "address_near_edge", "reserved_zone_ink")
    read = ("address_block", "address_lowercase", "address_accents")
    off = dict.fromkeys((*drawn, *read), "off")
    rules = replace(ValidationRules(), severity=replace(ValidationRules().severity, **off))
    reply, modules = run_worker(rules, LIBREOFFICE_LETTER.read_bytes())
    assert reply["report"]["findings"] == []
    assert "pypdf" in modules
    assert loaded(modules, NOT_IN_A_WORKER_THAT_DRAWS_NOTHING) == set()
    assert loaded(modules, NEVER_IN_A_WORKER) == set()


def test_a_worker_loads_pdfium_for_the_default_checks_and_still_no_pydantic():
    reply, modules = run_worker(ValidationRules(), pdfs.make_letter())
    assert reply["report"]["findings"] == []
    assert "pypdfium2" in modules
    assert loaded(modules, NEVER_IN_A_WORKER) == set()


def test_the_parent_of_imprimfip_validate_reads_no_pdf_itself(tmp_path: Path):
    letter = tmp_path / "courrier.pdf"
    letter.write_bytes(pdfs.make_letter())
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "imprimfip", "validate", str(letter)],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith(f"{letter}: ok (1 page)")
    modules = imported(done.stderr)
    assert "imprimfip.validation.pool" in modules
    assert loaded(modules, NEVER_IN_THE_PARENT) == set()
    assert loaded(modules, ("imprimfip.config.model", "imprimfip.validation.check")) == set()
