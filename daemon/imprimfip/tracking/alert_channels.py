"""Sending alerts to the people of a flow: an email and/or a command.

An alert is recorded in the ledger first, with the channels it must reach; `Notifier`
then delivers it, and tries a failed channel again later (1 min, doubling, up to 1 h; at
most 8 attempts), so a restart or an SMTP outage loses no alert, and a channel that worked
is not sent the alert twice. The command gets the alert as one JSON object on its standard
input; the email is the alert's French text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import smtplib
import ssl
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum

import structlog

from imprimfip.config.model import EmailNotifierConfig, NotifyConfig
from imprimfip.ledger.history import AlertRow, History

log = structlog.get_logger(__name__)

RETRY_BASE_S = 60.0
RETRY_MAX_S = 3600.0
MAX_ATTEMPTS = 8
STDERR_SHOWN = 500


class Channel(StrEnum):
    """Where an alert goes besides the log (stored in the ledger with each pending alert)."""

    EMAIL = "email"
    COMMAND = "command"


def channels(notify: NotifyConfig | None) -> tuple[Channel, ...]:
    """The channels a flow's alerts go to besides the log."""
    if notify is None:
        return ()
    found = (Channel.EMAIL,) if notify.email is not None else ()
    return found + ((Channel.COMMAND,) if notify.command else ())


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try a channel again after `attempts` failed attempts; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + timedelta(seconds=min(RETRY_BASE_S * 2 ** (attempts - 1), RETRY_MAX_S))


async def run_command(argv: tuple[str, ...], body: bytes, timeout_s: float) -> str | None:
    """Run `argv` with `body` on its standard input; the problem, or None if it exited 0."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        return f"cannot start {argv[0]}: {exc.strerror or exc}"
    try:
        async with asyncio.timeout(timeout_s):
            _, stderr = await process.communicate(body)
    except TimeoutError:
        process.kill()
        await process.wait()
        return f"{argv[0]} did not finish within {timeout_s:g} s"
    except asyncio.CancelledError:
        process.kill()  # the daemon stops: leave no notifier behind
        raise
    if process.returncode != 0:
        tail = stderr.decode("utf-8", "replace")[-STDERR_SHOWN:].strip()
        return f"{argv[0]} exited with status {process.returncode}: {tail}"
    return None


def send_mail(config: EmailNotifierConfig, subject: str, text: str) -> None:
    """Send one email (blocking: run it in a thread). Raises OSError or SMTPException."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.sender
    message["To"] = ", ".join(config.to)
    message.set_content(text)
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as smtp:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.username:
            password = config.password.reveal() if config.password else ""
            smtp.login(config.username, password)
        smtp.send_message(message)


class Notifier:
    """Delivers recorded alerts to their channels; `wake()` after raising new ones."""

    def __init__(
        self,
        history: History,
        flows: Mapping[str, NotifyConfig],
        clock: Callable[[], datetime],
    ) -> None:
        self._history = history
        self._flows = flows
        self._clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Deliver what is due, then wait for new alerts or the next retry (a minute)."""
        while True:
            self._wake.clear()
            await self.flush()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that arrives as the event is set, and the daemon would not stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RETRY_BASE_S):
                    await self._wake.wait()

    async def flush(self) -> None:
        for alert in self._history.alerts_to_notify(self._clock()):
            await self.deliver(alert)

    async def deliver(self, alert: AlertRow) -> None:
        """Try each pending channel once; record what is left and when to retry it."""
        notify = self._flows.get(str(alert.body.get("flow")))
        logger = log.bind(alert_id=alert.id, kind=alert.kind, flow=alert.body.get("flow"))
        left = []
        for channel in alert.pending:
            if channel not in channels(notify):
                logger.warning("alert_channel_gone", channel=channel)
                continue
            assert notify is not None
            problem = await self._send(channel, notify, alert)
            if problem is None:
                logger.info("alert_notified", channel=channel)
            else:
                logger.error("alert_notification_failed", channel=channel, problem=problem)
                left.append(channel)
        retry = retry_at(alert.attempts + 1, self._clock()) if left else None
        if left and retry is None:
            logger.error("alert_notification_abandoned", channels=left, attempts=MAX_ATTEMPTS)
        self._history.notification_done(alert.id, tuple(left) if retry else (), retry)

    @staticmethod
    async def _send(channel: str, notify: NotifyConfig, alert: AlertRow) -> str | None:
        if channel == Channel.COMMAND:
            assert notify.command is not None
            body = json.dumps(alert.body, ensure_ascii=False).encode("utf-8")
            return await run_command(notify.command, body, notify.command_timeout_s)
        assert notify.email is not None
        try:
            await asyncio.to_thread(
                send_mail, notify.email, str(alert.body["subject"]), str(alert.body["text"])
            )
        except (OSError, smtplib.SMTPException) as exc:
            return f"{type(exc).__name__}: {exc}"
        return None
