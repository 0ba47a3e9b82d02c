"""The poller against the emulator at high speed: every letter followed to its end."""

from __future__ import annotations

from collections import Counter

import pytest
from structlog.testing import capture_logs

from imprimfip import crashpoints
from imprimfip.crashpoints import FAULT_VARIABLE
from imprimfip.ledger.history import WHOLE_FILE, Ended
from imprimfip.sandbox.life import plan_life
from imprimfip.storage.episodes import LEDGER
from imprimfip.tracking import alerts, finality
from tests.api.letters import lrar, lre, std
from tests.fixtures.pdfs import draw_invisible, join, make_letter
from tests.fixtures.waiting import async_wait_until
from tests.tracking.harness import Harness, tracking

STATUS_CALLS = "GET /api/v1/file/{internalRef}/status"


def status_calls(box) -> int:
    return box.stats()["by_endpoint"].get(STATUS_CALLS, 0)


async def answered(box, status: str) -> int:
    return box.stats()["by_endpoint_status"].get(STATUS_CALLS, {}).get(status, 0)


def planned(box, submission: dict, references: list[str]) -> dict[str, list[str]]:
    """The statuses the emulator planned for each reference ('' the file), in order."""
    life = plan_life(
        f"{box.settings.seed}:{submission['internalRef']}",
        submission["sendingType"],
        references,
        box.settings,
    )
    plan = {WHOLE_FILE: [finality.SUBMITTING, life.status]}
    for doc in life.documents:
        plan[doc.reference] = [step.status for step in doc.steps]
    return plan


def in_order(seen: list[str], plan: list[str]) -> bool:
    """Whether `seen` is `plan` with some steps skipped, never repeated nor reordered."""
    steps = iter(plan)
    return all(any(status == step for step in steps) for status in seen)


def check_recorded_once_in_order(harness: Harness, box, letter_id: int) -> None:
    """Each status recorded is one the emulator planned, in its order, never twice, and the
    last one recorded is the last one planned."""
    letter = harness.ledger.get(letter_id)
    submission = {s["internalRef"]: s for s in box.submissions()}[letter.internal_ref]
    plan = planned(box, submission, [letter.internal_ref])
    seen: dict[str, list[str]] = {}
    for change in harness.history.history(letter_id):
        seen.setdefault(change.reference, []).append(change.status)
    assert set(seen) == {WHOLE_FILE, letter.internal_ref}
    for reference, statuses in seen.items():
        assert in_order(statuses, plan[reference]), (reference, statuses, plan[reference])
        assert statuses[-1] == plan[reference][-1]


@pytest.mark.slow
async def test_letters_of_each_sending_type_are_followed_to_their_final_status(tmp_path, sandbox):
    async with tracking(tmp_path, sandbox) as harness:
        made = [std(f"simple-{n}.pdf") for n in range(3)]
        made += [lre(f"electronique-{n}.pdf") for n in range(3)]
        made += [lrar(f"recommande-{n}.pdf") for n in range(3)]
        ids = [await harness.deposit(submission) for submission in made]
        ended = await harness.until_all_ended(len(ids))

        assert set(ended.values()) == {Ended.FINAL}
        for letter_id in ids:
            check_recorded_once_in_order(harness, sandbox, letter_id)
        assert set(harness.changed) == {"courrier", "electronique", "recommande"}


@pytest.mark.slow
async def test_an_ordinary_letter_costs_at_most_4_status_calls_on_average(tmp_path, sandbox):
    async with tracking(tmp_path, sandbox) as harness:
        ids = [await harness.deposit(std(f"lettre-{n}.pdf")) for n in range(10)]
        await harness.until_all_ended(len(ids))

        assert status_calls(sandbox) / len(ids) <= 4
        polls = harness.ledger.connection.execute("SELECT SUM(polls) FROM tracking").fetchone()
        assert polls[0] == status_calls(sandbox)


async def test_a_multi_document_file_has_one_status_per_business_reference(tmp_path, sandbox):
    pages = [make_letter(extra=draw_invisible(f"REF-PLI: P{n}")) for n in (1, 2, 3)]
    async with tracking(tmp_path, sandbox) as harness:
        letter_id = await harness.deposit(std("lot.pdf", doc=join(*pages)))
        await harness.until_all_ended(1)

        latest = harness.history.latest(letter_id)
        assert set(latest) == {WHOLE_FILE, "P1", "P2", "P3"}
        assert {latest[ref].status for ref in ("P1", "P2", "P3")} == {finality.SHIPPED}


async def test_an_outage_pauses_the_polls_and_loses_none(tmp_path, sandbox):
    async with tracking(tmp_path, sandbox, start=False) as harness:
        ids = [await harness.deposit(std(f"lettre-{n}.pdf")) for n in range(2)]
        sandbox.set_faults(unavailable_503=1.0)
        harness.start()
        await async_wait_until(lambda: answered(sandbox, "503"), timeout=30)
        assert not any(harness.history.latest(letter_id) for letter_id in ids)
        sandbox.set_faults()
        ended = await harness.until_all_ended(len(ids))

        assert set(ended.values()) == {Ended.FINAL}
        for letter_id in ids:
            check_recorded_once_in_order(harness, sandbox, letter_id)


async def test_a_file_the_service_does_not_know_is_given_up_at_the_horizon(tmp_path, sandbox):
    horizon = "[tracking.horizon_days]\nSTD = 1\n"
    async with tracking(tmp_path, sandbox, tracking=horizon) as harness:
        letter = harness.ledger.add("courrier", "perdue.pdf", "claimed")
        harness.ledger.move(letter.id, "submitting", submitting_since="2025-03-03T09:00:00+00:00")
        harness.ledger.move(letter.id, "deposited", internal_ref="inconnue_03032025100000@demo.pdf")
        ended = await harness.until_all_ended(1)

        assert ended == {letter.id: Ended.HORIZON}
        assert harness.history.history(letter.id) == []
        assert harness.history.tracked(letter.id).polls == 1


async def test_a_bug_while_recording_one_letter_does_not_stop_the_others(
    tmp_path, sandbox, monkeypatch
):
    real = alerts.alerts_for
    failed: list[str] = []

    def buggy_once(tracked, *args):
        if tracked.name == "casse.pdf" and not failed:
            failed.append(tracked.name)
            raise RuntimeError("a bug of ours")
        return real(tracked, *args)

    monkeypatch.setattr(alerts, "alerts_for", buggy_once)
    async with tracking(tmp_path, sandbox) as harness:
        ids = [await harness.deposit(std(name)) for name in ("casse.pdf", "saine.pdf")]
        ended = await harness.until_all_ended(len(ids))

        assert failed == ["casse.pdf"]
        assert set(ended.values()) == {Ended.FINAL}
        for letter_id in ids:
            check_recorded_once_in_order(harness, sandbox, letter_id)


async def test_a_ledger_fault_while_recording_a_status_pauses_the_poller_not_the_letter(
    tmp_path, sandbox, monkeypatch
):
    """The ledger's disk fails as the first answer is recorded (injected): a storage fault
    of the ledger, said once, not an internal error of the letter; the poll is asked again
    once the ledger is well, and the letter is followed to its end."""
    async with tracking(tmp_path, sandbox, start=False) as harness:
        letter_id = await harness.deposit(std("lettre.pdf"))
        # From here, the poller's first ledger write enrolls the letter; its second records
        # the first answer.
        monkeypatch.setattr(crashpoints, "_fault_hits", Counter())
        monkeypatch.setenv(FAULT_VARIABLE, "ledger.write:ENOSPC@2x1")
        with capture_logs() as logs:
            harness.start()

            async def faulty() -> bool:
                return harness.storage.get(LEDGER) is not None

            await async_wait_until(faulty, timeout=30)
            asked = status_calls(sandbox)
            # The mender ends the episode once the disk takes a write (deliveries.py).
            harness.storage.succeeded(LEDGER)
            ended = await harness.until_all_ended(1)

        assert ended == {letter_id: Ended.FINAL}
        check_recorded_once_in_order(harness, sandbox, letter_id)
        assert status_calls(sandbox) > asked
        said = [entry["event"] for entry in logs]
        assert "tracking_internal_error" not in said
        assert said.count("storage_fault") == 1
        assert said.count("storage_fault_cleared") == 1
