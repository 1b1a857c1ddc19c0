"""Covering regions of a picture: on the decoded planes of the copy, or on an RGB preview.

Everything is worked out in the *coded* picture's pixels (the decoder's orientation), so
the copy is made without turning any frame: a box given in pixels of the picture as shown
is mapped through the rotation first (exactly: the edges of a box stay on the same pixel
edges). Each plane is then covered over every pixel the region touches, rounded outward
in that plane's own resolution (the half-size colour planes of 4:2:0 included).

Pixelation is deliberately coarse: the region is cut into cells no smaller than
``MIN_BLOCK`` pixels and no more than ``BLOCKS_ACROSS`` across its shorter side, each cell
filled with its mean. The cells are laid on the region itself, so as a tracked region
moves with a face the face is sampled the same way in every frame (a grid fixed to the
picture would sample it at a new offset each frame, which is what lets several frames be
combined into a sharper picture). No blur: a blur keeps what it smooths and can be undone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .model import Box

MIN_BLOCK = 16  # pixels of the picture as coded
BLOCKS_ACROSS = 4  # cells across the shorter side of a region, at most


@dataclass(frozen=True)
class Orientation:
    """How the picture as shown relates to the picture as coded."""

    coded_width: int
    coded_height: int
    rotation: int = 0  # degrees clockwise to turn the coded picture for display

    @property
    def shown_size(self) -> tuple[int, int]:
        if self.rotation % 180:
            return self.coded_height, self.coded_width
        return self.coded_width, self.coded_height

    def to_coded(self, box: Box) -> Box:
        """The same region in coded pixels (rotation is a whole number of quarter turns)."""
        wc, hc = self.coded_width, self.coded_height
        r = self.rotation % 360
        if r == 90:
            return Box(box.y, hc - box.right, box.h, box.w)
        if r == 180:
            return Box(wc - box.right, hc - box.bottom, box.w, box.h)
        if r == 270:
            return Box(wc - box.bottom, box.x, box.h, box.w)
        return box

    def to_shown(self, coded: Box) -> Box:
        """The inverse of ``to_coded``: a box in coded pixels as it appears on screen."""
        wc, hc = self.coded_width, self.coded_height
        r = self.rotation % 360
        if r == 90:
            return Box(hc - coded.bottom, coded.x, coded.h, coded.w)
        if r == 180:
            return Box(wc - coded.right, hc - coded.bottom, coded.w, coded.h)
        if r == 270:
            return Box(coded.y, wc - coded.right, coded.h, coded.w)
        return coded


@dataclass(frozen=True)
class Plane:
    """One picture plane to paint on: ``array`` is H x W (or H x W x C), ``scale`` the
    number of coded pixels one of its pixels spans (2 for 4:2:0 colour), ``fill`` the value
    of black in it."""

    array: np.ndarray
    scale: int
    fill: int | tuple[int, ...]


def yuv_planes(frame, full_range: bool) -> list[Plane]:
    """Writable numpy views of a PyAV yuv420p/yuvj420p frame's planes (the frame must have
    been made writable first: a decoder may still refer to its buffers)."""
    planes = []
    for i, plane in enumerate(frame.planes):
        raw = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
        black = (0 if full_range else 16) if i == 0 else 128
        planes.append(Plane(raw, 1 if i == 0 else 2, black))
    return planes


def cell_size(boxes: list[Box]) -> int:
    """The pixelation cell for a region: coarse enough that nothing of a face survives."""
    shortest = min(min(b.w, b.h) for b in boxes)
    return max(MIN_BLOCK, math.ceil(shortest / BLOCKS_ACROSS))


def paint(planes: list[Plane], coded: Box, shape: str = "box", style: str = "pixelate",
          cell: int = MIN_BLOCK) -> None:
    """Cover ``coded`` (a box in coded pixels; an ellipse inscribed in it) on every plane."""
    for plane in planes:
        s = plane.scale
        scaled = Box(coded.x / s, coded.y / s, coded.w / s, coded.h / s)
        h, w = plane.array.shape[:2]
        rect = scaled.pixels(w, h)
        if rect is None:
            continue
        x0, y0, x1, y1 = rect
        if style == "solid":
            _solid(plane, scaled, rect, shape)
        else:
            xs = _edges(x0, x1, max(1, cell / s))
            ys = _edges(y0, y1, max(1, cell / s))
            _pixelate(plane, scaled, xs, ys, shape)


def _edges(a: int, b: int, cell: float) -> np.ndarray:
    count = max(1, round((b - a) / cell))
    return np.unique(np.linspace(a, b, count + 1).round().astype(np.int64))


def _ellipse_hits(box: Box, xs0, xs1, ys0, ys1) -> np.ndarray:
    """Which rectangles [xs0, xs1) x [ys0, ys1) touch the ellipse inscribed in ``box``
    (their point nearest its centre is inside it): an exact outward test."""
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    rx, ry = box.w / 2, box.h / 2
    dx = np.maximum(np.maximum(xs0 - cx, cx - xs1), 0) / rx
    dy = np.maximum(np.maximum(ys0 - cy, cy - ys1), 0) / ry
    return dy[:, None] ** 2 + dx[None, :] ** 2 <= 1.0 + 1e-9


def _solid(plane: Plane, box: Box, rect, shape: str) -> None:
    x0, y0, x1, y1 = rect
    view = plane.array[y0:y1, x0:x1]
    if shape == "box":
        view[...] = plane.fill
        return
    xs = np.arange(x0, x1 + 1)
    ys = np.arange(y0, y1 + 1)
    mask = _ellipse_hits(box, xs[:-1], xs[1:], ys[:-1], ys[1:])
    view[mask] = plane.fill


def _pixelate(plane: Plane, box: Box, xs: np.ndarray, ys: np.ndarray, shape: str) -> None:
    x0, x1, y0, y1 = int(xs[0]), int(xs[-1]), int(ys[0]), int(ys[-1])
    view = plane.array[y0:y1, x0:x1]
    region = view.astype(np.float32)
    sums = np.add.reduceat(np.add.reduceat(region, ys[:-1] - y0, axis=0), xs[:-1] - x0, axis=1)
    counts = np.outer(np.diff(ys), np.diff(xs)).astype(np.float32)
    if sums.ndim == 3:
        counts = counts[:, :, None]
    means = np.rint(sums / counts).astype(np.uint8)
    cells = np.repeat(np.repeat(means, np.diff(ys), axis=0), np.diff(xs), axis=1)
    if shape == "box":
        view[...] = cells
        return
    hits = _ellipse_hits(box, xs[:-1], xs[1:], ys[:-1], ys[1:])
    mask = np.repeat(np.repeat(hits, np.diff(ys), axis=0), np.diff(xs), axis=1)
    view[mask] = cells[mask]
