"""Alerts reach their channels once: a command (JSON on its stdin) and an email."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta

import pytest

from imprimfip.config.model import NotifyConfig
from imprimfip.ledger import Ledger, LetterState
from imprimfip.ledger.history import History, Outcome
from imprimfip.tracking import alerts
from imprimfip.tracking.alert_channels import (
    MAX_ATTEMPTS,
    Notifier,
    channels,
    retry_at,
    run_command,
)
from tests.api.letters import lrar, std
from tests.fixtures.waiting import async_wait_until
from tests.tracking.harness import tracking
from tests.tracking.smtp import SmtpServer

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def appender(path) -> str:
    """A notifier command (TOML array) that appends its standard input to `path`, a line each."""
    script = (
        f"import sys; open({str(path)!r}, 'a', encoding='utf-8').write(sys.stdin.read() + '\\n')"
    )
    return json.dumps([sys.executable, "-c", script])


def received(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def test_an_error_alert_reaches_the_command_once_per_letter(tmp_path, make_sandbox):
    box = make_sandbox(file_error_rate=1.0)
    sink = tmp_path / "alertes.jsonl"
    notify = f"[flows.notify]\ncommand = {appender(sink)}\n"
    before = alerts.RAISED[("courrier", "file_error")]
    async with tracking(tmp_path, box, notify=notify) as harness:
        ids = [await harness.deposit(std(f"lettre-{n}.pdf")) for n in range(2)]
        await harness.until_all_ended(len(ids))

        async def both_received() -> list[dict]:
            return received(sink) if len(received(sink)) >= 2 else []

        got = await async_wait_until(both_received)

        async def all_notified() -> bool:
            return harness.history.alerts_to_notify(NOW + timedelta(days=3650)) == []

        await async_wait_until(all_notified)

    assert sorted(a["file"] for a in got) == ["lettre-0.pdf", "lettre-1.pdf"]
    assert {a["kind"] for a in got} == {"file_error"}
    assert all("a été refusé par IMPRIM'FIP" in a["text"] for a in got)
    assert alerts.RAISED[("courrier", "file_error")] == before + 2


def test_channels_follow_the_flow_config():
    assert channels(None) == ()
    assert channels(NotifyConfig()) == ()
    assert channels(NotifyConfig(command=("true",))) == ("command",)


def test_a_failed_channel_is_tried_again_later_and_then_given_up():
    assert retry_at(1, NOW) == NOW + timedelta(minutes=1)
    assert retry_at(3, NOW) == NOW + timedelta(minutes=4)
    assert retry_at(MAX_ATTEMPTS - 1, NOW) == NOW + timedelta(hours=1)
    assert retry_at(MAX_ATTEMPTS, NOW) is None


async def test_a_command_that_fails_or_hangs_is_reported_not_raised(tmp_path):
    assert await run_command((sys.executable, "-c", "pass"), b"{}", 10) is None
    failed = await run_command(
        (sys.executable, "-c", "import sys; sys.stderr.write('boom'); sys.exit(3)"), b"{}", 10
    )
    assert failed is not None and "status 3" in failed and "boom" in failed
    hung = await run_command((sys.executable, "-c", "import time; time.sleep(60)"), b"", 0.5)
    assert hung is not None and "did not finish" in hung
    missing = await run_command((str(tmp_path / "absent"),), b"", 1)
    assert missing is not None and "cannot start" in missing


def one_alert(tmp_path, channel_list: tuple[str, ...]) -> tuple[Ledger, History, int]:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    history = History(ledger)
    letter = ledger.add("courrier", "lettre.pdf", LetterState.CLAIMED)
    history.enroll(letter.id, "STD", NOW, NOW)
    body = {
        "flow": "courrier",
        "kind": "overdue",
        "subject": "[IMPRIM'FIP] Courrier pas encore remis à La Poste : lettre.pdf",
        "text": "Le courrier « lettre.pdf » n'est toujours pas remis à La Poste.",
    }
    [raised] = history.record(
        letter.id, NOW, Outcome((), None, None, (("overdue", "overdue", body, channel_list),))
    )
    return ledger, history, raised.id


async def test_the_email_is_sent_in_french_and_a_channel_that_worked_is_not_sent_again(tmp_path):
    async with SmtpServer() as smtp:
        email = {
            "host": "127.0.0.1",
            "port": smtp.port,
            "sender": "imprimfip@mairie.fr",
            "to": ["courrier@mairie.fr"],
            "starttls": False,
        }
        notify = NotifyConfig.model_validate(
            {"email": email, "command": [sys.executable, "-c", "import sys; sys.exit(1)"]}
        )
        ledger, history, alert_id = one_alert(tmp_path, ("email", "command"))
        try:
            notifier = Notifier(history, {"courrier": notify}, lambda: NOW)
            await notifier.flush()
            [left] = history.alerts_to_notify(NOW + timedelta(minutes=1))
            assert (left.id, left.pending, left.attempts) == (alert_id, ("command",), 1)
            await notifier.flush()  # nothing due before the retry time
            later = Notifier(history, {"courrier": notify}, lambda: NOW + timedelta(minutes=1))
            await later.flush()
        finally:
            ledger.close()
    [message] = smtp.messages
    assert smtp.recipients == [["courrier@mairie.fr"]]
    assert message["Subject"] == "[IMPRIM'FIP] Courrier pas encore remis à La Poste : lettre.pdf"
    assert "« lettre.pdf » n'est toujours pas remis" in message.get_content()


@pytest.mark.slow
async def test_a_refused_registered_letter_raises_one_alert(tmp_path, make_sandbox):
    box = make_sandbox(refused_rate=1.0)
    before = alerts.RAISED[("recommande", "refused")]
    async with tracking(tmp_path, box) as harness:
        ids = [await harness.deposit(lrar(f"recommande-{n}.pdf")) for n in range(2)]
        await harness.until_all_ended(len(ids))

        raised = {
            letter_id: harness.history.facts([letter_id])[letter_id].alerts for letter_id in ids
        }
        assert {letter_id: [a.kind for a in found] for letter_id, found in raised.items()} == {
            letter_id: ["refused"] for letter_id in ids
        }
        [alert] = raised[ids[0]]
        assert alert.body["status"] == "Refusé"
        assert "a été refusé par son destinataire" in alert.body["text"]
    assert alerts.RAISED[("recommande", "refused")] == before + 2


async def test_the_notifier_stops_when_cancelled_even_as_an_alert_wakes_it(tmp_path):
    ledger, history, _ = one_alert(tmp_path, ())
    try:
        notifier = Notifier(history, {}, lambda: NOW)
        task = asyncio.create_task(notifier.run())
        for _ in range(3):
            await asyncio.sleep(0)
        notifier.wake()
        await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=5)
        assert done == {task}, "a cancellation that came with a wake-up was swallowed"
    finally:
        ledger.close()
