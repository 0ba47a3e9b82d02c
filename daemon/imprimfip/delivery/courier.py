"""One claimed letter, from processing/ to IMPRIM'FIP and into done/ or error/.

Each step writes its state to the ledger before the side effect it announces (see
docs/letter-life.md); `file` replays the side effect of a decided state, so a restart
at any instant completes what was decided and never decides twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog

from imprimfip import crashpoints, notes_fr
from imprimfip.api.backoff import Pause
from imprimfip.api.client import ImprimFipClient
from imprimfip.api.probe import flight
from imprimfip.delivery import filing, submission
from imprimfip.delivery.flow import Flow
from imprimfip.errors import LedgerFault, LetterRejected, OutcomeUnknown, SystemFault
from imprimfip.intake import sidecar
from imprimfip.intake.claim import Claimed, changed_since_claim
from imprimfip.ledger import Ledger, Letter, LetterState
from imprimfip.ledger.probes import AbsentRefs
from imprimfip.ledger.store import moment, now_iso
from imprimfip.metrics import LETTERS_DECIDED, PAUSES, VALIDATION_SECONDS
from imprimfip.storage.episodes import LEDGER
from imprimfip.storage.watch import StorageWatch
from imprimfip.validation.pool import ValidatorPool
from imprimfip.validation.report import Report

# Recorded with a deposit that became uncertain while this daemon waited for its answer:
# when the request ended, which bounds the seconds to probe.
ENDED_AT = "ended_at"

log = structlog.get_logger(__name__)


def letter_log(flow: Flow, letter: Letter) -> structlog.stdlib.BoundLogger:
    """A logger that names the letter in every event: flow, file name, sha256 prefix."""
    return log.bind(flow=flow.config.name, file=letter.name, sha256=(letter.sha256 or "")[:12])


class _Attempt:
    """Brackets each attempt of a deposit in the ledger: `submitting` is durable right
    before a request may leave, and undone when the answer proves nothing was accepted.

    So a stop while a letter waits for the budget or between retries leaves it claimed,
    to be sent normally, and only a stop while a request may be on the wire makes it
    uncertain (see docs/invariants.md, 'Nothing is mailed twice').
    """

    def __init__(self, ledger: Ledger, letter_id: int, submit_name: str) -> None:
        self._ledger = ledger
        self._letter_id = letter_id
        self._submit_name = submit_name
        self._submitting = False

    def before_send(self) -> None:
        if not self._submitting:
            self._ledger.move(
                self._letter_id,
                LetterState.SUBMITTING,
                submit_name=self._submit_name,
                submitting_since=now_iso(),
            )
            self._submitting = True
        crashpoints.reached("submit.row_written")

    def not_accepted(self) -> None:
        if self._submitting:
            self._ledger.move(self._letter_id, LetterState.CLAIMED, {"attempt": "not accepted"})
            self._submitting = False


class Courier:
    """Takes claimed letters to IMPRIM'FIP; shared by every flow."""

    def __init__(
        self,
        ledger: Ledger,
        client: ImprimFipClient,
        validator: ValidatorPool,
        pause: Pause,
        storage: StorageWatch,
        *,
        username: str,
        request_timeout_s: float,
    ) -> None:
        self.ledger = ledger
        self.client = client
        self.validator = validator
        self.pause = pause
        self.storage = storage
        self.configure(username=username, request_timeout_s=request_timeout_s)
        # Letters whose request is on the wire: a stop waits for these, not for the others.
        self.sending: set[int] = set()

    def configure(self, *, username: str, request_timeout_s: float) -> None:
        """The API settings the courier itself needs (set again on a reload)."""
        self._username = username
        self._request_timeout_s = request_timeout_s

    async def deliver(self, flow: Flow, claimed: Claimed) -> None:
        """Validate and deposit a freshly claimed letter, then file it.

        Runs in the letter's own task: what it binds to the log context (flow, file,
        sha256 prefix) names the letter in every event of that task, the API client's too.
        """
        letter = claimed.letter
        structlog.contextvars.bind_contextvars(
            flow=flow.config.name, file=letter.name, sha256=(letter.sha256 or "")[:12]
        )
        recipient = self._recipient(flow, claimed)
        if isinstance(recipient, notes_fr.Reason):
            self.reject(flow, letter, [recipient])
            return
        reasons = self._duplicate(flow, letter)
        if reasons:
            self.reject(flow, letter, reasons)
            return
        with VALIDATION_SECONDS.labels(flow.config.name).time():
            inspection = await self.validator.inspect(
                claimed.data,
                flow.config.validation,
                want_address=flow.config.sending_type == "LRAR" and recipient.address is None,
                picture="refused",
            )
        report = inspection.report
        if report.unchecked:
            # A bug of ours stopped a rule: the letter is not to blame, nor fully checked.
            letter_log(flow, letter).error("validation_incomplete", rules=report.unchecked)
            return
        reasons = self._refusals(flow, report, recipient)
        if reasons:
            if inspection.picture is not None:
                assert letter.claim_name is not None
                filing.keep_picture(flow.folders, letter.claim_name, inspection.picture)
            self.reject(flow, letter, reasons, picture=inspection.picture is not None)
            return
        await self._send(flow, claimed, report, recipient)

    @staticmethod
    def _recipient(flow: Flow, claimed: Claimed) -> sidecar.Recipient | notes_fr.Reason:
        raw = claimed.sidecar
        if raw is None:
            if flow.config.sending_type == "LRE":
                return sidecar.missing_for_lre(claimed.letter.name)
            return sidecar.Recipient()
        recipient = sidecar.parse(raw, flow.config.validation)
        if (
            isinstance(recipient, sidecar.Recipient)
            and flow.config.sending_type == "LRE"
            and recipient.information is None
        ):
            return sidecar.missing_for_lre(claimed.letter.name)
        return recipient

    def _duplicate(self, flow: Flow, letter: Letter) -> list[notes_fr.Reason]:
        if flow.config.allow_duplicates or letter.sha256 is None:
            return []
        window = timedelta(days=flow.config.duplicate_window_days)
        earlier = self.ledger.earlier_deposit(flow.config.name, letter.sha256, window)
        if earlier is None or earlier.id == letter.id:
            return []
        return [notes_fr.duplicate(earlier.name, moment(earlier.updated_at), earlier.internal_ref)]

    @staticmethod
    def _refusals(
        flow: Flow, report: Report, recipient: sidecar.Recipient
    ) -> list[notes_fr.Reason]:
        reasons = [
            notes_fr.Reason(f.code, f.message, f.page)
            for f in report.findings
            if f.severity == "error"
        ]
        lrar = flow.config.sending_type == "LRAR"
        if not reasons and lrar and recipient.address is None and report.address is None:
            reasons.append(notes_fr.address_unreadable())
        return reasons

    async def _send(
        self,
        flow: Flow,
        claimed: Claimed,
        report: Report,
        recipient: sidecar.Recipient,
    ) -> None:
        """Deposit the claimed bytes; wait out system faults; never resend an unknown outcome."""
        letter = claimed.letter
        name = submission.submit_name(letter.name, letter.id)
        request = submission.build(
            flow.config, name, claimed.data, flow.annexes, report=report, recipient=recipient
        )
        logger = letter_log(flow, letter)
        # One for every try: after a ledger fault it knows whether `submitting` was recorded.
        attempt = _Attempt(self.ledger, letter.id, name)
        while True:
            await self.pause.wait_open()
            await self.storage.wait(LEDGER)
            if changed_since_claim(flow.folders, claimed):
                self.reject(flow, letter, [notes_fr.changed_after_claim()])
                return
            self.sending.add(letter.id)
            try:
                accepted = await self.client.submit(request, hooks=attempt)
                crashpoints.reached("submit.answered")
            except LedgerFault as fault:
                # Nothing left: `submitting` could not be recorded, or was proved not
                # accepted and could not be taken back; either way, try again once it can be.
                self.storage.fault(fault, flow.config.name)
                continue
            except SystemFault as fault:
                seconds = self.pause.trip(fault)
                PAUSES.labels(type(fault).__name__).inc()
                logger.warning(
                    "deposit_paused",
                    fault=type(fault).__name__,
                    http_status=fault.detail.http_status,
                    retry_in_s=seconds,
                )
                continue
            except LetterRejected as refusal:
                logger.warning("deposit_refused", message=refusal.detail.message)
                self.reject(
                    flow,
                    self.ledger.get(letter.id),
                    [notes_fr.api_rejected(refusal.detail.message)],
                    http_status=refusal.detail.http_status,
                )
                return
            except OutcomeUnknown as unknown:
                logger.error(
                    "deposit_uncertain",
                    error=str(unknown),
                    correlation_id=unknown.detail.correlation_id,
                )
                letter = self.ledger.move(
                    letter.id,
                    LetterState.UNCERTAIN,
                    {"error": str(unknown), ENDED_AT: now_iso()},
                )
                await self.settle(flow, letter)
                return
            finally:
                self.sending.discard(letter.id)
            self.pause.recovered()
            warnings = [f.code for f in report.findings if f.severity == "warning"]
            warnings += recipient.warnings
            await self._accept(flow, letter, accepted.internal_ref, accepted.status, warnings)
            logger.info("deposited", internal_ref=accepted.internal_ref, pages=report.pages)
            return

    async def _accept(
        self,
        flow: Flow,
        letter: Letter,
        internal_ref: str,
        status: str,
        warnings: list[str],
    ) -> None:
        """Record an accepted deposit, then file it. Its internalRef is only in memory
        until recorded: a ledger fault is waited out here, never left to a replay."""
        while True:
            target = filing.done_target(flow.folders, letter.name, datetime.now().astimezone())
            try:
                letter = self.ledger.move(
                    letter.id,
                    LetterState.DEPOSITED,
                    {"submission_status": status, "warnings": warnings},
                    internal_ref=internal_ref,
                    final_path=str(target),
                )
                break
            except LedgerFault as fault:
                self.storage.fault(fault, flow.config.name)
                await self.storage.wait(LEDGER)
        crashpoints.reached("deposit.row_written")
        LETTERS_DECIDED.labels(flow.config.name, LetterState.DEPOSITED).inc()
        self.file(flow, letter)

    def reject(
        self, flow: Flow, letter: Letter, reasons: list[notes_fr.Reason], **facts: object
    ) -> None:
        """Decide that a letter goes to error/ with `reasons`, then do it."""
        target = filing.error_target(flow.folders, letter.name)
        letter = self.ledger.move(
            letter.id,
            LetterState.REJECTED,
            {"reasons": [r.code for r in reasons], **facts},
            reason_code=",".join(r.code for r in reasons),
            reason="\n".join(r.message for r in reasons),
            final_path=str(target),
        )
        letter_log(flow, letter).warning("letter_rejected", codes=[r.code for r in reasons])
        crashpoints.reached("reject.row_written")
        LETTERS_DECIDED.labels(flow.config.name, LetterState.REJECTED).inc()
        self.file(flow, letter)

    async def settle(self, flow: Flow, letter: Letter) -> None:
        """Find an uncertain deposit again; if it is not found, hold it for a person.

        Never resends: a letter whose deposit cannot be found may still have been received.
        A system fault leaves it uncertain in processing/ for the next attempt.
        """
        assert letter.submit_name is not None and letter.submitting_since is not None
        since, until = flight(
            moment(letter.submitting_since),
            self._request_ended(letter.id),
            self._request_timeout_s,
            datetime.now(UTC),
        )
        absent = AbsentRefs(self.ledger)
        try:
            found = await self.client.find_submission(
                letter.submit_name,
                flow.config.on_behalf_of or self._username,
                since,
                until,
                absent=absent.of(letter.id),
                on_absent=lambda ref: absent.record(letter.id, ref),
            )
        except SystemFault as fault:
            self.pause.trip(fault)
            letter_log(flow, letter).warning("uncertain_probe_failed", fault=type(fault).__name__)
            return
        except OutcomeUnknown as unprovable:
            # Too many seconds to probe within the budget: a person checks instead.
            letter_log(flow, letter).warning("uncertain_not_probed", reason=str(unprovable))
            found = None
        if found is not None:
            letter_log(flow, letter).info("uncertain_found", internal_ref=found.internal_ref)
            await self._accept(flow, letter, found.internal_ref, found.status, [])
            return
        target = filing.error_target(flow.folders, letter.name)
        letter = self.ledger.update(
            letter.id,
            final_path=str(target),
            reason_code="uncertain",
            reason=notes_fr.uncertain(since, letter.submit_name).message,
        )
        letter_log(flow, letter).error(
            "uncertain_held_for_a_person", submit_name=letter.submit_name
        )
        LETTERS_DECIDED.labels(flow.config.name, LetterState.UNCERTAIN).inc()
        self.file(flow, letter)

    def _request_ended(self, letter_id: int) -> datetime | None:
        """When the deposit's request ended, if this daemon saw it end (not after a stop)."""
        for step in reversed(self.ledger.transitions(letter_id)):
            if step["to_state"] == LetterState.UNCERTAIN:
                detail = step["detail"]
                ended = detail.get(ENDED_AT) if isinstance(detail, dict) else None
                return datetime.fromisoformat(ended) if isinstance(ended, str) else None
        return None

    def file(self, flow: Flow, letter: Letter) -> None:
        """Put a decided letter where the ledger says (done/ or error/), with its receipt
        or note."""
        filing.file_letter(self.ledger, flow, letter)
