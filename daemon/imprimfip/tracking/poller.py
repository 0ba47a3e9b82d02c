"""The poller: follows every deposited letter to its final status.

Thin shell around pure decisions (`schedule.next_poll`, `finality.phase`,
`alerts.alerts_for`, `observe.changes`): it finds new deposits in the ledger, asks
IMPRIM'FIP about the letters that are due, and records each answer in one transaction:
the changes (each once, with the time seen), the next poll, the alerts raised. The
schedule lives in the ledger, so a restart resumes it as it was.

Status calls draw from the budget's poll share only, so deposits are never held up by
them; a system fault pauses the poller (as it pauses deposits), without losing a poll.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog

from imprimfip.api.backoff import Pause
from imprimfip.api.classify import UnknownFile
from imprimfip.api.client import ImprimFipClient
from imprimfip.api.models import FileStatusReport
from imprimfip.config.model import Config
from imprimfip.errors import LedgerFault, SystemFault
from imprimfip.ledger import Letter
from imprimfip.ledger.history import Ended, History, Outcome, Tracked
from imprimfip.ledger.store import moment
from imprimfip.storage.episodes import LEDGER
from imprimfip.storage.watch import StorageWatch
from imprimfip.tracking import alert_channels, alerts
from imprimfip.tracking.alert_channels import Notifier
from imprimfip.tracking.finality import Phase, phase
from imprimfip.tracking.observe import changes, documents, file_status, statuses
from imprimfip.tracking.schedule import MINUTE, Timing, next_poll

log = structlog.get_logger(__name__)

BATCH = 100
MOVES_BATCH = 1000
# How often the enrolment cursor is saved: a restart reads at most this much again
# (enrolling is idempotent), and never the whole history.
CURSOR_SAVE_S = 10.0
RETRY_AFTER_BUG_S = 10 * MINUTE  # of the service's time, like the schedule


def utc_now() -> datetime:
    return datetime.now(UTC)


class Poller:
    """Asks about due letters, at most `max_concurrent_polls` at a time."""

    def __init__(
        self,
        config: Config,
        history: History,
        client: ImprimFipClient,
        notifier: Notifier,
        on_change: Callable[[str], None],
        *,
        storage: StorageWatch,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._history = history
        self._client = client
        self._notifier = notifier
        self._on_change = on_change
        self._storage = storage
        self._clock = clock
        self._timing = Timing.from_config(config.tracking)
        self._flows = {flow.name: flow for flow in config.flows}
        self._slots = asyncio.Semaphore(config.tracking.max_concurrent_polls)
        self._pause = Pause()
        self._cursor = 0
        # New deposits are looked for this often: a tenth of the first poll's delay, so a
        # letter is asked about on time even when the clock is scaled for a demo or test.
        self.scan_s = min(1.0, max(0.02, MINUTE / config.tracking.time_scale))

    async def run(self) -> None:
        """Run until cancelled."""
        self._cursor = saved = self._history.enrolled()
        saved_at = time.monotonic()
        while True:
            # Nothing is asked while the answer could not be recorded.
            await self._storage.healed(LEDGER)
            before = self._cursor
            letters, self._cursor = self._history.deposits_since(self._cursor, MOVES_BATCH)
            self._enroll(letters)
            if self._cursor != saved and time.monotonic() - saved_at > CURSOR_SAVE_S:
                self._history.enrolled_up_to(self._cursor)
                saved, saved_at = self._cursor, time.monotonic()
            if self._cursor - before >= MOVES_BATCH:
                continue
            due = self._history.due(self._clock(), BATCH)
            if due:
                await asyncio.gather(*(self._poll(tracked) for tracked in due))
                continue
            await asyncio.sleep(self._idle_s())

    def _idle_s(self) -> float:
        upcoming = self._history.next_due()
        if upcoming is None:
            return self.scan_s
        return min(self.scan_s, max(0.0, (upcoming - self._clock()).total_seconds()))

    def _enroll(self, letters: list[Letter]) -> None:
        for letter in letters:
            flow = self._flows.get(letter.flow)
            if flow is None or letter.internal_ref is None:
                log.warning(
                    "letter_not_followed_unknown_flow", letter_id=letter.id, flow=letter.flow
                )
                continue
            deposited = moment(letter.submitting_since or letter.updated_at)
            first = next_poll(
                Phase.ANALYSIS, flow.sending_type, deposited, self._clock(), self._timing, polls=0
            )
            assert first is not None  # a letter never asked about is always asked once
            if self._history.enroll(letter.id, flow.sending_type, deposited, first):
                self._on_change(letter.flow)

    async def _poll(self, tracked: Tracked) -> None:
        logger = log.bind(letter_id=tracked.letter_id, flow=tracked.flow, file=tracked.name)
        async with self._slots:
            await self._pause.wait_open()
            try:
                report: FileStatusReport | None = await self._client.status(tracked.internal_ref)
            except UnknownFile:
                logger.warning("status_unknown_file", internal_ref=tracked.internal_ref)
                report = None
            except SystemFault as fault:
                seconds = self._pause.trip(fault)
                logger.warning(
                    "status_polls_paused", fault=type(fault).__name__, retry_in_s=seconds
                )
                return
            self._pause.recovered()
            try:
                self._record(tracked, report, logger)
            except LedgerFault as fault:
                # Not the letter's and not a bug: nothing was recorded, so the letter is
                # still due and is asked about again once the ledger is well.
                self._storage.met_ledger_fault(fault)
            except Exception:
                # Our own bug, not the letter's: it is asked about again later, and the
                # other letters go on being followed.
                logger.exception("tracking_internal_error")
                later = timedelta(seconds=RETRY_AFTER_BUG_S / self._timing.time_scale)
                self._history.reschedule(tracked.letter_id, self._clock() + later)

    def _record(
        self,
        tracked: Tracked,
        report: FileStatusReport | None,
        logger: structlog.stdlib.BoundLogger,
    ) -> None:
        now = self._clock()
        latest = self._history.latest(tracked.letter_id)
        new = changes(latest, statuses(report)) if report is not None else []
        merged = {**latest, **{status.reference: status for status in new}}
        current = phase(tracked.sending_type, file_status(merged), documents(merged))
        upcoming = next_poll(
            current,
            tracked.sending_type,
            tracked.deposited_at,
            now,
            self._timing,
            polls=tracked.polls + 1,
        )
        ended = None
        if upcoming is None:
            ended = Ended.FINAL if current is Phase.FINAL else Ended.HORIZON
        targets = alert_channels.channels(
            self._flows[tracked.flow].notify if tracked.flow in self._flows else None
        )
        justified = [
            (a.key, a.kind, alerts.body(a, tracked, now), targets)
            for a in alerts.alerts_for(tracked, merged, now, self._timing)
        ]
        raised = self._history.record(
            tracked.letter_id, now, Outcome(tuple(new), upcoming, ended, tuple(justified))
        )
        logger.debug(
            "status_checked",
            polls=tracked.polls + 1,
            phase=str(current),
            next_poll_at=upcoming.isoformat() if upcoming else None,
        )
        for status in new:
            logger.info("status_changed", reference=status.reference, status=status.status)
        if ended is Ended.HORIZON:
            logger.warning("letter_no_longer_followed", sending_type=tracked.sending_type)
        elif ended:
            logger.info("letter_final", sending_type=tracked.sending_type)
        for alert in raised:
            alerts.RAISED[(tracked.flow, alert.kind)] += 1
            fields = {
                k: v for k, v in alert.body.items() if k not in ("subject", "text", "flow", "file")
            }
            logger.warning("alert", **fields)
        if raised:
            self._notifier.wake()
        if new or ended or raised:
            self._on_change(tracked.flow)
