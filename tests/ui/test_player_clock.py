"""The playback clock (timer or sound master) and the PySide6 6.12.0 reference guard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QElapsedTimer

from bwv_review.ui.player import clock as clock_mod

pytestmark = pytest.mark.gui


def test_timer_clock_runs_at_the_speed_asked(qtbot):
    clock = clock_mod.PlaybackClock()
    wall = QElapsedTimer()
    clock.set_rate(2.0)
    wall.start()
    clock.start(1000)
    qtbot.waitUntil(lambda: clock.position() >= 1400, timeout=2000)
    expected = 1000 + 2.0 * wall.nsecsElapsed() / 1e6
    assert abs(clock.position() - expected) < 10
    clock.set_rate(0.5)  # a change of speed does not jump the clock
    before = clock.position()
    assert 0 <= clock.position() - before < 5
    clock.stop()
    frozen = clock.position()
    qtbot.wait(20)
    assert clock.position() == frozen
    clock.seek(250)
    assert clock.position() == 250


def test_sound_clock_interpolates_and_follows_the_sound(qtbot):
    """The sound-master logic, fed positions by hand (no audio device in tests): the
    position of the sound handed to the output."""
    clock = clock_mod.PlaybackClock()
    clock._sound = True
    clock.start(0)  # no player: it waits for the sound to start
    assert clock._raw_position() == 0
    clock._on_sound_position(0)  # the echo of our own setPosition: still waiting
    assert clock._awaiting_sound
    clock._on_sound_position(20)
    assert not clock._awaiting_sound
    qtbot.waitUntil(lambda: clock._raw_position() >= 60, timeout=1000)  # runs on between reports
    # a small disagreement is eased in; the clock never runs backwards
    here = clock._raw_position()
    clock._on_sound_position(int(here) - 30)
    assert clock._raw_position() >= here
    # a large jump ahead (the sound skipped) is taken at once
    clock._on_sound_position(int(clock._raw_position()) + 500)
    assert clock._raw_position() >= here + 499
    # if the sound stops reporting, the picture stops too (after the interpolation cap)
    at = clock._anchor_ms
    clock._elapsed.start()
    qtbot.waitUntil(lambda: clock._raw_position() >= at + clock_mod.MAX_INTERPOLATION_MS - 1, timeout=2000)
    qtbot.wait(50)
    assert clock._raw_position() <= at + clock_mod.MAX_INTERPOLATION_MS + 1


def test_the_picture_follows_the_sound_heard_not_the_sound_reported(qtbot, monkeypatch):
    """Heard = reported minus the output latency and the time-stretch delay, ramped in as the
    output refills after a start or seek, never before the start point, none when skimming."""
    monkeypatch.setattr(clock_mod, "SOUND_LAG_RAMP_MS", 200.0)
    clock = clock_mod.PlaybackClock()
    clock._sound = True
    clock.start(5000)
    assert clock.sound_lag_ms() == 0 and clock.position() == 5000  # waiting for the sound
    clock._on_sound_position(5020)
    qtbot.waitUntil(lambda: clock._since_sound.nsecsElapsed() / 1e6 > 250, timeout=2000)
    full = clock_mod.SOUND_LAG_MS
    assert clock.sound_lag_ms() == pytest.approx(full)
    raw = clock._raw_position()
    assert clock.position() == pytest.approx(max(5000.0, raw - full), abs=5)
    clock.set_rate(2.0)  # media ms per wall ms doubles, and the stretcher adds its delay
    assert clock.sound_lag_ms() == pytest.approx(2 * (full + clock_mod.SOUND_LAG_PER_SPEED_MS))
    clock.seek(9000)  # a seek shows its own frame at once, then waits for the sound
    assert clock.position() == pytest.approx(9000, abs=5) and clock.sound_lag_ms() == 0
    clock.set_rate(8.0)  # skimming: no sound, no lag
    assert not clock._sound_leads() and clock.sound_lag_ms() == 0
    clock.stop()
    assert clock.sound_lag_ms() == 0


def test_refcount_guard_keeps_true_and_none_alive():
    """PySide6 6.12.0 drops a reference to True per emit and to None per void call."""
    import sys

    from PySide6.QtCore import QObject, Signal

    from bwv_review.ui.player.signal_guard import (
        emit_leaks_true,
        guard_signal_refcounts,
        void_call_leaks_none,
    )

    class Pinger(QObject):
        ping = Signal(int)

    guard_signal_refcounts()
    pinger, timer = Pinger(), QElapsedTimer()
    for i in range(5000):
        pinger.ping.emit(i)
        timer.start()
    if sys.version_info < (3, 12):
        if emit_leaks_true():
            assert sys.getrefcount(True) > 1 << 40
        if void_call_leaks_none():
            assert sys.getrefcount(None) > 1 << 40
