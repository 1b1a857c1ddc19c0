"""The player shows the exact frame for its position, plays in step, and never blocks.

Every test clip carries its frame index in its pixels, so each check reads the picture
actually handed to the screen, not what the player says it is showing.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from bwv_review.ui.player import clock as clock_mod
from bwv_review.ui.player.widget import PlayerWidget
from tests.footage import read_index, write_clip

pytestmark = pytest.mark.gui

FPS = 25
FRAME_MS = 1000 / FPS


def _source_factory():
    """The real VideoSource once core.media has it; a slow but exact stand-in until then."""
    try:
        from bwv_review.core.media import VideoSource  # noqa: F401
    except ImportError:
        return _StandInSource
    return None


class _StandInSource:
    """Exact frames by decoding from the start with PyAV (fine for clips of a few seconds)."""

    def __init__(self, path: Path, sha256: str | None = None) -> None:
        from bwv_review.core.media import probe

        self.info = probe(path)
        self._path = path
        self._frames = None
        self._next = 0

    def _restart(self):
        import av

        self._container = av.open(str(self._path))
        self._frames = self._container.decode(video=0)
        self._next = 0

    def frame(self, index: int):
        if self._frames is None or index < self._next:
            self._restart()
        while self._next < index:
            next(self._frames)
            self._next += 1
        return self.next_frame()

    def frame_at(self, ms: float):
        import bisect

        return self.frame(max(0, bisect.bisect_right(self.info.index.times_ms, ms) - 1))

    def next_frame(self):
        from types import SimpleNamespace

        if self._frames is None:
            self._restart()
        try:
            raw = next(self._frames)
        except StopIteration:
            return None
        index = self._next
        self._next += 1
        return SimpleNamespace(index=index, time_ms=self.info.index.times_ms[index],
                               image=raw.to_ndarray(format="rgb24"))

    def close(self):
        if self._frames is not None:
            self._container.close()
            self._frames = None


@pytest.fixture(scope="module")
def clip4s(tmp_path_factory) -> Path:
    """4 s of 25 fps H.264, no sound, B-frames and 1 s GOPs."""
    return write_clip(tmp_path_factory.mktemp("player") / "four.mp4", frames=100, fps=FPS, gop=25)


@pytest.fixture(scope="module")
def clip720(tmp_path_factory) -> Path:
    return write_clip(tmp_path_factory.mktemp("player") / "hd720.mp4", frames=100, fps=FPS,
                      size=(1280, 720), gop=50)


@pytest.fixture
def player(qtbot):
    # Shown inside a plain window, as the workspace embeds it (a top-level widget with a
    # layout makes the offscreen platform warn that it cannot propagate size hints).
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(640, 420)
    widget = PlayerWidget(host)
    widget.setGeometry(0, 0, 640, 420)
    widget._decoder.worker._factory = _source_factory() or widget._decoder.worker._factory
    host.show()
    yield widget
    widget.shutdown()


def shown_index(widget: PlayerWidget) -> int:
    """The frame number drawn into the picture the view is painting."""
    image = widget.displayed_image().convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = image.height(), image.width(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)
    return read_index(data[:, : w * 3].reshape(h, w, 3))


def load(qtbot, widget: PlayerWidget, path: Path, **kwargs) -> None:
    with qtbot.waitSignal(widget.frameShown, timeout=10000):
        widget.load(path, **kwargs)


def wait_for_frame(qtbot, widget: PlayerWidget, index: int) -> None:
    qtbot.waitUntil(lambda: widget.current_frame_index() == index, timeout=5000)


def test_empty_player_says_so(player):
    assert player.view._message == "No footage loaded"
    assert player.position_ms() == 0 and player.duration_ms() == 0
    assert not player.transport.play.isEnabled()
    for control in (player.transport.back, player.transport.play, player.transport.forward,
                    player.transport.speed, player.transport.time, player.transport.goto):
        assert control.toolTip()


def test_load_shows_first_frame_and_caption(qtbot, player, clip4s):
    load(qtbot, player, clip4s, exhibit_ref="AB/1", recording_start="2019-07-01T23:34:55+01:00",
         timezone="Europe/London")
    assert shown_index(player) == 0
    assert player.duration_ms() == 4000
    with qtbot.waitSignal(player.frameShown, timeout=5000):
        player.seek(1520)
    caption, hover = player.view._caption, player.view._hover
    assert "AB/1" in caption and "00:00:01.520" in caption and "frame 38" in caption
    assert "23:34:56.520 BST" in caption
    assert "UTC 2019-07-01 22:34:56.520Z" in hover


@pytest.mark.parametrize("ms", [0, 39, 40, 41, 1000, 2019, 3999, 1234, 80])
def test_seek_shows_the_exact_frame(qtbot, player, clip4s, ms):
    load(qtbot, player, clip4s)
    expected = int(ms // FRAME_MS)
    player.seek(ms)
    wait_for_frame(qtbot, player, expected)
    assert shown_index(player) == expected
    assert player.position_ms() == round(expected * FRAME_MS)


def test_step_forward_and_back_are_exact(qtbot, player, clip4s):
    load(qtbot, player, clip4s)
    player.seek(2000)
    wait_for_frame(qtbot, player, 50)
    for delta, expected in [(1, 51), (1, 52), (-1, 51), (-1, 50), (-1, 49), (5, 54), (-10, 44)]:
        player.step(delta)
        wait_for_frame(qtbot, player, expected)
        assert shown_index(player) == expected
    player.step(-1000)
    wait_for_frame(qtbot, player, 0)
    player.step(1000)
    wait_for_frame(qtbot, player, 99)
    assert shown_index(player) == 99


def test_skip_and_go_to_time(qtbot, player, clip4s):
    load(qtbot, player, clip4s)
    player.skip(1000)
    wait_for_frame(qtbot, player, 25)
    player.skip(-400)
    wait_for_frame(qtbot, player, 15)
    player.transport.goto.setText("00:00:03.2")
    player.transport.goto.returnPressed.emit()
    wait_for_frame(qtbot, player, 80)
    assert shown_index(player) == 80
    with qtbot.waitSignal(player.notice, timeout=1000) as said:
        player.transport.goto.setText("half past")
        player.transport.goto.returnPressed.emit()
    assert "not understood" in said.args[0]


def _play_and_watch(qtbot, player, speed):
    """Play 1.5 s of footage from the start; (frames seen, draw offsets, drops, GUI stall)."""
    player.seek(0)
    wait_for_frame(qtbot, player, 0)
    before = player.dropped_frames
    seen: list[tuple[int, int, float]] = []  # (index reported, index in the picture, wall ms)
    wall, heartbeat = QElapsedTimer(), Heartbeat()

    def record(index, _time_ms):
        if player.is_playing():
            seen.append((index, shown_index(player), wall.nsecsElapsed() / 1e6))

    player.frameShown.connect(record)
    player._sync_offsets.clear()
    wall.start()
    heartbeat.start()
    with qtbot.waitSignal(player.playingChanged, timeout=1000):
        player.play()
    qtbot.waitUntil(lambda: player.position_ms() >= 1500 * speed, timeout=5000)
    player.pause()
    player.frameShown.disconnect(record)
    return seen, sorted(player.sync_offsets()), player.dropped_frames - before, heartbeat.stop()


@pytest.mark.parametrize("speed", [1.0, 2.0])
def test_playback_follows_the_clock(qtbot, player, clip4s, speed):
    load(qtbot, player, clip4s)
    player.set_speed(speed)
    starved = []
    for _attempt in range(4):  # again only if the machine starved the process meanwhile
        seen, offsets, dropped, longest = _play_and_watch(qtbot, player, speed)
        lags = sorted(abs(wall_ms * speed - index * FRAME_MS) for index, _, wall_ms in seen)
        in_step = lags[len(lags) // 2] < FRAME_MS and lags[int(len(lags) * 0.9)] < 2 * FRAME_MS
        if (in_step and dropped == 0) or longest < FRAME_MS / speed:
            break
        starved.append((dropped, round(lags[-1]), round(longest)))
    else:
        pytest.skip(f"the machine starved this process in every run (dropped, worst lag ms, longest "
                    f"GUI stall ms): {starved}; real-time playback cannot be judged here")
    assert len(seen) > 10
    assert all(reported == drawn for reported, drawn, _ in seen)
    # Each frame appears when the clock reaches it: wall time x speed ~ frame time.
    assert in_step, (lags, starved)
    # clock time - frame time when it was drawn: never early, typically a tick late
    assert offsets[0] > -1 and offsets[len(offsets) // 2] < FRAME_MS, offsets
    assert dropped == 0, starved


class Heartbeat:
    """The longest the GUI thread, or a thread beside it (standing in for the decode thread),
    went unscheduled. When the machine is so busy that the process is not run for a frame
    time, no player can keep up, and a drop then says nothing about the player."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(2)
        self.timer.timeout.connect(self._beat)
        self.clock = QElapsedTimer()
        self.longest = 0.0
        self._running = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.longest = 0.0
        self.clock.start()
        self.timer.start()
        self._running.set()
        self._thread = threading.Thread(target=self._beside, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self.timer.stop()
        self._running.clear()
        if self._thread is not None:
            self._thread.join()
        return self.longest

    def _beat(self) -> None:
        self.longest = max(self.longest, self.clock.restart() - 2.0)

    def _beside(self) -> None:
        import time

        last = time.perf_counter()
        while self._running.is_set():
            time.sleep(0.002)
            now = time.perf_counter()
            self.longest = max(self.longest, (now - last) * 1000 - 2.0)
            last = now


def test_no_frames_dropped_at_1x_for_720p(qtbot, player, clip720):
    load(qtbot, player, clip720)
    heartbeat, starved = Heartbeat(), []
    for _attempt in range(4):  # again only if the machine starved the process meanwhile
        player.seek(0)
        wait_for_frame(qtbot, player, 0)
        before = player.dropped_frames
        heartbeat.start()
        with qtbot.waitSignal(player.playingChanged, timeout=1000):
            player.play()
        with qtbot.waitSignal(player.playingChanged, timeout=10000) as stopped:
            pass
        longest = heartbeat.stop()
        assert stopped.args == [False]
        assert player.current_frame_index() == 99
        dropped = player.dropped_frames - before
        if dropped == 0 or longest < FRAME_MS:
            break
        starved.append((dropped, round(longest)))
    else:
        pytest.skip(f"the machine starved this process in every run (dropped, longest GUI stall ms): "
                    f"{starved}; real-time playback cannot be judged here")
    assert dropped == 0, f"dropped {dropped}; earlier runs (dropped, longest GUI stall ms): {starved}"


def test_newest_seek_wins(qtbot, player, clip4s):
    load(qtbot, player, clip4s)
    worker = player._decoder.worker
    before = worker.decodes
    for i in range(50):
        player.seek(int((i * 79) % 4000))
    last = int(((49 * 79) % 4000) // FRAME_MS)
    wait_for_frame(qtbot, player, last)
    assert shown_index(player) == last
    assert worker.decodes - before < 10, worker.decodes - before


def test_missing_file_is_an_error_not_a_crash(qtbot, player, tmp_path):
    with qtbot.waitSignal(player.errorOccurred, timeout=5000) as error:
        player.load(tmp_path / "gone.mp4")
    assert "gone.mp4" in error.args[0]
    assert not player.is_playing()
    player.play()
    assert not player.is_playing()


def test_damaged_file_is_an_error(qtbot, player, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"this is not footage" * 100)
    with qtbot.waitSignal(player.errorOccurred, timeout=5000):
        player.load(bad)
    assert player.displayed_image() is None


def test_file_vanishing_during_playback_stops_it(qtbot, player, clip720, tmp_path):
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(clip720.read_bytes())
    load(qtbot, player, copy)
    with qtbot.waitSignal(player.playingChanged, timeout=1000):
        player.play()
    qtbot.waitUntil(lambda: player.current_frame_index() >= 5, timeout=5000)
    with qtbot.waitSignal(player.errorOccurred, timeout=10000):
        copy.write_bytes(b"")  # truncated under the open decoder
    assert not player.is_playing()
    # and the player is still usable
    load(qtbot, player, clip720)
    assert shown_index(player) == 0


def test_later_load_wins_over_earlier(qtbot, player, clip4s, clip720):
    player.load(clip720)
    player.seek(2000)
    player.load(clip4s)
    player.seek(1000)
    wait_for_frame(qtbot, player, 25)
    assert player.displayed_image().width() == 320


def test_watched_reports_coverage_and_speed(qtbot, player, clip4s):
    load(qtbot, player, clip4s)
    spans: list[tuple[int, int, float]] = []
    player.watched.connect(lambda a, b, s: spans.append((a, b, s)))
    player.set_speed(2.0)
    player.play()
    with qtbot.waitSignal(player.playingChanged, timeout=6000):
        pass  # plays to the end and stops
    assert spans and all(s == 2.0 for *_, s in spans)
    assert spans[0][0] == 0 and spans[-1][1] == 4000
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_pause_rewinds_when_asked(qtbot, player, clip4s):
    load(qtbot, player, clip4s)
    player.rewind_on_pause_ms = 1000
    player.seek(3000)
    wait_for_frame(qtbot, player, 75)
    player.play()
    qtbot.waitUntil(lambda: player.current_frame_index() >= 78, timeout=5000)
    player.pause()
    qtbot.waitUntil(lambda: player.current_frame_index() < 60, timeout=5000)
    assert shown_index(player) == player.current_frame_index()


def test_speed_range_and_signal(qtbot, player, clip4s):
    load(qtbot, player, clip4s)
    with qtbot.waitSignal(player.speedChanged) as changed:
        player.set_speed(100)
    assert changed.args == [16.0] and player.speed() == 16.0
    player.set_speed(0.1)
    assert player.speed() == 0.25
    assert player.transport.speed.currentText() == "0.25\u00d7"


def test_quiet_notice_when_there_is_no_sound(qtbot, player, clip4s, clip):
    with qtbot.waitSignal(player.notice, timeout=5000) as said:
        player.load(clip4s)
    assert said.args == [clock_mod.NO_TRACK]
    with qtbot.waitSignal(player.notice, timeout=5000) as said:
        player.load(clip)  # has a sound track, but tests run offscreen: no device
    assert said.args == [clock_mod.NO_DEVICE]


def test_no_thread_left_after_shutdown(qtbot, clip4s):
    widget = PlayerWidget(source_factory=_source_factory())
    qtbot.addWidget(widget)
    load(qtbot, widget, clip4s)
    widget.play()
    qtbot.waitUntil(lambda: widget.current_frame_index() >= 3, timeout=5000)
    thread = widget._decoder.thread
    widget.shutdown()
    assert thread.isFinished() and not thread.isRunning()
    assert not widget.is_playing()
    assert [t for t in threading.enumerate() if t.name == "bwv-decode"] == []


def test_variable_frame_rate_seeks_by_presentation_time(qtbot, player, tmp_path):
    # Frames bunch up and spread out as a phone's camera does; index/fps would be wrong.
    times = [0.0]
    for i in range(1, 60):
        times.append(times[-1] + (0.02 if i % 10 < 5 else 0.07))
    clip = write_clip(tmp_path / "vfr.mp4", frames=60, fps=30, frame_times=times)
    load(qtbot, player, clip)
    for target in (5, 17, 33, 58, 6):
        ms = times[target] * 1000 + 3  # a little after the frame starts
        player.seek(int(ms))
        wait_for_frame(qtbot, player, target)
        assert shown_index(player) == target
        assert abs(player.position_ms() - times[target] * 1000) <= 1


def test_the_view_paints_picture_caption_and_messages(qtbot, player, clip4s):
    empty = player.view.grab().toImage()
    assert not empty.isNull()
    load(qtbot, player, clip4s, exhibit_ref="AB/1")
    image = player.view.grab().toImage()
    rect = player.view.picture_rect()
    # letterboxed: a 4:3 picture in a wider view keeps its shape
    assert abs(rect.width() / rect.height() - 320 / 240) < 0.01
    assert image.pixelColor(2, image.height() // 2).lightness() < 20  # the bar beside it
    player.view.set_message("Something went wrong, and this sentence explains what happened.")
    assert not player.view.grab().toImage().isNull()


def test_playing_shows_pictures_fitted_to_the_view_and_pausing_the_exact_full_frame(qtbot, player, clip720):
    # 1280x720 in a 640x420 view: while playing, frames come already scaled to the view;
    # paused, the picture on screen is the full decoded frame, pixel for pixel.
    from bwv_review.core.media import VideoSource

    load(qtbot, player, clip720)
    assert player.displayed_image().width() == 1280
    scaled = []
    player.frameShown.connect(lambda *_: player.is_playing() and scaled.append(player.displayed_image().width()))
    player.play()
    qtbot.waitUntil(lambda: len(scaled) >= 3, timeout=5000)
    player.pause()
    assert all(width < 1280 for width in scaled[1:]), scaled
    qtbot.waitUntil(lambda: player.displayed_image().width() == 1280, timeout=5000)
    index = player.current_frame_index()
    assert shown_index(player) == index
    image = player.displayed_image().convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * 720).reshape(720, -1)
    with VideoSource(clip720) as source:
        assert np.array_equal(data[:, : 1280 * 3].reshape(720, 1280, 3), source.frame(index).image)
