"""Prometheus can scrape the daemon (issue 7): the real endpoint of a real daemon."""

from __future__ import annotations

import socket

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.daemon import write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.waiting import wait_until
from tests.service.test_end_to_end import save


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(url, timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_letters_calls_and_inbox_state(tmp_path, sandbox, start_daemon):
    port = free_port()
    config = write_config(
        tmp_path, sandbox.api_url, extra=f'[metrics]\nlisten = "127.0.0.1:{port}"\n\n'
    )
    daemon = start_daemon(config)
    flow = tmp_path / "spool" / "courrier"
    save(flow / "inbox", "lettre.pdf", make_letter())
    save(flow / "inbox", "faux.pdf", b"pas un pdf")
    url = f"http://127.0.0.1:{port}/metrics"

    def filed() -> bool:
        found = samples(url)
        return (
            found.get(("imprimfip_letters", (("flow", "courrier"), ("state", "done")))) == 1
            and found.get(("imprimfip_letters", (("flow", "courrier"), ("state", "rejected")))) == 1
        )

    wait_until(filed, timeout=30)
    found = samples(url)
    assert found[("imprimfip_api_calls_total", (("operation", "submit"), ("status", "200")))] == 1
    deposited = (("flow", "courrier"), ("outcome", "deposited"))
    assert found[("imprimfip_letters_filed_total", deposited)] == 1
    assert found[("imprimfip_inbox_available", (("flow", "courrier"),))] == 1
    assert found[("imprimfip_paused", ())] == 0
    assert found[("imprimfip_budget_limit", ())] == 480
    assert found[("imprimfip_validation_seconds_count", (("flow", "courrier"),))] == 2
    assert daemon.stop() == 0
