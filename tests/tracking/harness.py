"""The poller in this process, on a real ledger and a real emulator.

`tracking(tmp_path, sandbox)` yields a `Harness` whose poller and notifier run in the
test's event loop; `deposit` submits a letter to the emulator and records it in the ledger
as the courier does, so the poller finds it as it finds a real deposit.
"""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from imprimfip.api.client import ImprimFipClient
from imprimfip.api.models import Submission
from imprimfip.config import Config, load_config
from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.history import History
from imprimfip.storage.watch import StorageWatch, outlast_ledger_faults
from imprimfip.tracking.alert_channels import Notifier
from imprimfip.tracking.poller import Poller, utc_now
from tests.fixtures.sandbox import Sandbox
from tests.fixtures.waiting import async_wait_until

FLOWS = """
[[flows]]
name = "courrier"
root = "spool/courrier"
sending_type = "STD"
{notify}
[[flows]]
name = "electronique"
root = "spool/electronique"
sending_type = "LRE"

[[flows]]
name = "recommande"
root = "spool/recommande"
sending_type = "LRAR"

[flows.return_address]
name = "MAIRIE DE TESTVILLE"
zip_code = "75001"
town = "PARIS"
"""
FLOW_OF = {"STD": "courrier", "LRE": "electronique", "LRAR": "recommande"}


def tracking_config(
    folder: Path, api_url: str, *, time_scale: float, tracking: str = "", notify: str = ""
) -> Config:
    text = textwrap.dedent(
        f"""
        [api]
        base_url = "{api_url}"
        username = "demo"
        password = {{ env = "IMPRIMFIP_TEST_UNSET", optional = true }}
        retry_base_s = 0.01
        retry_max_delay_s = 0.05
        max_attempts = 2

        [tracking]
        time_scale = {time_scale}
        """
    )
    path = folder / "imprimfip.toml"
    path.write_text(text + tracking + FLOWS.format(notify=notify), encoding="utf-8")
    return load_config(path)


@dataclass
class Harness:
    config: Config
    ledger: Ledger
    history: History
    client: ImprimFipClient
    notifier: Notifier
    changed: list[str] = field(default_factory=list)
    storage: StorageWatch = field(default_factory=StorageWatch)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> Poller:
        """Start the poller and the notifier (they stop when the harness closes)."""
        poller = Poller(
            self.config,
            self.history,
            self.client,
            self.notifier,
            self.changed.append,
            storage=self.storage,
        )
        # As the daemon runs it (service/tracker.py): through ledger faults.
        self.tasks += [
            asyncio.create_task(outlast_ledger_faults(self.storage, poller.run)),
            asyncio.create_task(self.notifier.run()),
        ]
        return poller

    async def deposit(self, submission: Submission) -> int:
        """Submit to the emulator and record the letter as done, as the courier does."""
        flow = FLOW_OF[submission.sending_type]
        letter = self.ledger.add(flow, submission.filename, LetterState.CLAIMED)
        self.ledger.move(letter.id, LetterState.SUBMITTING, submitting_since=utc_now().isoformat())
        accepted = await self.client.submit(submission)
        self.ledger.move(letter.id, LetterState.DEPOSITED, internal_ref=accepted.internal_ref)
        return letter.id

    def ended(self) -> dict[int, str | None]:
        rows = self.ledger.connection.execute("SELECT letter_id, ended FROM tracking")
        return dict(rows.fetchall())

    async def until_all_ended(self, count: int, timeout: float = 60.0) -> dict[int, str | None]:
        async def done() -> dict[int, str | None] | None:
            ended = self.ended()
            return ended if len(ended) == count and all(ended.values()) else None

        return await async_wait_until(done, timeout=timeout)


@contextlib.asynccontextmanager
async def tracking(
    folder: Path,
    box: Sandbox,
    *,
    time_scale: float | None = None,
    start: bool = True,
    **options: str,
) -> AsyncIterator[Harness]:
    """A poller and notifier (running unless `start` is False) for a config at the
    emulator's speed (or `time_scale`)."""
    scale = time_scale if time_scale is not None else box.settings.speed
    config = tracking_config(folder, box.api_url, time_scale=scale, **options)
    ledger = Ledger(config.ledger.path)
    history = History(ledger)
    client = ImprimFipClient.from_config(config.api)
    notifier = Notifier(history, {f.name: f.notify for f in config.flows}, utc_now)
    harness = Harness(config, ledger, history, client, notifier)
    if start:
        harness.start()
    try:
        yield harness
    finally:
        for task in harness.tasks:
            task.cancel()
        await asyncio.gather(*harness.tasks, return_exceptions=True)
        await client.aclose()
        ledger.close()
