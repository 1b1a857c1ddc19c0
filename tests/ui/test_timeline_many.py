"""A timeline with tens of thousands of marks: it paints what a pixel can show (the same
places, extents and top colours as painting every mark), and the mouse finds the same mark
as a look at every mark would."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from bwv_review.ui.player import timeline_paint
from bwv_review.ui.timeline import EDGE_GRIP_PX, Marker, TimelineWidget
from tests.ui.conftest import TIMELINE_WIDTH as WIDTH

pytestmark = pytest.mark.gui

COLOURS = ("#d32f2f", "#1976d2", "#388e3c", "#fbc02d", "#7b1fa2")


@pytest.fixture
def long_timeline(timeline):  # the conftest's timeline (WIDTH pixels wide), made 20 minutes long
    timeline.set_duration(1_200_000)
    return timeline


def many(n: int, seed: int = 3, longest: int = 90_000) -> list[Marker]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        start = rng.randrange(0, 1_190_000)
        end = None if rng.random() < 0.5 else min(1_200_000, start + rng.choice((1500, 4000, rng.randrange(longest))))
        out.append(Marker(i + 1, start, end, rng.choice(COLOURS), f"mark {i + 1}"))
    return out


def view(timeline: TimelineWidget, start: float, span: float) -> None:
    timeline.view_start, timeline.view_span = float(start), float(span)
    timeline._changed()


def band_columns(image, band) -> np.ndarray:
    """Which pixel columns of a band hold anything but its background."""
    img = image.convertToFormat(image.Format.Format_RGB32)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine() // 4, 4)
    rows = arr[int(band.top()) + 2:int(band.bottom()) - 1, :img.width(), :3].astype(int)
    background = np.asarray(img.pixelColor(img.width() - 1, int(band.top()) + 2).getRgb()[:3])[::-1]  # BGRA bytes
    return np.flatnonzero((np.abs(rows - background).sum(axis=2) > 0).any(axis=0))


def test_dense_marks_paint_the_same_places_as_every_mark(qtbot, long_timeline, monkeypatch):
    timeline = long_timeline
    markers = many(20_000)
    timeline.set_markers(markers)
    painter = timeline.canvas.painter
    bands = painter.layout()
    chosen = painter._marks_to_draw()
    assert len(chosen) <= 6 * WIDTH  # not 20,000
    assert chosen == sorted(chosen)  # painting order kept: later marks on top
    reduced = painter._paint_static(bands)
    # The same painter told to draw every mark in view, as before.
    monkeypatch.setattr(timeline_paint, "SPARSE_MARKS", 10**9)
    everything = painter._marks_to_draw()
    assert len(everything) == len(markers)
    full = painter._paint_static(bands)
    assert band_columns(reduced, bands.marks).tolist() == band_columns(full, bands.marks).tolist()
    # In each pixel column, the mark on top is one drawn.
    scale = WIDTH / 1_200_000
    ordered = timeline.markers
    top: dict[tuple[int, bool], int] = {}
    for i, m in enumerate(ordered):
        top[(int(m.start_ms * scale + 0.5), m.end_ms is None)] = i
    assert set(top.values()) <= set(chosen)


def test_few_marks_are_all_painted_in_order(long_timeline):
    timeline = long_timeline
    markers = many(500, seed=9)
    timeline.set_markers(markers)
    view(timeline, 300_000, 120_000)  # zoomed in: only those in view
    painter = timeline.canvas.painter
    end = 420_000
    expect = [i for i, m in enumerate(timeline.markers)
              if m.start_ms <= end and (m.end_ms if m.end_ms is not None else m.start_ms) >= 300_000]
    assert painter._marks_to_draw() == expect


def brute_hit(canvas, pos: QPointF):
    """The mouse test over every marker (what hit() did before it looked only nearby)."""
    best = None
    for marker in reversed(canvas.t.markers):
        x0 = canvas.x_of(marker.start_ms)
        if marker.end_ms is not None:
            x1 = canvas.x_of(marker.end_ms)
            if abs(pos.x() - x0) <= EDGE_GRIP_PX:
                return "start", marker
            if abs(pos.x() - x1) <= EDGE_GRIP_PX:
                return "end", marker
            if x0 < pos.x() < x1 and best is None:
                best = marker
        elif abs(pos.x() - x0) <= EDGE_GRIP_PX + 1:
            return "mark", marker
    return ("mark", best) if best is not None else ("seek", None)


@pytest.mark.parametrize("count, window", [(3_000, None), (3_000, (400_000, 30_000)), (200, (0, 60_000))])
def test_the_mouse_finds_the_same_mark_as_a_look_at_every_mark(long_timeline, count, window):
    timeline = long_timeline
    timeline.set_markers(many(count, seed=count, longest=300_000))
    if window:
        view(timeline, *window)
    canvas = timeline.canvas
    y = canvas.painter.layout().marks.center().y()
    for tenth in range(0, WIDTH * 10, 23):
        pos = QPointF(tenth / 10, y)
        assert canvas.hit(pos) == brute_hit(canvas, pos), pos
