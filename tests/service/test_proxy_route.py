"""The daemon and `check-config` behind a real forward proxy (tinyproxy), the emulator over
TLS beyond it: the proxy is named, its password never shown, and while it is down letters
wait and go out once it is back."""

from __future__ import annotations

import os
from pathlib import Path

from imprimfip.exitcodes import ExitCode
from tests.fixtures.daemon import events, write_config
from tests.fixtures.pdfs import make_letter
from tests.fixtures.waiting import wait_until
from tests.service.test_check_config import check_config, lines

PROXY_PASSWORD = "canary-proxy-9d02be"


def proxied_config(tmp_path: Path, box, authority, proxy_lines: str) -> Path:
    api = f'{proxy_lines}\n[api.tls]\nca_bundle = "{authority.bundle}"\n'
    return write_config(tmp_path, box.api_url, api=api)


def test_check_config_names_the_proxy_it_used_and_hides_its_password(
    tmp_path, make_sandbox, make_proxy, authority
):
    box = make_sandbox(tls=authority)
    proxy = make_proxy(user="imprimfip", password=PROXY_PASSWORD)
    with_user = proxy.url.replace("://", "://imprimfip@")
    config = proxied_config(
        tmp_path,
        box,
        authority,
        f'proxy = "{with_user}"\nproxy_password = {{ env = "PROXY_PASSWORD" }}',
    )
    result = check_config(config, PROXY_PASSWORD=PROXY_PASSWORD)

    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    found = lines(result.stdout)
    shown = proxy.url.replace("://", "://imprimfip:********@")
    assert found["api route"] == (
        "ok",
        f"{box.api_url}: through the proxy {shown} (from [api] proxy)",
    )
    assert found["secret api.proxy_password"] == ("ok", "present")
    assert found["api credentials"][0] == "ok"
    assert PROXY_PASSWORD not in result.stdout + result.stderr
    assert proxy.tunnels()


def test_check_config_says_which_proxy_failed(tmp_path, make_sandbox, make_proxy, authority):
    box = make_sandbox(tls=authority)
    proxy = make_proxy()
    proxy.stop()
    config = proxied_config(tmp_path, box, authority, "")
    result = check_config(config, HTTPS_PROXY=proxy.url, NO_PROXY="example.fr")

    assert result.returncode == ExitCode.FAILED
    outcome, detail = lines(result.stdout)["api health"]
    assert outcome == "FAIL"
    assert f"through the proxy {proxy.url} (from HTTPS_PROXY)" in detail
    assert "HTTPS_PROXY and NO_PROXY" in detail


def test_letters_wait_while_the_proxy_is_down_and_go_out_when_it_is_back(
    tmp_path, make_sandbox, make_proxy, authority, start_daemon
):
    box = make_sandbox(tls=authority)
    proxy = make_proxy()
    proxy.stop()
    config = proxied_config(tmp_path, box, authority, f'proxy = "{proxy.url}"')
    daemon = start_daemon(config)
    flow = tmp_path / "spool" / "courrier"
    letter = make_letter(pages=1)
    (flow / "inbox" / ".lettre.pdf.part").write_bytes(letter)
    os.replace(flow / "inbox" / ".lettre.pdf.part", flow / "inbox" / "lettre.pdf")

    wait_until(lambda: events(daemon.log(), "deposit_paused"), timeout=30)
    failures = events(daemon.log(), "api.call_failed")
    assert failures and {f["outcome"] for f in failures} == {"ApiUnavailable"}
    assert not (flow / "error").exists() or list((flow / "error").iterdir()) == []
    assert box.submissions() == []

    proxy.start()
    wait_until(lambda: list((flow / "done").rglob("lettre.pdf")), timeout=60)
    assert len(box.submissions()) == 1
    assert proxy.tunnels()
    [route] = events(daemon.log(), "api.route")
    assert route["route"] == f"through the proxy {proxy.url} (from [api] proxy)"
    assert daemon.stop() == ExitCode.OK
