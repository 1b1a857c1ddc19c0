"""Covering regions on planes, exactly: the pixels handed to the encoder."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bwv_review.core.redact import model as m
from bwv_review.core.redact import sound
from bwv_review.core.redact.plan import Plan
from bwv_review.core.redact.render import (
    BLOCKS_ACROSS,
    MIN_BLOCK,
    Orientation,
    Plane,
    cell_size,
    paint,
)


def _planes(width=320, height=240, seed=None):
    """Random planes (``seed``), or 0/255 checkerboards: there every pixel a region covers
    changes (a black fill is 16 or 128, a cell's mean about 128), so coverage shows."""
    if seed is not None:
        rng = np.random.default_rng(seed)
        return [Plane(rng.integers(0, 256, (height // s, width // s), dtype=np.uint8), s, f)
                for s, f in ((1, 16), (2, 128), (2, 128))]
    return [Plane(_checker(height // s, width // s), s, f) for s, f in ((1, 16), (2, 128), (2, 128))]


def _checker(height, width):
    return (((np.arange(height)[:, None] + np.arange(width)[None, :]) % 2) * 255).astype(np.uint8)


def _changed(before, after) -> set[tuple[int, int]]:
    diff = before != after
    if diff.ndim == 3:
        diff = diff.any(axis=2)
    return {(int(y), int(x)) for y, x in np.argwhere(diff)}


def _rect(x0, y0, x1, y1) -> set[tuple[int, int]]:
    return {(y, x) for y in range(y0, y1) for x in range(x0, x1)}


@pytest.mark.parametrize("box", [m.Box(10.3, 20.7, 30.2, 15.1), m.Box(10, 20, 30, 16), m.Box(-5, 230.5, 50, 30)])
def test_solid_box_covers_every_touched_pixel_and_no_other(box):
    planes = _planes()
    before = [p.array.copy() for p in planes]
    paint(planes, box, "box", "solid")
    for plane, old in zip(planes, before, strict=True):
        s = plane.scale
        h, w = old.shape
        x0, y0 = max(0, math.floor(box.x / s)), max(0, math.floor(box.y / s))
        x1, y1 = min(w, math.ceil(box.right / s)), min(h, math.ceil(box.bottom / s))
        assert _changed(old, plane.array) == _rect(x0, y0, x1, y1)
        assert (plane.array[y0:y1, x0:x1] == plane.fill).all()


def test_pixelation_cells_are_coarse_means_covering_the_whole_region():
    planes = _planes(seed=1)
    before = [p.array.copy() for p in planes]
    box = m.Box(50.5, 40.2, 101, 63)
    cell = cell_size([box])
    assert cell == max(MIN_BLOCK, math.ceil(63 / BLOCKS_ACROSS))
    paint(planes, box, "box", "pixelate", cell)
    y, old = planes[0].array, before[0]
    x0, y0, x1, y1 = 50, 40, 152, 104
    region = y[y0:y1, x0:x1]
    assert _changed(old, y) <= _rect(x0, y0, x1, y1)
    # Constant runs: cells at least MIN_BLOCK wide, at most BLOCKS_ACROSS down the short side.
    col_edges = [0] + [i for i in range(1, region.shape[1]) if (region[:, i] != region[:, i - 1]).any()]
    row_edges = [0] + [i for i in range(1, region.shape[0]) if (region[i] != region[i - 1]).any()]
    assert len(row_edges) <= BLOCKS_ACROSS
    assert min(np.diff([*col_edges, region.shape[1]])) >= MIN_BLOCK
    for ra, rb in zip(row_edges, [*row_edges[1:], region.shape[0]], strict=True):
        for ca, cb in zip(col_edges, [*col_edges[1:], region.shape[1]], strict=True):
            cell_now = region[ra:rb, ca:cb]
            assert (cell_now == cell_now[0, 0]).all()
            assert abs(int(cell_now[0, 0]) - old[y0 + ra:y0 + rb, x0 + ca:x0 + cb].mean()) <= 0.5
    # The colour planes are covered over the half-size pixels the region touches.
    u_changed = _changed(before[1], planes[1].array)
    assert u_changed <= _rect(25, 20, 76, 52)
    assert len(u_changed) > 0.9 * len(_rect(25, 20, 76, 52))


@pytest.mark.parametrize("style", ["solid", "pixelate"])
def test_ellipse_covers_every_pixel_it_touches(style):
    planes = _planes()
    before = planes[0].array.copy()
    box = m.Box(60.3, 50.6, 90.5, 41.2)
    paint(planes, box, "ellipse", style, cell_size([box]))
    covered = before != planes[0].array
    # Any pixel with any part inside the ellipse (sampled 8 x 8 within the pixel) is covered.
    sub = (np.arange(8) + 0.5) / 8
    ys, xs = np.mgrid[40:100, 50:160]
    cx, cy, rx, ry = box.x + box.w / 2, box.y + box.h / 2, box.w / 2, box.h / 2
    touched = np.zeros(ys.shape, bool)
    for dy in sub:
        for dx in sub:
            touched |= ((xs + dx - cx) / rx) ** 2 + ((ys + dy - cy) / ry) ** 2 <= 1
    assert covered[40:100, 50:160][touched].all()
    if style == "solid":  # and nothing beyond a pixel from it
        assert (covered[40:100, 50:160] & ~touched).sum() <= 0.02 * touched.sum()
        assert not covered[:40].any() and not covered[:, 160:].any()


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_box_as_shown_lands_where_shown_after_rotation(rotation):
    coded = _checker(240, 320)
    before = coded.copy()
    orient = Orientation(320, 240, rotation)
    shown_w, shown_h = orient.shown_size
    box = m.Box(12.5, 30.2, 40, 22.3)
    paint([Plane(coded, 1, 16)], orient.to_coded(box), "box", "solid")
    # Display = the coded picture turned clockwise by ``rotation`` (np.rot90 turns the other way).
    shown, shown_before = (np.rot90(a, k=-(rotation // 90)) for a in (coded, before))
    assert shown.shape == (shown_h, shown_w)
    assert _changed(shown_before, shown) == _rect(12, 30, 53, 53)


def test_rgb_preview_planes():
    rgb = np.repeat(_checker(120, 160)[:, :, None], 3, axis=2)
    before = rgb.copy()
    paint([Plane(rgb, 1, (0, 0, 0))], m.Box(10, 10, 40, 40), "box", "pixelate", 16)
    assert _changed(before, rgb) == _rect(10, 10, 50, 50)
    assert (rgb[10:26, 10:26] == rgb[10, 10]).all()


def test_frames_covered_are_rounded_outward_in_time():
    times = [0.0, 40.0, 80.0, 120.0, 160.0]
    plan = Plan([], times, 200, Orientation(320, 240))
    assert plan.frames_of(m.picture(1, 50, 90, m.Box(0, 0, 1, 1))) == (1, 2)  # 40..80 on screen at 50
    assert plan.frames_of(m.picture(1, 40, 80, m.Box(0, 0, 1, 1))) == (1, 2)  # the end is inclusive
    assert plan.frames_of(m.picture(1, 0, 0, m.Box(0, 0, 1, 1))) == (0, 0)
    assert plan.frames_of(m.picture(1, 170, 5000, m.Box(0, 0, 1, 1))) == (4, 4)
    moving = m.picture(1, 50, 130, m.Box(0, 0, 10, 10), m.Box(80, 0, 10, 10))
    plan = Plan([moving], times, 200, Orientation(320, 240))
    assert [plan.boxes(n)[0][1].x if plan.boxes(n) else None for n in range(5)] == [None, 0.0, 30.0, 70.0, None]


def test_sound_samples_rounded_outward():
    r = m.sound(1, 10, 20)
    assert sound.sample_range(r, 0.0, 1000, 100) == (10, 21)
    assert sound.sample_range(r, 0.0, 48000, 1024) == (480, 961)
    assert sound.sample_range(r, 15.0, 48000, 1024) == (0, 241)
    assert sound.sample_range(r, 21.0, 48000, 1024) is None
    samples = np.ones((2, 1000), np.float32)
    assert sound.apply(samples, 0.0, 1000, [r, m.sound(1, 100, 110, audio="tone")])
    assert not samples[:, 10:21].any() and samples[:, :10].all() and samples[:, 21:100].all()
    assert np.abs(samples[:, 100:111]).max() <= sound.TONE_LEVEL
