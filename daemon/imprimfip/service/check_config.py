"""`imprimfip check-config`: before starting the service, say what is wrong with the setup.

The config is validated first (every mistake listed, exit 78, as `imprimfip run` does);
then one line per check, with what to fix: each secret, each flow's folders, their
filesystem and its free space, the ledger's disk, its free space and the ledger file's
integrity, how the API is reached (directly or through a proxy), and the API:
`/etatSante` answers, then the configured user and password are accepted. `/etatSante`
takes no user credentials (the spec gives it no such header), so they are tried on the
status of a reference that cannot exist: a 404 means IMPRIM'FIP accepted them, a 401 or
403 that it refused them. Exit 0 when every check passes, 1 when one fails. Nothing is
created, nothing is sent.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import datetime
from pathlib import Path

from imprimfip.api.client import ImprimFipClient
from imprimfip.api.probe import internal_ref
from imprimfip.config import ApiConfig, Config, load_config
from imprimfip.errors import (
    ApiAuthFailed,
    ApiError,
    ApiThrottled,
    ApiUnavailable,
    ConfigError,
    UnknownFile,
)
from imprimfip.exitcodes import ExitCode
from imprimfip.intake.mounts import mount_of
from imprimfip.ledger.integrity import quick_check
from imprimfip.service import checks, logs
from imprimfip.service.checks import Check, Result
from imprimfip.service.config_file import DEFAULT_CONFIG, report_config_error

# A reference in IMPRIM'FIP's format that no deposit can have: dated before the service.
NOWHERE = datetime(2000, 1, 1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="TOML config file")


def _answer(error: ApiError) -> str:
    detail = error.detail
    parts = [f"HTTP {detail.http_status}" if detail.http_status else ""]
    parts += [f"code {detail.code}" if detail.code else "", detail.message]
    return ", ".join(part for part in parts if part)


def _system_fault(name: str, api: ApiConfig, error: ApiError, route: str) -> Check:
    if isinstance(error, ApiThrottled):
        wait = f"{error.retry_after:.0f} s" if error.retry_after else "a minute"
        what = (
            f"the subscription's rate limit is reached ({_answer(error)}): something else "
            f"uses it right now; try again in {wait}"
        )
    elif isinstance(error, ApiUnavailable):
        what = (
            f"cannot use {api.base_url}, {route} ({_answer(error)}): check [api] base_url, "
            "DNS, the firewall, the proxy ([api] proxy, or HTTPS_PROXY and NO_PROXY in the "
            "service's environment), and [api.tls] for a private CA or a client certificate"
        )
    else:
        what = f"unexpected answer from {api.base_url} ({_answer(error)})"
    return Check(name, Result.FAIL, what)


async def _health(client: ImprimFipClient, api: ApiConfig) -> Check:
    try:
        message = await client.health()
    except ApiAuthFailed as error:
        fix = (
            "check [api.oauth] client_id and client_secret (credential imprimfip-oauth-secret)"
            if api.oauth is not None
            else "check [api] jwt_assertion, or ask DGFiP whether this server may call the API"
        )
        return Check("api health", Result.FAIL, f"refused ({_answer(error)}): {fix}")
    except ApiError as error:
        return _system_fault("api health", api, error, client.route(api.base_url))
    return Check("api health", Result.OK, f"{api.base_url}/etatSante answers: {message}")


async def _credentials(client: ImprimFipClient, api: ApiConfig) -> Check:
    name = "api credentials"
    try:
        await client.status(internal_ref("imprimfip-check-config.pdf", api.username, NOWHERE))
    except UnknownFile:
        pass
    except ApiAuthFailed as error:
        return Check(
            name,
            Result.FAIL,
            f'IMPRIM\'FIP refused user "{api.username}" ({_answer(error)}): check [api] '
            "username and the password in its source (for the service: the credential "
            "imprimfip-password), as declared to IMPRIM'FIP",
        )
    except ApiError as error:
        return _system_fault(name, api, error, client.route(api.base_url))
    return Check(name, Result.OK, f'user "{api.username}" is accepted')


def route_checks(client: ImprimFipClient) -> list[Check]:
    """How each URL is reached: directly, or through which proxy and where it was set."""
    return [Check("api route", Result.OK, f"{url}: {client.route(url)}") for url in client.routes]


async def api_checks(api: ApiConfig) -> list[Check]:
    """Health, then credentials; one attempt each, so that a wrong setting shows at once."""
    try:
        client = ImprimFipClient.from_config(api.model_copy(update={"max_attempts": 1}))
    except ConfigError as error:
        problems = "; ".join(problem.message for problem in error.problems)
        return [Check("api", Result.FAIL, problems)]
    async with client:
        routes = route_checks(client)
        health = await _health(client, api)
        if health.result is Result.FAIL:
            return [*routes, health]
        return [*routes, health, await _credentials(client, api)]


def machine_checks(config: Config) -> list[Check]:
    """Everything but the API: the user, the secrets, the flows' folders, the ledger."""
    user = checks.current_user()
    found = [*checks.user_check(os.geteuid()), *checks.secret_checks(config)]
    for flow in config.flows:
        missing = checks.flow_root_check(flow.name, flow.root)
        if missing is not None:
            found.append(missing)
            continue
        probes = checks.probe_flow(flow.root)
        found += checks.flow_checks(flow.name, probes, user)
        share = probes[0].nearest
        largest = int(flow.validation.max_file_mb * 1024 * 1024)
        found.append(checks.flow_space_check(flow.name, share, checks.probe_room(share), largest))
    ledger = config.ledger.path
    folder = checks.probe_folder(ledger.parent)
    file_writable = not ledger.exists() or os.access(ledger, os.R_OK | os.W_OK)
    found.append(checks.ledger_check(ledger, folder, mount_of(folder.nearest), file_writable, user))
    found.append(checks.ledger_space_check(folder.nearest, checks.probe_room(folder.nearest)))
    found.append(_integrity(ledger))
    return found


def _integrity(ledger: Path) -> Check:
    """SQLite's quick_check of the whole ledger file (it reads every page)."""
    name = "ledger integrity"
    if not ledger.exists():
        return Check(name, Result.OK, f"{ledger} does not exist yet: it is created at start")
    try:
        findings = quick_check(ledger)
    except OSError as exc:
        return Check(
            name,
            Result.FAIL,
            f"cannot read {ledger} ({exc.strerror}): run this check as the service's user",
        )
    if findings:
        return Check(
            name,
            Result.FAIL,
            f"{ledger} is damaged ({'; '.join(findings[:3])}): stop the service and restore "
            'the latest backup (README, "Back up and restore the ledger")',
        )
    return Check(name, Result.OK, f"{ledger}: SQLite's quick_check finds nothing wrong")


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as error:
        return report_config_error(error)
    # The client's own warnings would repeat what the lines below say.
    logs.configure("error", "auto")
    flows = ", ".join(flow.name for flow in config.flows)
    found = [
        Check("config", Result.OK, f"{config.source} is valid (flows: {flows})"),
        *machine_checks(config),
        *asyncio.run(api_checks(config.api)),
    ]
    for check in found:
        print(check.line())
    failed = [check for check in found if check.result is Result.FAIL]
    if failed:
        print(f"{len(failed)} of {len(found)} checks failed: fix them, then run this again.")
        return ExitCode.FAILED
    print(f"All {len(found)} checks passed.")
    return ExitCode.OK
