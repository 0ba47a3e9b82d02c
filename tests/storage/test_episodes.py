"""An episode is said once when it starts and once when it ends; retries back off to a minute."""

from __future__ import annotations

from datetime import datetime, timedelta

from imprimfip.errors import StorageDetail, StorageKind
from imprimfip.storage.episodes import (
    LEDGER,
    MAX_RETRY_S,
    Episodes,
    Place,
    Say,
    failed,
    retry_delay_s,
    succeeded,
)

T0 = datetime(2026, 3, 2, 10, 42, 7).astimezone()
COURRIER = Place("courrier")
FULL = StorageDetail(
    StorageKind.FULL, "/srv/courrier/done/2026-03-02/.a.pdf.recu.json.tmp", "ENOSPC"
)
READ_ONLY = StorageDetail(StorageKind.READ_ONLY, "/srv/courrier/processing/x", "EROFS")
LEDGER_FULL = StorageDetail(StorageKind.FULL, "/var/lib/imprimfip/ledger.sqlite3", "SQLITE_FULL")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_backoff_grows_from_a_second_to_a_minute():
    delays = [retry_delay_s(n) for n in range(1, 10)]
    assert delays[:6] == [1, 2, 4, 8, 16, 32]
    assert delays[6:] == [MAX_RETRY_S] * 3
    assert delays == sorted(delays)


def test_the_start_is_said_once_then_the_end():
    episodes = Episodes()
    notices = [episodes.failed(COURRIER, FULL, at(s)) for s in (0, 1, 3, 7)]
    assert [n.say if n else None for n in notices] == [Say.STARTED, None, None, None]
    ended = episodes.succeeded(COURRIER, at(20))
    assert ended is not None and ended.say is Say.ENDED
    assert ended.fields()["lasted_s"] == 20.0
    assert episodes.succeeded(COURRIER, at(21)) is None
    assert episodes.failed(COURRIER, FULL, at(30)).say is Say.STARTED


def test_each_retry_waits_longer_until_a_minute():
    episode = None
    waits = []
    for attempt in range(9):
        now = at(attempt * 100)
        episode, _ = failed(episode, COURRIER, FULL, now)
        assert not episode.due(now)
        waits.append((episode.retry_at - now).total_seconds())
        assert episode.due(episode.retry_at)
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert episode.since == T0


def test_a_change_of_cause_is_said_but_keeps_the_episode():
    episode, _ = failed(None, COURRIER, FULL, at(0))
    episode, notice = failed(episode, COURRIER, READ_ONLY, at(2))
    assert notice is not None and notice.say is Say.CHANGED
    assert episode.since == T0 and episode.attempts == 2
    assert notice.fields()["error"] == "EROFS"


def test_a_success_without_an_episode_says_nothing():
    assert succeeded(None, at(0)) is None


def test_the_status_line_names_the_place_the_cause_and_the_start():
    episodes = Episodes()
    assert episodes.status() == ""
    episodes.failed(COURRIER, FULL, at(0))
    assert episodes.status() == "paused: share of flow courrier full since 10:42"
    episodes.failed(LEDGER, LEDGER_FULL, at(60))
    assert episodes.status() == (
        "paused: ledger disk full since 10:43; share of flow courrier full since 10:42"
    )


def test_each_kind_has_words_for_the_status_line():
    for kind in StorageKind:
        episode, _ = failed(None, LEDGER, StorageDetail(kind, None, "X"), at(0))
        assert episode.describe().startswith("ledger disk ")
        assert episode.describe().endswith(" since 10:42")


def test_a_faulty_share_pauses_only_its_flow_a_faulty_ledger_every_flow():
    episodes = Episodes()
    episodes.failed(COURRIER, FULL, at(0))
    assert episodes.claiming_paused("courrier")
    assert not episodes.claiming_paused("recommandes")
    assert not episodes.deposits_paused()
    episodes.failed(LEDGER, LEDGER_FULL, at(1))
    assert episodes.claiming_paused("recommandes")
    assert episodes.deposits_paused()
    episodes.succeeded(LEDGER, at(5))
    episodes.succeeded(COURRIER, at(6))
    assert not episodes.claiming_paused("courrier")
    assert episodes.current() == []


def test_the_log_fields_say_what_where_and_what_waits():
    notice = Episodes().failed(COURRIER, FULL, at(0))
    fields = notice.fields()
    assert fields["place"] == "share of flow courrier"
    assert fields["flow"] == "courrier"
    assert fields["path"] == FULL.path
    assert (fields["error"], fields["kind"]) == ("ENOSPC", "full")
    assert "inbox/" in fields["waits"]
    assert fields["retry_in_s"] == 1
    ledger = Episodes().failed(LEDGER, LEDGER_FULL, at(0)).fields()
    assert ledger["flow"] is None
    assert "every flow" in ledger["waits"]
