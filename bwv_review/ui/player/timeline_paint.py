"""Painting of the timeline's bands (kept apart from its mouse handling and its API)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen, QPolygonF

from bwv_review.core.timecode import format_ms

PLAYHEAD = QColor("#e53935")
SPEECH = QColor(245, 166, 35, 190)
TRANSCRIPT = QColor(120, 144, 156, 110)  # light: a machine draft, not something a reviewer marked
# Redaction spans, in the overlay's colours: red = picture covered, purple = sound silenced or
# toned; a suggestion (not yet confirmed, left out of copies) is amber, dashed, faint.
REDACTED = {"picture": QColor(198, 40, 40), "sound": QColor(123, 31, 162)}
SUGGESTED = QColor(200, 130, 0)
SPARSE_MARKS = 2000  # up to this many marks on a timeline, each is looked at in plain Python
TICK_STEPS_S = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


@dataclass
class Bands:
    ruler: QRectF
    wave: QRectF
    speech: QRectF
    transcript: QRectF  # machine draft segments (a thin band; empty until a draft exists)
    marks: QRectF
    redactions: QRectF  # picture redactions in its upper half, sound in its lower half
    coverage: QRectF
    total: int


def coverage_alpha(speed: float) -> int:
    """Watched at normal speed or slower: solid; the faster, the fainter."""
    if speed <= 1.0:
        return 255
    if speed <= 1.5:
        return 170
    if speed <= 2.0:
        return 120
    return 70


class TimelinePainter:
    """Paints the timeline as two layers: everything but the playhead goes into a cached
    image, made again only when what it shows changes (size, zoom and scroll, palette,
    font, waveform, speech, transcript, marks, coverage, an interval being dragged); each
    paint then blits it and draws the playhead. Playback moves only the playhead, so a
    frame's repaint costs a blit, not the waveform's 1,000 lines and the labels."""

    def __init__(self, canvas) -> None:
        self.c = canvas
        # A QImage, not a QPixmap: the painter and its canvas form a reference cycle, so
        # Python's collector may free this layer on whichever thread it runs (a QPixmap
        # must only be touched on the GUI thread; a QImage may be freed anywhere).
        self._static: QImage | None = None
        self._static_key: tuple | None = None
        self.static_builds = 0  # how often the cached layer was made (tests and profiling)
        self._arrays: tuple | None = None  # (markers list, starts, stops, points) for _marks_to_draw

    def layout(self) -> Bands:
        fh = self.c.fontMetrics().height()
        width = float(max(1, self.c.width()))
        y = 0.0
        rects = []
        for height in (fh + 2, round(fh * 2.6), round(fh * 0.7), round(fh * 0.5), fh + 6, round(fh * 0.8),
                       round(fh * 0.6)):
            rects.append(QRectF(0, y, width, height))
            y += height + 3
        return Bands(*rects, total=int(y))

    def _key(self, bands: Bands) -> tuple[tuple, tuple]:
        """What the cached layer depends on: plain values, and the objects it draws. The
        timeline replaces its lists, dicts and waveform when they change (never edits them
        in place), so the objects are compared by identity; the key holds them, so an
        identity cannot be reused by a new object while it is cached."""
        c, t = self.c, self.c.t
        drag = c._drag[1] if getattr(c, "_drag", None) else None
        values = (c.width(), c.height(), c.devicePixelRatioF(), c.palette().cacheKey(), c.font().key(), bands.total,
                  t.duration, t.view_start, t.view_span, t.status, getattr(c, "_edit", None), t.redaction_selected)
        objects = (t.waveform, t.speech_regions, t.transcript, t.markers, t.redactions, t.coverage, drag)
        return values, objects

    def _cached(self, key: tuple[tuple, tuple]) -> bool:
        if self._static is None or self._static_key is None:
            return False
        values, objects = self._static_key
        return values == key[0] and all(a is b for a, b in zip(objects, key[1], strict=True))

    def paint(self) -> None:
        c, t = self.c, self.c.t
        bands = self.layout()
        key = self._key(bands)
        if not self._cached(key):
            self._static = self._paint_static(bands)
            self._static_key = key
            self.static_builds += 1
        p = QPainter(c)
        p.drawImage(0, 0, self._static)
        if t.duration and t.view_span:
            self._playhead(p, bands)
        p.end()

    def playhead_rect(self, ms: float) -> QRect:
        """The widget area the playhead covers at ``ms`` (what to repaint when it moves)."""
        x = self.c.x_of(ms)
        return QRect(int(x) - 7, 0, 15, self.c.height())

    def _paint_static(self, bands: Bands) -> QImage:
        c, t = self.c, self.c.t
        dpr = c.devicePixelRatioF()
        layer = QImage(max(1, round(c.width() * dpr)), max(1, round(c.height() * dpr)),
                       QImage.Format.Format_ARGB32_Premultiplied)  # the raster backing store's format: a blit
        layer.setDevicePixelRatio(dpr)
        p = QPainter(layer)
        pal = c.palette()
        p.setFont(c.font())  # what a painter on the widget itself would start with
        p.setPen(pal.color(c.foregroundRole()))
        p.fillRect(c.rect(), pal.color(QPalette.ColorRole.Base))
        band_bg = QColor(pal.color(QPalette.ColorRole.Text))
        band_bg.setAlpha(18)
        for rect in (bands.wave, bands.speech, bands.transcript, bands.marks, bands.redactions, bands.coverage):
            p.fillRect(rect, band_bg)
        if t.duration and t.view_span:
            self._ruler(p, bands.ruler, pal)
            self._wave(p, bands.wave, pal)
            self._speech(p, bands.speech)
            self._transcript(p, bands.transcript)
            self._marks(p, bands, pal)
            self._redactions(p, bands.redactions)
            self._coverage(p, bands.coverage, pal)
        else:
            p.setPen(pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
            p.drawText(bands.wave, Qt.AlignmentFlag.AlignCenter, "No footage loaded")
        p.end()
        return layer

    def _ruler(self, p: QPainter, rect: QRectF, pal: QPalette) -> None:
        c, t = self.c, self.c.t
        metrics = c.fontMetrics()
        label_w = metrics.horizontalAdvance("00:00:00.0") + 16
        px_per_s = c.width() / (t.view_span / 1000.0)
        step = next((s for s in TICK_STEPS_S if s * px_per_s >= label_w), TICK_STEPS_S[-1])
        first = math.floor(t.view_start / 1000.0 / step)
        last = math.ceil((t.view_start + t.view_span) / 1000.0 / step)
        text = pal.color(QPalette.ColorRole.Text)
        faint = QColor(text)
        faint.setAlpha(90)
        for k in range(first, last + 1):
            ms = k * step * 1000.0
            x = c.x_of(ms)
            p.setPen(faint)
            p.drawLine(QLineF(x, rect.bottom() - 4, x, rect.bottom()))
            label = format_ms(int(round(ms)))
            label = label[:8] if step >= 1 else label[3:10]
            if label.startswith("00:") and step >= 1 and t.duration < 3_600_000:
                label = label[3:]
            p.setPen(text)
            p.drawText(QRectF(x + 3, rect.top(), label_w, rect.height() - 2),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)

    def _wave(self, p: QPainter, rect: QRectF, pal: QPalette) -> None:
        t = self.c.t
        mid = rect.center().y()
        colour = QColor(pal.color(QPalette.ColorRole.Highlight))
        if t.waveform is not None:
            import numpy as np  # loaded by then (the waveform is numpy); not needed at start

            columns = max(1, int(rect.width()))
            mins, maxs = t.waveform.envelope(t.view_start, t.view_start + t.view_span, columns)
            half = rect.height() / 2 - 1
            lo = mid - np.clip(np.asarray(maxs, np.float64), -1, 1) * half
            hi = mid - np.clip(np.asarray(mins, np.float64), -1, 1) * half
            hi = np.maximum(hi, lo + 1)  # silence still draws a hairline
            p.setPen(colour)
            p.drawLines([QLineF(x + 0.5, a, x + 0.5, b) for x, (a, b) in enumerate(zip(lo, hi, strict=False))])
        else:
            faint = QColor(colour)
            faint.setAlpha(80)
            p.setPen(faint)
            p.drawLine(QLineF(rect.left(), mid, rect.right(), mid))
        if t.status:
            p.setPen(pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
            p.drawText(rect.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, t.status)

    def _speech(self, p: QPainter, rect: QRectF) -> None:
        c, t = self.c, self.c.t
        end = t.view_start + t.view_span
        for a, b in t.speech_regions:
            if b < t.view_start or a > end:
                continue
            x0, x1 = c.x_of(a), c.x_of(b)
            p.fillRect(QRectF(x0, rect.top() + 1, max(2.0, x1 - x0), rect.height() - 2), SPEECH)

    def _transcript(self, p: QPainter, rect: QRectF) -> None:
        c, t = self.c, self.c.t
        end = t.view_start + t.view_span
        for a, b, _text in t.transcript:
            if b < t.view_start or a > end:
                continue
            x0, x1 = c.x_of(a), c.x_of(b)
            p.fillRect(QRectF(x0, rect.top() + 1, max(2.0, x1 - x0 - 1), rect.height() - 2), TRANSCRIPT)

    def _marks(self, p: QPainter, bands: Bands, pal: QPalette) -> None:
        c, t = self.c, self.c.t
        rect = bands.marks
        metrics = c.fontMetrics()
        markers = t.markers
        for i in self._marks_to_draw():
            marker = markers[i]
            start, stop = c.marker_span(marker)
            colour = QColor(marker.colour)
            if not colour.isValid():
                colour = QColor("#7f7f7f")
            x0 = c.x_of(start)
            guide = QColor(colour)
            guide.setAlpha(110)
            p.setPen(guide)
            p.drawLine(QLineF(x0, bands.wave.top(), x0, bands.wave.bottom()))
            if stop is None:
                p.setPen(colour)
                p.drawLine(QLineF(x0, rect.top(), x0, rect.bottom()))
                size = rect.height() / 3
                p.setBrush(colour)
                p.drawPolygon(QPolygonF([QPointF(x0 - size, rect.top()), QPointF(x0 + size, rect.top()),
                                         QPointF(x0, rect.top() + size * 1.4)]))
                p.setBrush(Qt.BrushStyle.NoBrush)
                continue
            x1 = c.x_of(stop)
            box = QRectF(x0, rect.top() + 1, max(3.0, x1 - x0), rect.height() - 2)
            fill = QColor(colour)
            fill.setAlpha(120)
            p.fillRect(box, fill)
            p.setPen(colour)
            p.drawRect(box)
            p.fillRect(QRectF(box.left(), box.top(), 2, box.height()), colour)
            p.fillRect(QRectF(box.right() - 1, box.top(), 2, box.height()), colour)
            if box.width() > 40 and marker.label:
                p.setPen(pal.color(QPalette.ColorRole.Text))
                text = metrics.elidedText(marker.label, Qt.TextElideMode.ElideRight, int(box.width() - 8))
                p.drawText(box.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)

    def _redactions(self, p: QPainter, rect: QRectF) -> None:
        c, t = self.c, self.c.t
        end = t.view_start + t.view_span
        half = rect.height() / 2
        for span in t.redactions:
            if span.end_ms < t.view_start or span.start_ms > end:
                continue
            x0, x1 = c.x_of(span.start_ms), c.x_of(span.end_ms)
            top = rect.top() if span.kind == "picture" else rect.top() + half
            box = QRectF(x0, top + 0.5, max(2.0, x1 - x0), half - 1)
            colour = QColor(SUGGESTED if span.suggested else REDACTED.get(span.kind, SUGGESTED))
            fill = QColor(colour)
            fill.setAlpha(60 if span.suggested else 170)
            p.fillRect(box, fill)
            pen = QPen(colour, 2 if span.redaction_id == t.redaction_selected else 1)
            pen.setStyle(Qt.PenStyle.DashLine if span.suggested else Qt.PenStyle.SolidLine)
            p.setPen(pen)
            p.drawRect(box)

    def _marks_to_draw(self):
        """Indices into the timeline's markers to paint, in painting order (later on top).

        Every mark in view, unless there are more of them than twice the band's pixels (a
        case of 100,000 marks seen whole): then, of the point marks starting in each pixel
        column, the first and the topmost; of the stretches, the first, the topmost and the
        widest. The others lie within what is drawn, so the band shows the same places and
        extents and the colour on top (tests/ui/test_timeline_many.py compares the two
        pictures); drawing them all took seconds. Hit-testing and tooltips still look at
        every mark."""
        c, t = self.c, self.c.t
        end = t.view_start + t.view_span
        if len(t.markers) <= SPARSE_MARKS:  # a usual case: every mark in view, and no numpy yet
            spans = (c.marker_span(m) for m in t.markers)
            return [i for i, (start, stop) in enumerate(spans)
                    if start <= end and (stop if stop is not None else start) >= t.view_start]
        import numpy as np  # loaded for a big case's marks only

        starts, stops, points = self._mark_arrays()
        drag = c._drag[1] if getattr(c, "_drag", None) else None
        if drag is not None and c._edit is not None:  # the stretch being dragged, where it is now
            at = next((i for i in range(len(t.markers)) if t.markers[i] is drag), None)
            if at is not None:
                starts, stops = starts.copy(), stops.copy()
                starts[at], stops[at] = c._edit
        shown = np.flatnonzero((starts <= end) & (stops >= t.view_start))
        width = max(1, c.width())
        dense = len(shown) > 2 * width * c.devicePixelRatioF()
        if not dense:
            return shown.tolist()
        scale = width * c.devicePixelRatioF() / t.view_span
        # the device pixel a mark's start falls on (pixel centres inside a shape are painted)
        col0 = np.clip(np.floor((starts[shown] - t.view_start) * scale + 0.5), -1, None).astype(np.int64)
        col1 = np.floor((stops[shown] - t.view_start) * scale + 0.5).astype(np.int64)
        kind = points[shown].astype(np.int64)
        group = col0 * 2 + kind
        keep = set()
        # the first (leftmost) and the topmost (the last) of each group
        _u, first = np.unique(group, return_index=True)
        keep.update(first.tolist())
        _u, first = np.unique(group[::-1], return_index=True)
        keep.update((len(shown) - 1 - first).tolist())
        # widest stretch of each group: ordered by group, then by end column, the last wins
        order = np.lexsort((col1, group))
        last = np.r_[group[order][1:] != group[order][:-1], True]
        keep.update(order[last].tolist())
        return shown[sorted(keep)].tolist()

    def _mark_arrays(self):
        """Start, end (the start for a point) and is-a-point for every marker, kept until the
        timeline's markers list is replaced."""
        import numpy as np

        markers = self.c.t.markers
        if self._arrays is None or self._arrays[0] is not markers:
            starts = np.fromiter((m.start_ms for m in markers), np.float64, len(markers))
            stops = np.fromiter((m.start_ms if m.end_ms is None else m.end_ms for m in markers), np.float64,
                                len(markers))
            points = np.fromiter((m.end_ms is None for m in markers), np.bool_, len(markers))
            self._arrays = (markers, starts, stops, points)
        return self._arrays[1:]

    def _coverage(self, p: QPainter, rect: QRectF, pal: QPalette) -> None:
        t = self.c.t
        if not t.coverage:
            return
        base = QColor(pal.color(QPalette.ColorRole.Highlight))
        first = int(t.view_start // 1000)
        last = int((t.view_start + t.view_span) // 1000)
        run_start, run_alpha = None, None
        for second in range(first, last + 2):
            speed = t.coverage.get(second)
            alpha = coverage_alpha(speed) if speed is not None else None
            if alpha != run_alpha:
                if run_alpha is not None:
                    self._coverage_run(p, rect, base, run_alpha, run_start, second)
                run_start, run_alpha = second, alpha

    def _coverage_run(self, p, rect, base: QColor, alpha: int, first: int, stop: int) -> None:
        c, t = self.c, self.c.t
        x0 = c.x_of(first * 1000)
        x1 = c.x_of(min(stop * 1000, t.duration))
        colour = QColor(base)
        colour.setAlpha(alpha)
        p.fillRect(QRectF(x0, rect.top(), max(1.0, x1 - x0), rect.height()), colour)

    def _playhead(self, p: QPainter, bands: Bands) -> None:
        x = self.c.x_of(self.c.t.position)
        if x < -2 or x > self.c.width() + 2:
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PLAYHEAD)
        top = bands.ruler.bottom() - 6
        p.drawPolygon(QPolygonF([QPointF(x - 5, top), QPointF(x + 5, top), QPointF(x, top + 6)]))
        p.fillRect(QRectF(x - 1, top + 5, 2, bands.coverage.bottom() - top - 5), PLAYHEAD)
