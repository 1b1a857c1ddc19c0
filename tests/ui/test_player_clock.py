"""The playback clock (timer or sound master) and the PySide6 6.12.0 reference guard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QElapsedTimer, QObject, Signal

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


class ScriptedOutput(QObject):
    """Stands in for the sound output (there is no audio device in these tests): it answers
    heard() as told and records what the clock asked of it."""

    failed = Signal(str)

    def __init__(self):
        super().__init__()
        self.answer: tuple[str, float | None] = ("waiting", None)
        self.starts: list[tuple[float, float]] = []
        self.stops = 0

    def start(self, from_ms, speed):
        self.starts.append((from_ms, speed))
        self.answer = ("waiting", None)

    def stop(self):
        self.stops += 1

    def heard(self):
        return self.answer


@pytest.fixture
def sound_clock():
    clock = clock_mod.PlaybackClock()
    output = ScriptedOutput()
    clock._output = output
    output.failed.connect(clock._on_sound_error)
    clock._sound = True
    return clock, output


def test_the_picture_follows_the_sound_heard(qtbot, sound_clock):
    clock, output = sound_clock
    clock.start(5000)
    assert output.starts == [(5000.0, 1.0)]
    assert clock.position() == 5000  # waiting for the first sample to be heard
    output.answer = ("playing", 5012.5)
    assert clock.position() == 5012.5
    output.answer = ("playing", 5010.0)  # never backwards
    assert clock.position() == 5012.5
    output.answer = ("playing", 5100.0)
    assert clock.position() == 5100.0
    clock.seek(9000)  # a seek shows its own frame at once, then waits for the sound from there
    assert output.starts[-1] == (9000.0, 1.0) and clock.position() == 9000
    output.answer = ("playing", 9040.0)
    assert clock.position() == 9040.0
    clock.set_rate(2.0)  # the sound goes on from the moment shown, at the new speed
    assert output.starts[-1] == (9040.0, 2.0) and clock.position() == 9040.0
    stops = output.stops
    clock.set_rate(8.0)  # skimming: the sound stops, the timer leads
    assert output.stops == stops + 1 and len(output.starts) == 3
    qtbot.waitUntil(lambda: clock.position() > 9040.0 + 8 * 20, timeout=1000)
    clock.stop()
    assert output.stops == stops + 2


def test_when_the_sound_ends_or_never_starts_the_timer_goes_on(qtbot, sound_clock, monkeypatch):
    clock, output = sound_clock
    clock.start(0)
    output.answer = ("ended", 3000.0)  # the sound track is shorter than the footage
    assert clock.position() == 3000.0
    qtbot.waitUntil(lambda: clock.position() >= 3040, timeout=1000)
    said = []
    clock.notice.connect(said.append)
    monkeypatch.setattr(clock_mod, "SOUND_START_PATIENCE_MS", 50.0)
    clock.seek(100)
    assert clock.position() == 100 and not said  # waiting for the sound
    qtbot.waitUntil(lambda: clock.position() > 130, timeout=1000)  # it never came: on the timer
    assert len(said) == 1 and "did not start playing within 0.05 s" in said[0]  # and the reviewer is told


def test_a_sound_failure_is_said_and_the_picture_goes_on(qtbot, sound_clock):
    clock, output = sound_clock
    said = []
    clock.notice.connect(said.append)
    clock.start(1000)
    output.answer = ("playing", 1500.0)
    assert clock.position() == 1500.0
    output.failed.emit("the audio device stopped taking sound")
    assert not clock.has_sound() and said and "stopped taking sound" in said[0]
    qtbot.waitUntil(lambda: clock.position() > 1530, timeout=1000)


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
