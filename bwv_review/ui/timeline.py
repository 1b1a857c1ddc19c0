"""The timeline under the player: sound, speech, marks, what has been watched, where we are.

Bands from top to bottom: a time ruler, the waveform, speech regions, annotation marks
(points and intervals, in their category's colour), redactions (picture above, sound
below; suggestions dashed) and review coverage (darker = watched at normal speed or
slower, fainter = watched fast). A click seeks, a drag scrubs, dragging
an interval's edge adjusts it; Ctrl+wheel or the buttons zoom, the wheel and the bar scroll.
Sizes follow the font, so it reads the same at 150% scaling; colours come from the palette.
"""

from __future__ import annotations

import bisect
from operator import attrgetter
from pathlib import Path

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollBar, QToolButton, QVBoxLayout, QWidget

from bwv_review.core.timecode import format_ms

from .player.sound_worker import SoundReader
from .player.timeline_data import Marker, RedactionSpan, WholeFileWaveform
from .player.timeline_paint import TimelinePainter

__all__ = ["Marker", "RedactionSpan", "TimelineWidget", "WholeFileWaveform"]

ZOOM_STEP = 1.6
MIN_SPAN_MS = 2000  # the closest zoom shows two seconds across the width
EDGE_GRIP_PX = 5


class _Canvas(QWidget):
    """Paints the bands and turns the mouse into seeks, clicks and interval edits."""

    def __init__(self, timeline: TimelineWidget) -> None:
        super().__init__(timeline)
        self.t = timeline
        self.painter = TimelinePainter(self)
        self.setMouseTracking(True)
        self.setMinimumHeight(self.painter.layout().total)
        self.setAccessibleName("Timeline")
        self.setAccessibleDescription("Click to go to a time; drag the edge of a marked stretch to adjust it.")
        self._drag: tuple[str, Marker | None] | None = None  # ("seek"|"start"|"end", marker)
        self._edit: tuple[int, int] | None = None  # provisional interval while dragging
        self._spans: tuple | None = None  # (markers list, their starts, longest stretch) for hit()

    def sizeHint(self) -> QSize:
        return QSize(600, self.painter.layout().total)

    # -- geometry -------------------------------------------------------------------------
    def x_of(self, ms: float) -> float:
        t = self.t
        return (ms - t.view_start) / t.view_span * self.width() if t.view_span else 0.0

    def ms_of(self, x: float) -> int:
        t = self.t
        ms = t.view_start + x / max(1, self.width()) * t.view_span
        return int(round(max(0.0, min(float(t.duration), ms))))

    def marker_span(self, marker: Marker) -> tuple[int, int | None]:
        if self._edit is not None and self._drag and self._drag[1] is marker:
            return self._edit
        return marker.start_ms, marker.end_ms

    def hit(self, pos: QPointF) -> tuple[str, Marker | None]:
        """What is under the mouse: an interval edge, a mark, or just a time."""
        band = self.painter.layout().marks
        if band.top() - 2 <= pos.y() <= band.bottom() + 2:
            best = None
            markers = self.t.markers
            lo, hi = self._near(pos.x())
            for i in range(hi - 1, lo - 1, -1):  # topmost first
                marker = markers[i]
                x0 = self.x_of(marker.start_ms)
                if marker.end_ms is not None:
                    x1 = self.x_of(marker.end_ms)
                    if abs(pos.x() - x0) <= EDGE_GRIP_PX:
                        return "start", marker
                    if abs(pos.x() - x1) <= EDGE_GRIP_PX:
                        return "end", marker
                    if x0 < pos.x() < x1 and best is None:
                        best = marker
                elif abs(pos.x() - x0) <= EDGE_GRIP_PX + 1:
                    return "mark", marker
            if best is not None:
                return "mark", best
        return "seek", None

    def _near(self, x: float) -> tuple[int, int]:
        """The markers[lo:hi] that can be within grip of ``x``: the others start too far right,
        or end too far left even as the longest stretch. (Markers are sorted by start; a
        case may have 100,000 of them, and this runs on every mouse move.)"""
        t = self.t
        markers = t.markers
        if len(markers) <= 64 or not t.view_span:
            return 0, len(markers)
        if self._spans is None or self._spans[0] is not markers:
            starts = [m.start_ms for m in markers]
            longest = max((m.end_ms - m.start_ms for m in markers if m.end_ms is not None), default=0)
            self._spans = (markers, starts, longest)
        _markers, starts, longest = self._spans
        per_px = t.view_span / max(1, self.width())
        reach = (EDGE_GRIP_PX + 3) * per_px  # a pixel or two more than any test below allows
        at = t.view_start + x * per_px
        return bisect.bisect_left(starts, at - reach - longest), bisect.bisect_right(starts, at + reach)

    # -- painting and tooltips ----------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        self.painter.paint()

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip:
            self.setToolTip(self.tooltip_at(QPointF(event.pos())))
        return super().event(event)

    def tooltip_at(self, pos: QPointF) -> str:
        ms = self.ms_of(pos.x())
        kind, marker = self.hit(pos)
        if marker is not None:
            span = format_ms(marker.start_ms)
            if marker.end_ms is not None:
                span += f" \u2013 {format_ms(marker.end_ms)}"
            tip = f"{marker.label or 'Annotation'}\n{span}\nClick to select it"
            if kind in ("start", "end"):
                tip += "; drag to move its " + kind
            return tip
        lay = self.painter.layout()
        if lay.speech.top() <= pos.y() <= lay.speech.bottom():
            for a, b in self.t.speech_regions:
                if a <= ms <= b:
                    return f"Speech {format_ms(a)} \u2013 {format_ms(b)}"
            return f"{format_ms(ms)}: no speech found here (orange = someone speaking)"
        if lay.transcript.top() <= pos.y() <= lay.transcript.bottom():
            for a, b, text in self.t.transcript:
                if a <= ms <= b:
                    return f"Machine draft (unverified), {format_ms(a)}:\n\u201c{text[:200]}\u201d"
            return f"{format_ms(ms)}: no machine draft words here"
        if lay.marks.top() <= pos.y() <= lay.marks.bottom():
            return f"{format_ms(ms)}: marks appear in this row; click one to select it"
        if lay.redactions.top() <= pos.y() <= lay.redactions.bottom():
            span = self.redaction_at(pos)
            if span is None:
                return f"{format_ms(ms)}: redactions appear in this row (picture above, sound below)"
            return (f"{span.label}\n{format_ms(span.start_ms)} \u2013 {format_ms(span.end_ms)}"
                    f"{' (suggested: not in copies until confirmed)' if span.suggested else ''}\nClick to select it")
        if lay.coverage.top() - 1 <= pos.y() <= lay.coverage.bottom() + 1:
            speed = self.t.coverage.get(ms // 1000)
            if speed is None:
                return f"{format_ms(ms)}: not watched yet"
            return f"{format_ms(ms)}: watched at {speed:g}\u00d7"
        return f"{format_ms(ms)}\nClick to go to this time"

    def redaction_at(self, pos: QPointF) -> RedactionSpan | None:
        rect = self.painter.layout().redactions
        kind = "picture" if pos.y() < rect.center().y() else "sound"
        ms = self.ms_of(pos.x())
        slack = EDGE_GRIP_PX * self.t.view_span / max(1, self.width())
        return next((s for s in reversed(self.t.redactions)
                     if s.kind == kind and s.start_ms - slack <= ms <= s.end_ms + slack), None)

    # -- mouse ---------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.t.duration:
            return super().mousePressEvent(event)
        lay = self.painter.layout()
        if lay.redactions.top() <= event.position().y() <= lay.redactions.bottom():
            span = self.redaction_at(event.position())
            if span is not None:
                self.t.redactionClicked.emit(span.redaction_id)
                return
        kind, marker = self.hit(event.position())
        if kind == "mark":
            self.t.markerClicked.emit(marker.annotation_id)
            return
        self._drag = (kind, marker)
        if kind == "seek":
            self.t.seekRequested.emit(self.ms_of(event.position().x()))
        else:
            self._edit = (marker.start_ms, marker.end_ms)

    def mouseMoveEvent(self, event) -> None:
        x = event.position().x()
        if self._drag is None:
            kind, _marker = self.hit(event.position())
            shape = {"start": Qt.CursorShape.SizeHorCursor, "end": Qt.CursorShape.SizeHorCursor,
                     "mark": Qt.CursorShape.PointingHandCursor}.get(kind, Qt.CursorShape.ArrowCursor)
            self.setCursor(shape)
            return
        self._drag_to(x)

    def _drag_to(self, x: float) -> None:
        kind, marker = self._drag
        ms = self.ms_of(x)
        if kind == "seek":
            if ms != self.t.position:
                self.t.seekRequested.emit(ms)
        elif kind == "start":
            self._edit = (min(ms, marker.end_ms - 1), marker.end_ms)
        elif kind == "end":
            self._edit = (marker.start_ms, max(ms, marker.start_ms + 1))
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self._drag is None:
            return super().mouseReleaseEvent(event)
        if self._drag[0] != "seek":
            self._drag_to(event.position().x())
        kind, marker = self._drag
        edit, self._drag, self._edit = self._edit, None, None
        if marker is not None and edit is not None and edit != (marker.start_ms, marker.end_ms):
            self.t.intervalEdited.emit(marker.annotation_id, int(edit[0]), int(edit[1]))
        self.update()

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if not delta:
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = ZOOM_STEP ** (delta / 120)
            self.t.zoom_by(factor, around_ms=self.ms_of(event.position().x()))
        else:
            self.t.scroll_by(-delta / 120 * self.t.view_span / 10)
        event.accept()


class TimelineWidget(QWidget):
    seekRequested = Signal(int)
    markerClicked = Signal(int)
    intervalEdited = Signal(int, int, int)
    redactionClicked = Signal(int)
    speechRegionsChanged = Signal(list)  # found by load_audio; the window uses them for N / P

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration = 0
        self.position = 0
        self.view_start = 0.0
        self.view_span = 0.0
        self.waveform = None  # anything with envelope(start_ms, end_ms, columns)
        self.speech_regions: list[tuple[int, int]] = []
        self.transcript: list[tuple[int, int, str]] = []  # machine draft segments (start, end, text)
        self.markers: list[Marker] = []
        self.redactions: list[RedactionSpan] = []
        self.redaction_selected: int | None = None
        self.coverage: dict[int, float] = {}
        self.status = ""  # "Reading sound… 40%", "No sound track", shown in the waveform band

        self.canvas = _Canvas(self)
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self.scrollbar.setToolTip("Scroll along the footage (or use the mouse wheel)")
        self.scrollbar.valueChanged.connect(self._scrolled)
        self.zoom_out = self._button("\u2212", "Zoom out (Ctrl+wheel down)", lambda: self.zoom_by(1 / ZOOM_STEP))
        self.zoom_in = self._button("+", "Zoom in (Ctrl+wheel up)", lambda: self.zoom_by(ZOOM_STEP))
        self.zoom_fit = self._button("Fit", "Show the whole footage", self.zoom_to_fit)
        self.legend = QLabel(self)
        self.legend.setText("Watched: solid = normal speed, faint = faster")
        self.legend.setToolTip("The strip at the bottom shows which seconds you have watched, and how fast")
        self.legend.setEnabled(False)  # quiet text

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.scrollbar, 1)
        row.addWidget(self.legend)
        for button in (self.zoom_out, self.zoom_in, self.zoom_fit):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(row)

        self._sound = SoundReader(self)
        self._sound.progress.connect(self._sound_progress)
        self._sound.finished.connect(self._sound_ready)
        self._sound.failed.connect(self._sound_failed)
        self._update_scrollbar()

    def _button(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        button.clicked.connect(slot)
        return button

    # -- API -------------------------------------------------------------------------------------
    def set_duration(self, ms: int) -> None:
        self.duration = max(0, int(ms))
        self.view_start, self.view_span = 0.0, float(self.duration)
        if isinstance(self.waveform, WholeFileWaveform):  # given before the duration was
            self.waveform.duration_ms = max(1, self.duration)
        self.position = min(self.position, self.duration)
        self._changed()

    def set_position(self, ms: int) -> None:
        old, self.position = self.position, int(ms)
        if self.view_span and not (self.view_start <= ms <= self.view_start + self.view_span):
            # The playhead left the view (playing on, or a seek): page to keep it in sight.
            self.view_start = self._clamp_start(ms - self.view_span * 0.1)
            self._update_scrollbar()
            self.canvas.update()
            return
        # Only the playhead moved: repaint where it was and where it is (the rest is cached).
        painter = self.canvas.painter
        self.canvas.update(painter.playhead_rect(old))
        self.canvas.update(painter.playhead_rect(self.position))

    def set_waveform(self, mins, maxs) -> None:
        self.waveform = WholeFileWaveform(mins, maxs, self.duration) if len(mins) else None
        self.status = ""
        self.canvas.update()

    def load_audio(self, path: Path, sha256: str | None = None) -> None:
        """Read the waveform and speech regions in the background (cached per file hash)."""
        self.waveform = None
        self.set_speech_regions([])
        self.status = "Reading the sound\u2026"
        self._sound.read(Path(path), sha256)
        self.canvas.update()

    def set_speech_regions(self, regions) -> None:
        self.speech_regions = [(int(a), int(b)) for a, b in regions]
        self.canvas.update()

    def set_transcript(self, segments) -> None:
        """Machine draft segments (anything with start_ms, end_ms, text), drawn as light bars."""
        self.transcript = [(int(s.start_ms), int(s.end_ms), s.text) for s in segments]
        self.canvas.update()

    def set_markers(self, markers) -> None:
        self.markers = sorted(markers, key=attrgetter("start_ms", "annotation_id"))
        self.canvas.update()

    def set_redactions(self, spans, selected: int | None = None) -> None:
        """The exhibit's redactions (RedactionSpan), the selected one drawn bolder."""
        self.redactions = sorted(spans, key=lambda s: (s.start_ms, s.redaction_id))
        self.redaction_selected = selected
        self.canvas.update()

    def set_coverage(self, coverage: dict) -> None:
        self.coverage = {int(k): float(v) for k, v in coverage.items()}
        self.canvas.update()

    def clear(self) -> None:
        """Nothing on the timeline (the case closed): no waveform, speech, marks, draft or coverage."""
        self._sound.cancel()
        self.waveform = None
        self.status = ""
        self.speech_regions, self.transcript, self.markers, self.coverage = [], [], [], {}
        self.redactions, self.redaction_selected = [], None
        self.position = 0
        self.set_duration(0)

    def shutdown(self) -> None:
        """Stop reading the sound and join its thread; call from the window's closeEvent."""
        self._sound.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- zoom and scroll ---------------------------------------------------------------------
    def zoom_by(self, factor: float, around_ms: float | None = None) -> None:
        if not self.duration:
            return
        around = self.position if around_ms is None else around_ms
        span = max(min(MIN_SPAN_MS, self.duration), min(float(self.duration), self.view_span / factor))
        fraction = (around - self.view_start) / self.view_span if self.view_span else 0.5
        self.view_span = span
        self.view_start = self._clamp_start(around - fraction * span)
        self._changed()

    def zoom_to_fit(self) -> None:
        self.view_start, self.view_span = 0.0, float(self.duration)
        self._changed()

    def scroll_by(self, ms: float) -> None:
        self.view_start = self._clamp_start(self.view_start + ms)
        self._changed()

    def _clamp_start(self, start: float) -> float:
        return max(0.0, min(float(start), self.duration - self.view_span))

    def _scrolled(self, value: int) -> None:
        if int(self.view_start) != value:
            self.view_start = self._clamp_start(float(value))
            self.canvas.update()

    def _update_scrollbar(self) -> None:
        bar = self.scrollbar
        bar.blockSignals(True)
        bar.setRange(0, max(0, int(self.duration - self.view_span)))
        bar.setPageStep(max(1, int(self.view_span)))
        bar.setSingleStep(max(1, int(self.view_span / 10)))
        bar.setValue(int(self.view_start))
        bar.blockSignals(False)
        zoomed = bool(self.duration) and self.view_span < self.duration
        bar.setEnabled(zoomed)
        self.zoom_out.setEnabled(zoomed)
        self.zoom_fit.setEnabled(zoomed)
        self.zoom_in.setEnabled(bool(self.duration) and self.view_span > min(MIN_SPAN_MS, self.duration))

    def _changed(self) -> None:
        self._update_scrollbar()
        self.canvas.update()

    # -- sound ------------------------------------------------------------------------------------
    def _sound_progress(self, done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 0
        self.status = f"Reading the sound\u2026 {percent}%"
        self.canvas.update()

    def _sound_ready(self, analysis, regions) -> None:
        self.waveform = analysis
        self.status = ""
        self.set_speech_regions(regions)
        self.speechRegionsChanged.emit(list(self.speech_regions))

    def _sound_failed(self, message: str) -> None:
        self.waveform = None
        self.status = "No sound track" if not message else f"No waveform: {message}"
        self.canvas.update()
