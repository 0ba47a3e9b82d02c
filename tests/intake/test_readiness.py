from imprimfip.intake.readiness import Look, assess

SETTLE = 5.0


def test_a_new_file_is_never_ready_at_first_sight():
    verdict = assess(None, Look(size=100, mtime_ns=1), now=1000.0, settle_seconds=SETTLE)
    assert not verdict.ready
    assert verdict.check_again_at == 1000.0 + SETTLE


def test_ready_once_unchanged_for_the_settle_time_across_two_looks():
    first = assess(None, Look(100, 1), now=1000.0, settle_seconds=SETTLE)
    early = assess(first.watch, Look(100, 1), now=1004.9, settle_seconds=SETTLE)
    assert not early.ready
    assert early.check_again_at == 1005.0
    late = assess(early.watch, Look(100, 1), now=1005.0, settle_seconds=SETTLE)
    assert late.ready


def test_a_slow_writer_restarts_the_clock_at_every_change():
    watch = assess(None, Look(100, 1), now=0.0, settle_seconds=SETTLE).watch
    for second in range(1, 30):
        verdict = assess(
            watch, Look(100 + second, second), now=float(second) * 4, settle_seconds=SETTLE
        )
        assert not verdict.ready
        watch = verdict.watch
    assert assess(watch, watch.look, now=watch.stable_since + SETTLE, settle_seconds=SETTLE).ready


def test_a_changed_mtime_alone_restarts_the_clock():
    watch = assess(None, Look(100, 1), now=0.0, settle_seconds=SETTLE).watch
    verdict = assess(watch, Look(100, 2), now=10.0, settle_seconds=SETTLE)
    assert not verdict.ready
    assert verdict.watch.stable_since == 10.0


def test_an_empty_file_is_never_ready_and_is_looked_at_again_later():
    watch = assess(None, Look(0, 1), now=0.0, settle_seconds=SETTLE).watch
    verdict = assess(watch, Look(0, 1), now=100.0, settle_seconds=SETTLE)
    assert not verdict.ready
    assert verdict.check_again_at == 105.0
