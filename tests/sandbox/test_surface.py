"""The `/_sandbox/` test surface and every injected fault."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from imprimfip.sandbox.settings import Faults
from tests.fixtures.sandbox import Sandbox
from tests.sandbox.helpers import api_headers, submit


def _code(response: httpx.Response) -> int:
    return response.json()["erreur"]["code"]


def test_faults_are_set_listed_and_cleared(sandbox: Sandbox) -> None:
    assert sandbox.set_faults(reject_400=0.5, latency_s=0.1)["reject_400"] == 0.5
    cleared = sandbox.set_faults()
    assert cleared == Faults().as_dict()


@pytest.mark.parametrize(
    "body", [{"explode": 1.0}, {"reject_400": 1.5}, {"reject_400": "yes"}, [1], "nonsense"]
)
def test_bad_faults_are_refused_with_the_reason(sandbox: Sandbox, body: object) -> None:
    kwargs = {"content": body} if isinstance(body, str) else {"json": body}
    response = httpx.post(f"{sandbox.base_url}/_sandbox/faults", **kwargs)
    assert response.status_code == 400
    assert "invalid faults" in response.json()["erreur"]["message"]


def test_unavailable_503(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_faults(unavailable_503=1.0)
    response = submit(api)
    assert response.status_code == 503
    assert isinstance(_code(response), int)
    assert sandbox.submissions() == []


def test_throttle_429(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_faults(throttle_429=1.0)
    response = api.get("/etatSante", headers=api_headers())
    assert response.status_code == 429
    assert _code(response) == 900804
    assert int(response.headers["Retry-After"]) >= 1


def test_reject_400_records_nothing(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_faults(reject_400=1.0)
    response = submit(api)
    assert response.status_code == 400
    assert response.json()["erreur"]["message"]
    assert sandbox.submissions() == []
    assert api.get("/etatSante", headers=api_headers()).status_code == 200


def test_error_500_after_accept_records_the_submission(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_faults(error_500_after_accept=1.0)
    response = submit(api)
    assert response.status_code == 500
    assert isinstance(_code(response), int)
    [recorded] = sandbox.submissions()
    status = api.get(f"/file/{recorded['internalRef']}/status", headers=api_headers())
    assert status.status_code == 200


def test_drop_after_accept_closes_without_answer(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_faults(drop_after_accept=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        submit(api)
    assert len(sandbox.submissions()) == 1
    counted = sandbox.stats()["by_endpoint_status"]["POST /api/v1/file/submission"]
    assert counted == {"dropped": 1}


def test_latency_delays_the_answer(sandbox: Sandbox) -> None:
    sandbox.set_faults(latency_s=3.0)
    with (
        httpx.Client(base_url=sandbox.api_url, timeout=0.2) as impatient,
        pytest.raises(httpx.ReadTimeout),
    ):
        impatient.get("/etatSante", headers=api_headers())


def test_probabilities_between_0_and_1_strike_some_calls(
    make_sandbox: Callable[..., Sandbox], client_for: Callable[[Sandbox], httpx.Client]
) -> None:
    box = make_sandbox(limit_per_minute=0, faults=Faults(unavailable_503=0.5), seed=3)
    api = client_for(box)
    codes = {api.get("/etatSante", headers=api_headers()).status_code for _ in range(40)}
    assert codes == {200, 503}


def test_stats_count_per_endpoint_and_status(api: httpx.Client, sandbox: Sandbox) -> None:
    submit(api)
    submit(api, doc=b"not a pdf")
    api.get("/etatSante", headers=api_headers())
    api.get("/file/unknown/status", headers=api_headers())
    stats = sandbox.stats()
    assert stats["total"] == 4
    assert stats["by_status"] == {"200": 2, "400": 1, "404": 1}
    assert stats["by_endpoint"] == {
        "GET /api/v1/etatSante": 1,
        "GET /api/v1/file/{internalRef}/status": 1,
        "POST /api/v1/file/submission": 2,
    }
    assert stats["by_endpoint_status"]["POST /api/v1/file/submission"] == {"200": 1, "400": 1}


def test_reset_forgets_everything_and_restores_configured_faults(
    make_sandbox: Callable[..., Sandbox], client_for: Callable[[Sandbox], httpx.Client]
) -> None:
    box = make_sandbox(faults=Faults(latency_s=0.01))
    api = client_for(box)
    ref = submit(api).json()["internalRef"]
    box.set_faults(reject_400=1.0)
    box.reset()
    assert box.submissions() == []
    assert box.stats()["total"] == 0
    assert api.get(f"/file/{ref}/status", headers=api_headers()).status_code == 404
    assert submit(api).status_code == 200  # the injected reject_400 is gone
