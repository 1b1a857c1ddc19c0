"""Stills for reports: the caption, the margin strip, the atomic PNG."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bwv_review.core.errors import ReviewError
from bwv_review.core.stills import Caption, burn_in, shown_ms, write_png
from bwv_review.core.timecode import clock_at, local, parse_time


def test_shown_time_rounds_up_so_typing_it_back_finds_the_same_frame():
    assert shown_ms(1001 / 30) == 34  # frame 1 at 29.97 fps starts at 33.367 ms
    assert shown_ms(40.0) == 40
    assert shown_ms(0.0) == 0
    assert parse_time("00:00:00.034") >= 1001 / 30


def test_caption_says_file_time_frame_exhibit_and_clock():
    clock = local(clock_at("2019-07-01T23:34:55+01:00", 1040), "Europe/London")
    lines = Caption(1040.0, 26, "AB/1", clock).lines()
    assert lines == [
        "Exhibit AB/1   File time 00:00:01.040   Frame 26",
        "Clock 2019-07-01 23:34:56.040 BST (UTC+01:00)",
    ]
    assert Caption(1040.0, 26).lines() == ["File time 00:00:01.040   Frame 26"]


def test_burn_in_adds_a_strip_and_leaves_the_picture_alone():
    rng = np.random.default_rng(1)
    picture = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    out = burn_in(picture, ["File time 00:00:01.040   Frame 26", "Clock 2019-07-01 23:34:56.040 BST"])
    assert out.shape[1] == 160 and out.shape[0] > 120 and out.flags.c_contiguous
    assert np.array_equal(out[:120], picture)
    strip = out[120:]
    assert (strip > 128).any()  # there is text
    # Both lines fit: text reaches neither the right edge nor the bottom edge.
    assert not (strip[:, -2:] > 128).any() and not (strip[-2:] > 128).any()


def test_burn_in_survives_non_ascii_text():
    out = burn_in(np.zeros((60, 80, 3), np.uint8), ["Exhibit ÆB/1 — ü"])
    assert out.shape[0] > 60


def test_png_is_written_whole_and_never_over_an_existing_file(tmp_path):
    picture = np.zeros((20, 30, 3), np.uint8)
    picture[..., 0] = 200  # red, in RGB
    target = write_png(picture, tmp_path / "still.png")
    back = cv2.imread(str(target))
    assert back.shape == (20, 30, 3) and back[0, 0].tolist() == [0, 0, 200]  # BGR on disk
    before = target.read_bytes()
    with pytest.raises(ReviewError, match="already exists"):
        write_png(np.zeros((20, 30, 3), np.uint8), target)
    assert target.read_bytes() == before
    write_png(np.zeros((20, 30, 3), np.uint8), target, overwrite=True)
    assert cv2.imread(str(target)).max() == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["still.png"]  # no temp files left


@pytest.mark.parametrize(("name", "message"), [("still.jpg", "should end in .png"), ("nowhere/still.png", "does not exist")])
def test_png_target_is_checked(tmp_path, name, message):
    with pytest.raises(ReviewError, match=message):
        write_png(np.zeros((4, 4, 3), np.uint8), tmp_path / name)
