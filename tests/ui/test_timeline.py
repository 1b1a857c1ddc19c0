"""The timeline: click seeks, marks are clickable, interval edges drag, zoom and scroll,
and the sound is read in the background."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from bwv_review.ui.player.timeline_paint import coverage_alpha
from bwv_review.ui.timeline import Marker, TimelineWidget
from tests.footage import write_clip
from tests.ui.conftest import TIMELINE_WIDTH

pytestmark = pytest.mark.gui

WIDTH = TIMELINE_WIDTH  # the ``timeline`` fixture's (tests/ui/conftest.py)


def marks_y(widget: TimelineWidget) -> int:
    return int(widget.canvas.painter.layout().marks.center().y())


def wave_y(widget: TimelineWidget) -> int:
    return int(widget.canvas.painter.layout().wave.center().y())


def test_click_seeks(qtbot, timeline):
    with qtbot.waitSignal(timeline.seekRequested) as seek:
        qtbot.mouseClick(timeline.canvas, Qt.MouseButton.LeftButton, pos=QPoint(250, wave_y(timeline)))
    assert seek.args == [25_000]


def test_click_on_a_mark_selects_it(qtbot, timeline):
    timeline.set_markers([Marker(7, 40_000, None, "#d32f2f", "Disclosure"),
                          Marker(8, 60_000, 70_000, "#1976d2", "Caution")])
    with qtbot.waitSignal(timeline.markerClicked) as clicked:
        qtbot.mouseClick(timeline.canvas, Qt.MouseButton.LeftButton, pos=QPoint(400, marks_y(timeline)))
    assert clicked.args == [7]
    with qtbot.waitSignal(timeline.markerClicked) as clicked:
        qtbot.mouseClick(timeline.canvas, Qt.MouseButton.LeftButton, pos=QPoint(650, marks_y(timeline)))
    assert clicked.args == [8]


def test_dragging_an_interval_edge_edits_it(qtbot, timeline):
    timeline.set_markers([Marker(8, 60_000, 70_000, "#1976d2", "Caution")])
    y = marks_y(timeline)
    canvas = timeline.canvas
    with qtbot.assertNotEmitted(timeline.seekRequested):
        with qtbot.waitSignal(timeline.intervalEdited) as edited:
            qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(700, y))
            qtbot.mouseMove(canvas, QPoint(740, y))
            qtbot.mouseMove(canvas, QPoint(755, y))
            qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(755, y))
    assert edited.args == [8, 60_000, 75_500]
    with qtbot.waitSignal(timeline.intervalEdited) as edited:
        qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(600, y))
        qtbot.mouseMove(canvas, QPoint(590, y))
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(580, y))
    assert edited.args == [8, 58_000, 70_000]


def test_an_edge_cannot_cross_the_other(qtbot, timeline):
    timeline.set_markers([Marker(8, 60_000, 70_000, "#1976d2", "Caution")])
    y = marks_y(timeline)
    with qtbot.waitSignal(timeline.intervalEdited) as edited:
        qtbot.mousePress(timeline.canvas, Qt.MouseButton.LeftButton, pos=QPoint(600, y))
        qtbot.mouseMove(timeline.canvas, QPoint(900, y))
        qtbot.mouseRelease(timeline.canvas, Qt.MouseButton.LeftButton, pos=QPoint(900, y))
    start, end = edited.args[1:]
    assert start < end == 70_000


def test_drag_on_the_timeline_scrubs(qtbot, timeline):
    seen = []
    timeline.seekRequested.connect(seen.append)
    y = wave_y(timeline)
    qtbot.mousePress(timeline.canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, y))
    qtbot.mouseMove(timeline.canvas, QPoint(200, y))
    qtbot.mouseMove(timeline.canvas, QPoint(300, y))
    qtbot.mouseRelease(timeline.canvas, Qt.MouseButton.LeftButton, pos=QPoint(300, y))
    assert seen[0] == 10_000 and seen[-1] == 30_000


def test_zoom_buttons_and_ctrl_wheel(qtbot, timeline):
    assert not timeline.zoom_out.isEnabled() and timeline.zoom_in.isEnabled()
    timeline.set_position(50_000)
    timeline.zoom_in.click()
    assert timeline.view_span == pytest.approx(100_000 / 1.6)
    assert timeline.view_start <= 50_000 <= timeline.view_start + timeline.view_span
    assert timeline.scrollbar.isEnabled() and timeline.zoom_out.isEnabled()
    # Ctrl+wheel zooms around the mouse: the time under it stays put
    under = timeline.canvas.ms_of(250)
    _wheel(timeline.canvas, QPointF(250, wave_y(timeline)), 120, Qt.KeyboardModifier.ControlModifier)
    assert timeline.view_span == pytest.approx(100_000 / 1.6 / 1.6)
    assert abs(timeline.canvas.ms_of(250) - under) <= 50
    # the plain wheel scrolls, the scrollbar follows
    before = timeline.view_start
    _wheel(timeline.canvas, QPointF(250, wave_y(timeline)), -120, Qt.KeyboardModifier.NoModifier)
    assert timeline.view_start > before
    assert timeline.scrollbar.value() == int(timeline.view_start)
    # zoom in as far as it goes: two seconds across
    for _ in range(30):
        timeline.zoom_by(2)
    assert timeline.view_span == 2000 and not timeline.zoom_in.isEnabled()
    timeline.zoom_fit.click()
    assert timeline.view_start == 0 and timeline.view_span == 100_000


def test_click_after_zoom_seeks_to_the_time_under_the_mouse(qtbot, timeline):
    timeline.zoom_by(10, around_ms=0)
    assert timeline.view_span == 10_000 and timeline.view_start == 0
    timeline.scroll_by(20_000)
    with qtbot.waitSignal(timeline.seekRequested) as seek:
        qtbot.mouseClick(timeline.canvas, Qt.MouseButton.LeftButton, pos=QPoint(500, wave_y(timeline)))
    assert seek.args == [25_000]


def test_playhead_leaving_the_view_pages_it(timeline):
    timeline.zoom_by(10, around_ms=0)
    timeline.set_position(15_000)
    assert timeline.view_start <= 15_000 <= timeline.view_start + timeline.view_span


def test_coverage_shades_by_speed(timeline):
    assert coverage_alpha(1.0) > coverage_alpha(1.5) > coverage_alpha(2.0) > coverage_alpha(4.0)
    timeline.set_coverage({0: 1.0, 1: 1.0, 2: 2.0, 5: 4.0})
    image = timeline.canvas.grab().toImage()
    band = timeline.canvas.painter.layout().coverage
    y = int(band.center().y())
    normal, fast, unwatched = (image.pixelColor(x, y) for x in (5, 25, 35))
    assert normal != fast != unwatched
    assert normal.lightness() != fast.lightness()
    assert "watched at 2\u00d7" in timeline.canvas.tooltip_at(QPointF(25, y))
    assert "not watched" in timeline.canvas.tooltip_at(QPointF(35, y))


def test_waveform_and_speech_regions_paint_in_light_and_dark(qtbot, timeline):
    timeline.set_waveform(np.full(100, -0.8), np.full(100, 0.8))
    timeline.set_speech_regions([(10_000, 20_000)])
    timeline.set_markers([Marker(1, 30_000, 40_000, "#388e3c", "A long label that will not fit")])
    timeline.set_position(33_000)
    for scheme in (Qt.ColorScheme.Light, Qt.ColorScheme.Dark):
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.styleHints().setColorScheme(scheme)
        image = timeline.canvas.grab().toImage()
        assert not image.isNull()
    QGuiApplication.styleHints().unsetColorScheme()
    lay = timeline.canvas.painter.layout()
    assert "Speech 00:00:10.000" in timeline.canvas.tooltip_at(QPointF(150, lay.speech.center().y()))
    for button in (timeline.zoom_in, timeline.zoom_out, timeline.zoom_fit, timeline.scrollbar):
        assert button.toolTip()


def test_load_audio_reads_waveform_and_speech_in_the_background(qtbot, timeline, tmp_path):
    clip = write_clip(tmp_path / "talk.mp4", frames=75, fps=25, audio=True, tone_on=[(0.5, 1.5)])
    timeline.set_duration(3000)
    with qtbot.waitSignal(timeline.speechRegionsChanged, timeout=20000):
        timeline.load_audio(clip, None)
    assert timeline.waveform is not None and timeline.status == ""
    mins, maxs = timeline.waveform.envelope(0, 3000, 30)
    assert maxs[10] > 0.3 and abs(maxs[2]) < 0.05  # the tone from 0.5 s to 1.5 s, silence before


def test_load_audio_without_a_sound_track_says_so(qtbot, timeline, tmp_path):
    clip = write_clip(tmp_path / "silent.mp4", frames=25, fps=25)
    timeline.set_duration(1000)
    timeline.load_audio(clip, None)
    qtbot.waitUntil(lambda: timeline.status == "No sound track", timeout=20000)
    assert timeline.waveform is None


def _wheel(widget, pos: QPointF, delta: int, modifiers) -> None:
    from PySide6.QtCore import QPoint as _P
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    event = QWheelEvent(pos, widget.mapToGlobal(pos), _P(0, 0), _P(0, delta), Qt.MouseButton.NoButton,
                        modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_waveform_given_before_the_duration_still_spans_the_footage(timeline):
    timeline.set_duration(0)
    timeline.set_waveform(np.array([0.0, -0.5]), np.array([0.0, 0.5]))
    timeline.set_duration(10_000)
    mins, maxs = timeline.waveform.envelope(0, 10_000, 10)
    assert maxs[2] == 0 and maxs[7] == 0.5
