"""Decoding ahead while playing (DecodeWorker.post_stream) never costs exactness.

The decode thread streams frames in order inside a window the player moves with the clock;
these tests read the frame number drawn into each picture, so a stale, skipped or
misnumbered frame cannot pass as the right one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QObject, Qt, Slot
from PySide6.QtGui import QImage

from bwv_review.ui.player.decoder import STREAMED, DecodeThread, FrameRequest
from tests.footage import read_index, write_clip
from tests.ui import test_player

pytestmark = pytest.mark.gui

clip720, player = test_player.clip720, test_player.player  # the player tests' own fixtures

FPS = 25


@pytest.fixture(scope="module")
def clip10s(tmp_path_factory) -> Path:
    """10 s of 25 fps H.264 with B-frames and 1 s GOPs, each frame's number drawn in it."""
    return write_clip(tmp_path_factory.mktemp("stream") / "ten.mp4", frames=250, fps=FPS, gop=25)


def drawn(image: QImage) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = image.height(), image.width(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)
    return read_index(data[:, : w * 3].reshape(h, w, 3))


class Collector(QObject):
    """Lives in the test's (GUI) thread, so the worker's frames reach it queued, as the player's do."""

    def __init__(self) -> None:
        super().__init__()
        self.got: list[tuple[int, int, int, int]] = []  # (serial, index, drawn index, flags)
        self.opened = False

    @Slot(int, object)
    def open(self, _generation, _info) -> None:
        self.opened = True

    @Slot(int, int, QImage, int, float, int)
    def take(self, _generation, serial, image, index, _ms, flags) -> None:
        self.got.append((serial, index, drawn(image), flags))


@pytest.fixture
def worker_thread():
    thread = DecodeThread()
    yield thread
    thread.shutdown()


def test_stream_decodes_in_order_inside_its_window_and_jumps_exactly(qtbot, worker_thread, clip10s):
    worker = worker_thread.worker
    collector = Collector()
    got = collector.got
    worker.frameReady.connect(collector.take)
    worker.opened.connect(collector.open)
    worker.post_open(1, clip10s)
    qtbot.waitUntil(lambda: collector.opened, timeout=10000)

    worker.post_stream(FrameRequest(1, index=10, serial=3), floor=10, limit=14)
    qtbot.waitUntil(lambda: len(got) == 5, timeout=5000)
    qtbot.waitUntil(lambda: worker._stream.waiting, timeout=5000)  # stops at the limit
    assert [g[1] for g in got] == [10, 11, 12, 13, 14]

    worker.post_window(3, 12, 20, None)  # the clock moved on: decode further
    qtbot.waitUntil(lambda: len(got) == 11, timeout=5000)
    worker.post_window(99, 0, 1000, None)  # another play's window: ignored
    worker.post_window(3, 150, 153, None)  # decoding fell far behind: on from the frame due
    qtbot.waitUntil(lambda: len(got) == 15, timeout=5000)
    qtbot.waitUntil(lambda: worker._stream.waiting, timeout=5000)
    assert [g[1] for g in got] == [*range(10, 21), 150, 151, 152, 153]
    assert all(serial == 3 and index == seen and flags & STREAMED for serial, index, seen, flags in got)

    # A frame asked for on its own (a seek while paused) ends the stream.
    worker.post_frame(FrameRequest(1, index=5, serial=4))
    qtbot.waitUntil(lambda: len(got) == 16, timeout=5000)
    assert got[-1][:3] == (4, 5, 5) and not got[-1][3] & STREAMED
    assert worker._stream is None


def test_seeks_while_playing_never_show_a_stale_frame_and_drops_are_counted(qtbot, player, clip10s):
    with qtbot.waitSignal(player.frameShown, timeout=10000):
        player.load(clip10s)
    player.set_speed(2.0)
    segments: list[list[tuple[int, int]]] = [[]]  # per play or seek: (index reported, index drawn)
    backlog: list[int] = []

    def record(index, _ms):
        if player.is_playing():
            segments[-1].append((index, drawn(player.displayed_image())))
            backlog.append(len(player._ahead.ready))

    player.frameShown.connect(record)
    before = player.dropped_frames
    targets = [0, 6000, 1000, 8000, 2000, 2040, 7000]  # back and forth, and one a frame on
    for n, ms in enumerate(targets):
        if n == 0:
            player.play()
        else:
            segments.append([])
            player.seek(ms)
        qtbot.waitUntil(lambda: len(segments[-1]) >= 6, timeout=10000)
    player.pause()
    player.frameShown.disconnect(record)

    gaps = 0
    for ms, shown in zip(targets, segments, strict=True):
        first = int(ms * FPS // 1000)
        numbers = [reported for reported, _ in shown]
        assert all(reported == seen for reported, seen in shown), shown  # the picture is the frame named
        assert numbers[0] >= first and numbers[0] - first < 2 * FPS, (ms, numbers)  # nothing from before the seek
        assert numbers == sorted(set(numbers)), numbers  # in order, none twice
        gaps += sum(b - a - 1 for a, b in zip(numbers, numbers[1:], strict=False))
    # Every frame the clock passed over between two shown frames is counted as dropped.
    assert player.dropped_frames - before == gaps
    limit = player._ahead.frames(player._frames, player._info, 2.0)
    assert max(backlog) <= limit  # the read-ahead stays bounded


def test_pausing_mid_stream_settles_on_the_exact_full_frame(qtbot, player, clip720):
    from bwv_review.core.media import VideoSource

    with qtbot.waitSignal(player.frameShown, timeout=10000):
        player.load(clip720)
    worker = player._decoder.worker
    player.set_speed(4.0)
    shown, paused = [], []
    player.frameShown.connect(lambda index, _ms: (shown if player.is_playing() else paused).append(
        (index, player.displayed_image().width())))
    player.play()
    qtbot.waitUntil(lambda: len(shown) >= 8, timeout=10000)
    player.pause()  # frames decoded ahead are still on their way
    qtbot.waitUntil(lambda: player.displayed_image().width() == 1280, timeout=5000)
    qtbot.waitUntil(lambda: worker._stream is None and not worker._scheduled, timeout=5000)
    QCoreApplication.processEvents()  # deliver anything the decode thread had already sent
    assert paused and all(width == 1280 for _, width in paused), paused  # none of them shown paused
    index = player.current_frame_index()
    assert player.displayed_image().width() == 1280
    assert drawn(player.displayed_image()) == index
    assert f"frame {index}" in player.view._caption
    image = player.displayed_image().convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * 720).reshape(720, -1)
    with VideoSource(clip720) as source:
        assert np.array_equal(data[:, : 1280 * 3].reshape(720, 1280, 3), source.frame(index).image)


def test_a_picture_already_fitted_to_the_view_is_painted_pixel_for_pixel(qtbot, player, clip720):
    # Playing, frames come scaled to the view; they are drawn as they are (one paint, no
    # second smoothing), centred, with the bars around them.
    with qtbot.waitSignal(player.frameShown, timeout=10000):
        player.load(clip720)
    player.play()
    qtbot.waitUntil(lambda: player.displayed_image().width() < 1280, timeout=10000)
    player.pause()
    qtbot.waitUntil(lambda: player.displayed_image().width() == 1280, timeout=5000)
    view = player.view
    fitted = player.displayed_image().scaled(view.width(), 10_000, Qt.AspectRatioMode.KeepAspectRatio)
    assert fitted.width() == view.width() and fitted.height() < view.height()
    view.set_caption("")
    view.set_image(fitted)
    shot = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    top = (view.height() - fitted.height()) // 2
    assert shot.copy(0, top, fitted.width(), fitted.height()) == fitted.convertToFormat(QImage.Format.Format_RGB32)
    assert shot.pixelColor(5, max(0, top - 3)).lightness() < 20  # the bar above it
