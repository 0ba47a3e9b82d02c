"""Each outcome class against the emulator's faults: what is retried, what never is."""

from __future__ import annotations

import asyncio
import socket

import pytest

from imprimfip.api.budget import Budget
from imprimfip.errors import (
    ApiAuthFailed,
    ApiError,
    ApiThrottled,
    ApiUnavailable,
    LetterRejected,
    OutcomeUnknown,
    UnknownFile,
)
from tests.api.conftest import USERNAME
from tests.api.letters import std
from tests.fixtures.waiting import async_wait_until

SUBMISSION = "POST /api/v1/file/submission"
STATUS = "GET /api/v1/file/{internalRef}/status"


def calls(box, endpoint: str = SUBMISSION) -> dict[str, int]:
    return box.stats()["by_endpoint_status"].get(endpoint, {})


def assert_traceable(error: ApiError, sent) -> None:
    """The error names the last request's correlation id, for DGFiP support."""
    assert error.detail.correlation_id == sent.requests[-1].headers["X-Correlation-ID"]
    assert error.detail.message


async def test_503_is_retried_up_to_max_attempts(sandbox, open_client, sent):
    client = open_client(sandbox.api_url, max_attempts=3)
    sandbox.set_faults(unavailable_503=1)
    with pytest.raises(ApiUnavailable) as caught:
        await client.submit(std())
    assert caught.value.detail.http_status == 503
    assert calls(sandbox) == {"503": 3}
    assert_traceable(caught.value, sent)


async def test_a_deposit_goes_through_once_the_api_is_back(sandbox, open_client):
    client = open_client(sandbox.api_url, max_attempts=20, retry_base_s=0.05)
    sandbox.set_faults(unavailable_503=1)
    deposit = asyncio.create_task(client.submit(std()))

    async def refused_twice() -> bool:
        return (await asyncio.to_thread(calls, sandbox)).get("503", 0) >= 2

    await async_wait_until(refused_twice)
    sandbox.set_faults()
    accepted = await asyncio.wait_for(deposit, 20)
    assert [s["internalRef"] for s in sandbox.submissions()] == [accepted.internal_ref]
    assert calls(sandbox)["200"] == 1


async def test_429_pauses_every_caller_then_gives_up_after_max_attempts(sandbox, open_client):
    budget = Budget(100, 0.25)
    client = open_client(sandbox.api_url, budget=budget, max_attempts=2)
    sandbox.set_faults(throttle_429=1)
    loop = asyncio.get_running_loop()
    with pytest.raises(ApiThrottled) as caught:
        await client.status("inconnu_01012026000000@agent.pdf")
    assert caught.value.retry_after == 1.0
    assert caught.value.detail.code == 900804
    # The emulator said "1 s": the pause honours it, not the 60 s throttle_pause_s.
    assert loop.time() < budget.paused_until <= loop.time() + 1.0
    assert calls(sandbox, STATUS) == {"429": 2}


async def test_400_is_a_letter_fault_never_retried(sandbox, open_client, sent):
    client = open_client(sandbox.api_url)
    sandbox.set_faults(reject_400=1)
    with pytest.raises(LetterRejected) as caught:
        await client.submit(std())
    assert "refusé" in caught.value.detail.message
    assert calls(sandbox) == {"400": 1}
    assert sandbox.submissions() == []
    assert_traceable(caught.value, sent)


async def test_the_servers_reasons_reach_the_letter_fault(sandbox, open_client):
    client = open_client(sandbox.api_url)
    with pytest.raises(LetterRejected) as caught:
        await client.submit(std(sending_type="LRAR"))
    assert "jsonParameters.recipient.address" in caught.value.detail.message
    assert "jsonParameters.sender.returnAddress" in caught.value.detail.message


@pytest.mark.parametrize("fault", ["error_500_after_accept", "drop_after_accept"])
async def test_after_acceptance_the_outcome_is_unknown_and_never_retried(
    sandbox, open_client, sent, fault
):
    client = open_client(sandbox.api_url, max_attempts=6)
    sandbox.set_faults(**{fault: 1})
    with pytest.raises(OutcomeUnknown) as caught:
        await client.submit(std())
    assert len(sandbox.submissions()) == 1
    assert sum(calls(sandbox).values()) == 1
    assert_traceable(caught.value, sent)


async def test_a_timeout_after_sending_is_unknown_for_a_deposit(sandbox, open_client, sent):
    client = open_client(sandbox.api_url, request_timeout_s=0.3, max_attempts=6)
    sandbox.set_faults(latency_s=1.0)
    with pytest.raises(OutcomeUnknown) as caught:
        await client.submit(std())
    # httpx's read timeout or the whole-answer deadline, both 0.3 s: whichever comes first.
    assert caught.value.detail.message.startswith(("ReadTimeout", "TimeoutError"))
    assert len(sent.to("/file/submission")) == 1


async def test_a_timeout_is_retried_for_a_status_query(sandbox, open_client, sent):
    client = open_client(sandbox.api_url, request_timeout_s=0.3, max_attempts=2)
    sandbox.set_faults(latency_s=1.0)
    with pytest.raises(ApiUnavailable):
        await client.status("inconnu_01012026000000@agent.pdf")
    assert len(sent.requests) == 2


async def test_nothing_listening_is_unavailable_even_for_a_deposit(open_client, sent):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = open_client(f"http://127.0.0.1:{port}/api/v1", max_attempts=3)
    with pytest.raises(ApiUnavailable) as caught:
        await client.submit(std())
    assert caught.value.detail.message.startswith("ConnectError")
    assert len(sent.requests) == 3


async def test_wrong_credentials_are_for_the_sysadmin_not_retried(make_sandbox, open_client):
    box = make_sandbox(users={USERNAME: "the-real-password"})
    client = open_client(box.api_url)
    with pytest.raises(ApiAuthFailed) as caught:
        await client.submit(std())
    assert caught.value.detail.http_status == 401
    assert caught.value.detail.code == 900901
    assert calls(box) == {"401": 1}


async def test_an_unknown_reference_is_unknown_file(sandbox, open_client):
    client = open_client(sandbox.api_url)
    with pytest.raises(UnknownFile) as caught:
        await client.status("inconnu_01012026000000@agent.pdf")
    assert caught.value.detail.http_status == 404
    assert calls(sandbox, STATUS) == {"404": 1}
