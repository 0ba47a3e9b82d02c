"""ValidatorPool: real child processes, bounded in time and memory, replaced when lost."""

import asyncio
import json
import os
import signal
import sys
from asyncio.subprocess import PIPE
from dataclasses import asdict
from pathlib import Path

import pytest

from imprimfip.config.rules import ValidationRules
from imprimfip.validation.launch import launch
from imprimfip.validation.pool import ValidatorPool, ValidatorUnavailable, _Worker
from tests.fixtures import pdfs
from tests.fixtures.waiting import wait_until

RULES = ValidationRules()


@pytest.fixture
async def pool():
    async with ValidatorPool(workers=1, timeout_s=20.0, memory_mb=768) as started:
        yield started


async def test_a_letter_passes_and_its_address_is_read(pool):
    report = await pool.check(pdfs.make_letter(), RULES, want_address=True)
    assert report.ok
    assert report.pages == 1
    assert report.address is not None
    assert (report.address.zip_code, report.address.town) == ("75011", "PARIS")


async def test_the_worker_is_reused_between_letters(pool):
    [worker] = pool._workers
    for _ in range(3):
        assert (await pool.check(pdfs.make_letter(), RULES)).ok
    assert pool._workers == [worker]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (pdfs.make_bomb, "limit"),
        (pdfs.make_deep_nesting, "nesting"),
        (pdfs.make_recursive_form, "limit"),
    ],
)
@pytest.mark.slow
async def test_a_hostile_pdf_is_too_complex_and_the_next_letter_is_checked(pool, make, reason):
    report = await pool.check(make(), RULES)
    assert [(f.code, f.details["reason"]) for f in report.findings] == [("too_complex", reason)]
    assert not report.ok
    assert (await pool.check(pdfs.make_letter(), RULES)).ok


async def test_a_file_that_reads_too_long_is_stopped_at_the_flow_s_time_bound(pool):
    rules = ValidationRules(max_seconds=1.0)
    report = await pool.check(pdfs.make_slow(), rules)
    [finding] = report.findings
    assert (finding.code, finding.details["reason"]) == ("too_complex", "time")
    assert "temps" in finding.message
    assert (await pool.check(pdfs.make_letter(), RULES)).ok


@pytest.mark.slow
async def test_a_file_that_needs_too_much_memory_is_stopped_at_the_memory_bound(pool):
    rules = ValidationRules(max_memory_mb=160)
    report = await pool.check(pdfs.make_inflating(70), rules)
    assert [(f.code, f.details["reason"]) for f in report.findings] == [("too_complex", "memory")]
    assert (await pool.check(pdfs.make_letter(), RULES)).ok


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def test_a_worker_that_dies_mid_file_is_replaced(pool):
    [worker] = pool._workers
    pid = worker.process.pid
    busy = asyncio.create_task(pool.check(pdfs.make_slow(), RULES))
    start = cpu_seconds(pid)
    await asyncio.to_thread(wait_until, lambda: cpu_seconds(pid) > start + 0.3)
    os.kill(pid, signal.SIGKILL)
    report = await busy
    assert [(f.code, f.details["reason"]) for f in report.findings] == [("too_complex", "crash")]
    assert (await pool.check(pdfs.make_letter(), RULES)).ok
    assert pool._workers[0].process.pid != pid


async def test_a_cancelled_check_leaves_the_pool_usable(pool):
    busy = asyncio.create_task(pool.check(pdfs.make_slow(), RULES))
    pid = pool._workers[0].process.pid
    start = cpu_seconds(pid)
    await asyncio.to_thread(wait_until, lambda: cpu_seconds(pid) > start + 0.2)
    busy.cancel()
    with pytest.raises(asyncio.CancelledError):
        await busy
    assert (await pool.check(pdfs.make_letter(), RULES)).ok


async def test_checks_run_side_by_side_on_several_workers():
    async with ValidatorPool(workers=2, timeout_s=20.0) as pool:
        letters = [pdfs.make_letter(), pdfs.make_html(), pdfs.make_letter(page_size=pdfs.A5)]
        reports = await asyncio.gather(*(pool.check(data, RULES) for data in letters * 2))
        assert [r.ok for r in reports] == [True, False, False] * 2
        pids = {worker.process.pid for worker in pool._workers}
    assert len(pids) == 2
    with pytest.raises(RuntimeError):
        await pool.check(pdfs.make_letter(), RULES)


@pytest.mark.slow
async def test_the_cpu_limit_ends_a_worker_even_without_the_pool_s_clock():
    worker = await _Worker.start()
    process = worker.process
    try:
        data = pdfs.make_slow()
        job = {"rules": asdict(RULES), "want_address": False}
        job |= {"size": len(data), "memory_mb": 1024, "cpu_s": 1}
        process.stdin.write(json.dumps(job).encode() + b"\n" + data)
        await process.stdin.drain()
        assert await asyncio.wait_for(process.stdout.readline(), 60) == b""
        assert await asyncio.wait_for(process.wait(), 60) == -signal.SIGXCPU
    finally:
        worker.kill()
        await process.wait()


async def test_a_bug_escaping_check_pdf_is_reported_as_ours_and_the_worker_goes_on():
    broken_worker = (
        "import imprimfip.validation.worker as worker\n"
        "def broken(*args, **kwargs):\n"
        "    raise TypeError('a bug in our code')\n"
        "worker.check_pdf = broken\n"
        "worker.main()\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", broken_worker, stdin=PIPE, stdout=PIPE, stderr=PIPE
    )
    try:
        assert await asyncio.wait_for(process.stdout.readline(), 60) == b'{"ready": true}\n'
        data = pdfs.make_letter()
        job = {"rules": asdict(RULES), "want_address": False}
        job |= {"size": len(data), "memory_mb": 1024, "cpu_s": 30}
        for _ in range(2):
            process.stdin.write(json.dumps(job).encode() + b"\n" + data)
            await process.stdin.drain()
            reply = json.loads(await asyncio.wait_for(process.stdout.readline(), 60))
            assert reply == {"bug": "TypeError: a bug in our code"}
        process.stdin.close()
        assert await asyncio.wait_for(process.wait(), 60) == 0
        assert b"validation_worker_bug" in await process.stderr.read()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.mark.slow
async def test_closing_the_pool_mid_check_never_blames_the_letter():
    pool = ValidatorPool(workers=1, timeout_s=60.0)
    await pool.start()
    pid = pool._workers[0].process.pid
    busy = asyncio.create_task(pool.check(pdfs.make_slow(), RULES))
    start = cpu_seconds(pid)
    await asyncio.to_thread(wait_until, lambda: cpu_seconds(pid) > start + 0.2)
    os.kill(pid, signal.SIGSTOP)  # it cannot finish the file: close() must end it
    await pool.close()
    with pytest.raises(ValidatorUnavailable):
        await busy


async def test_workers_that_could_not_start_are_started_again_at_the_next_check(monkeypatch):
    pool = ValidatorPool(workers=1)
    with monkeypatch.context() as patched:
        patched.setattr(sys, "executable", "/nonexistent/python")
        with pytest.raises(ValidatorUnavailable):
            await pool.start()
    try:
        report = await asyncio.wait_for(
            pool.check(pdfs.make_letter(), ValidationRules()), timeout=60
        )
        assert report.ok
    finally:
        await pool.close()


async def test_a_pool_takes_over_workers_launched_before_it():
    """`imprimfip validate` launches its workers before it imports the pool."""
    launched = [launch()]
    async with ValidatorPool(workers=2, launched=launched) as pool:
        assert launched[0].pid in {worker.process.pid for worker in pool._workers}
        assert len(pool._workers) == 2
        reports = await asyncio.gather(*(pool.check(pdfs.make_letter(), RULES) for _ in "ab"))
        assert all(report.ok for report in reports)
    assert launched[0].wait(timeout=30) == 0


async def test_a_launched_worker_never_taken_over_ends_when_the_pool_closes():
    launched = launch()
    await ValidatorPool(workers=1, launched=[launched]).close()
    assert await asyncio.to_thread(launched.wait, 60) == 0
