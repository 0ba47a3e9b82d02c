"""Finding a deposit again after its answer was lost, against the emulator (see
docs/invariants.md, 'Nothing is mailed twice')."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest

from imprimfip.api.probe import candidate_refs
from imprimfip.errors import ApiUnavailable, LetterRejected, OutcomeUnknown
from tests.api.conftest import USERNAME, api_config
from tests.api.letters import std

STATUS = "GET /api/v1/file/{internalRef}/status"


def candidates(client, filename: str, owner: str, start: datetime, end: datetime) -> list[str]:
    """What the client probes now, with the server's clock as its answers showed it."""
    offset = client.server_clock.offset()
    assert offset is not None
    zone = ZoneInfo(api_config("http://unused").server_timezone)
    return candidate_refs(filename, owner, start, end, server_tz=zone, offset=offset)


def probed(sent) -> list[str]:
    return [unquote(r.url.path.split("/")[-2]) for r in sent.to("/status")]


def status_calls(box) -> int:
    return sum(box.stats()["by_endpoint_status"].get(STATUS, {}).values())


async def deposit_with_fault(client, box, fault: str, expected: type[Exception], sub):
    """Deposit `sub` while `fault` strikes; the interval during which it was in flight."""
    box.set_faults(**{fault: 1})
    sent_from = datetime.now(UTC)
    with pytest.raises(expected):
        await client.submit(sub)
    sent_until = datetime.now(UTC)
    box.set_faults()
    return sent_from, sent_until


async def test_a_dropped_deposit_is_found_again(sandbox, open_client, sent):
    client = open_client(sandbox.api_url)
    await client.submit(std("autre-lettre.pdf"))  # same owner, other name: not a match
    sent_from, sent_until = await deposit_with_fault(
        client, sandbox, "drop_after_accept", OutcomeUnknown, std("courrier_000042.pdf")
    )
    report = await client.find_submission(
        "courrier_000042.pdf", "agent.public", sent_from, sent_until
    )
    assert report is not None
    assert report.filename == "courrier_000042.pdf"
    assert report.internal_ref == sandbox.submissions()[1]["internalRef"]
    # Earliest first, one call per candidate, stopping at the reference: the clocks are
    # known from the answers, so the window is the flight and a second or two.
    assert probed(sent)[-1] == report.internal_ref
    assert status_calls(sandbox) == len(probed(sent)) <= 3


async def test_the_owner_is_the_user_when_no_on_behalf_of_was_sent(sandbox, open_client):
    client = open_client(sandbox.api_url)
    sub = std("sans-mandant.pdf", on_behalf_of=None)
    interval = await deposit_with_fault(
        client, sandbox, "error_500_after_accept", OutcomeUnknown, sub
    )
    report = await client.find_submission("sans-mandant.pdf", USERNAME, *interval)
    assert report is not None
    assert report.internal_ref.endswith(f"@{USERNAME}.pdf")


async def test_a_deposit_that_was_not_accepted_is_not_found(sandbox, open_client, sent):
    client = open_client(sandbox.api_url)
    sent_from, sent_until = await deposit_with_fault(
        client, sandbox, "reject_400", LetterRejected, std("refusee.pdf")
    )
    found = await client.find_submission("refusee.pdf", "agent.public", sent_from, sent_until)
    assert found is None
    # Every second the server could have used was asked about, each once.
    refs = candidates(client, "refusee.pdf", "agent.public", sent_from, sent_until)
    assert set(refs) <= set(probed(sent))
    assert len(probed(sent)) == len(set(probed(sent))) == status_calls(sandbox) <= 3


async def test_a_search_cut_short_goes_on_without_asking_again(sandbox, open_client, sent):
    client = open_client(sandbox.api_url)
    await client.health()
    start = datetime.now(UTC) - timedelta(seconds=60)
    end = start + timedelta(seconds=8)
    learnt: list[str] = []
    assert await client.find_submission("x.pdf", "a", start, end, on_absent=learnt.append) is None
    assert learnt == probed(sent) and len(learnt) >= 9
    # Resumed knowing the first half: only the rest is asked about.
    half = learnt[: len(learnt) // 2]
    assert await client.find_submission("x.pdf", "a", start, end, absent=half) is None
    assert probed(sent)[len(learnt) :] == learnt[len(half) :]


async def test_before_any_answer_one_health_call_dates_the_servers_clock(
    sandbox, open_client, sent
):
    client = open_client(sandbox.api_url, server_clock_tolerance_s=5.0)
    start = datetime.now(UTC) - timedelta(seconds=30)
    found = await client.find_submission("jamais.pdf", "agent.public", start, start)
    assert found is None
    assert len(sent.to("/etatSante")) == 1
    # Not the 11 seconds the tolerance would span: the flight, the clock's error, one more.
    assert 2 <= len(probed(sent)) <= 3


async def test_the_clock_of_the_server_is_read_on_every_answer(sandbox, open_client):
    client = open_client(sandbox.api_url)
    assert client.server_clock.offset() is None
    for _ in range(5):
        await client.health()
        await client.submit(std())
    offset = client.server_clock.offset()
    assert offset is not None
    # The emulator runs on this machine's clock.
    assert offset.lowest <= 0.0 <= offset.highest
    assert offset.error < 1.0


async def test_a_request_gets_no_more_than_its_own_deadline(sandbox, open_client):
    client = open_client(sandbox.api_url, contract=False, request_timeout_s=0.5, max_attempts=1)
    sandbox.set_faults(latency_s=5.0)
    started = time.monotonic()
    with pytest.raises(OutcomeUnknown) as caught:
        await client.submit(std())
    assert "no whole answer within 0.5 s" in caught.value.detail.message
    with pytest.raises(ApiUnavailable):
        await client.status("x_03022026100000@agent.public.pdf")
    assert time.monotonic() - started < 4.0


async def test_an_interval_too_long_to_probe_costs_no_call(sandbox, open_client):
    client = open_client(sandbox.api_url)
    start = datetime.now(UTC)
    with pytest.raises(OutcomeUnknown) as caught:
        await client.find_submission(
            "x.pdf", "agent.public", start, start + timedelta(minutes=10), max_calls=50
        )
    assert "more than the 50" in caught.value.detail.message
    assert status_calls(sandbox) == 0


async def test_the_probe_reads_the_servers_clock_in_its_zone(make_sandbox, open_client):
    box = make_sandbox(timezone="America/Cayenne")
    client = open_client(box.api_url, server_timezone="America/Cayenne")
    interval = await deposit_with_fault(
        client, box, "drop_after_accept", OutcomeUnknown, std("guyane.pdf")
    )
    report = await client.find_submission("guyane.pdf", "agent.public", *interval)
    assert report is not None
    assert report.internal_ref == box.submissions()[0]["internalRef"]
