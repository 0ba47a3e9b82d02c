"""ValidatorPool: real child processes, bounded in time and memory, replaced when lost."""

import pytest

from imprimfip.validation.pool import ValidatorPool
from imprimfip.validation.rules import ValidationRules
from tests.fixtures import pdfs

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
    [(pdfs.make_bomb, "limit"), (pdfs.make_deep_nesting, "nesting")],
)
async def test_a_hostile_pdf_is_too_complex_and_the_next_letter_is_checked(pool, make, reason):
    report = await pool.check(make(), RULES)
    assert [(f.code, f.details["reason"]) for f in report.findings] == [("too_complex", reason)]
    assert not report.ok
    assert (await pool.check(pdfs.make_letter(), RULES)).ok
