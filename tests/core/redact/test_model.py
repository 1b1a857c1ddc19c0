"""The redaction model: boxes, keyframes, interpolation, the sentences for bad input."""

from __future__ import annotations

import pytest

from bwv_review.core.errors import ReviewError
from bwv_review.core.redact import model as m


def test_box_pixels_round_outward_and_clip():
    assert m.Box(10, 20, 30, 40).pixels(320, 240) == (10, 20, 40, 60)
    assert m.Box(10.2, 20.9, 30.1, 0.2).pixels(320, 240) == (10, 20, 41, 22)
    assert m.Box(-5, -5, 10, 10).pixels(320, 240) == (0, 0, 5, 5)
    assert m.Box(300, 200, 100, 100).pixels(320, 240) == (300, 200, 320, 240)
    assert m.Box(400, 10, 10, 10).pixels(320, 240) is None


def test_parse_box():
    assert m.parse_box(" 12, 30.5,64,80 ") == m.Box(12, 30.5, 64, 80)
    for bad in ("12,30,64", "a,b,c,d", "1,2,0,4", "1,2,3,-4", "1,2,nan,4", ""):
        with pytest.raises(ReviewError, match="Box"):
            m.parse_box(bad)


def test_keyframes_interpolate_linearly_and_hold_outside():
    r = m.picture(1, 1000, 3000, m.Box(0, 0, 10, 10), m.Box(100, 50, 30, 20))
    assert r.box_at(0) == m.Box(0, 0, 10, 10)
    assert r.box_at(2000) == m.Box(50, 25, 20, 15)
    assert r.box_at(9999) == m.Box(100, 50, 30, 20)
    r = r.with_keyframe(1500, m.Box(200, 200, 10, 10))
    assert [k.time_ms for k in r.keyframes] == [1000, 1500, 3000]
    assert r.box_at(1250) == m.Box(100, 100, 10, 10)
    r = r.with_keyframe(1500.2, m.Box(0, 0, 5, 5))  # same instant: replaced, not doubled
    assert len(r.keyframes) == 3 and r.box_at(1500.2) == m.Box(0, 0, 5, 5)


def test_frame_box_takes_the_frames_instant_clamped_to_the_interval():
    r = m.picture(1, 1000, 2000, m.Box(0, 0, 10, 10), m.Box(100, 0, 10, 10))
    assert r.frame_box(960, 1000) is None  # gone from the screen as the interval starts
    assert r.frame_box(980, 1020) == m.Box(0, 0, 10, 10)  # already on screen at 1000
    assert r.frame_box(1500, 1540) == m.Box(50, 0, 10, 10)
    assert r.frame_box(2000, 2040) == m.Box(100, 0, 10, 10)  # the end is inclusive
    assert r.frame_box(2001, 2040) is None
    assert m.sound(1, 0, 10).frame_box(0, 40) is None


def test_keyframes_json_round_trip():
    r = m.picture(1, 0, 500, m.Box(1.23456, 2, 3, 4), m.Box(5, 6, 7, 8))
    again = m.Redaction.keyframes_from_json(r.keyframes_json())
    assert again == [m.Keyframe(0.0, m.Box(1.235, 2, 3, 4)), m.Keyframe(500.0, m.Box(5, 6, 7, 8))]
    assert m.Redaction.keyframes_from_json(None) == []


def test_descriptions():
    r = m.picture(1, 1000, 3000, m.Box(0, 0, 10, 10), m.Box(100, 50, 30, 20.5), shape="ellipse")
    assert r.describe_where() == "ellipse 0,0,10,10 moving to 100,50,30,20.5 (2 keyframes), pixelate"
    assert r.describe_when() == "00:00:01.000 to 00:00:03.000"
    assert m.sound(1, 0, 1, audio="tone").describe_where() == "sound replaced by a tone"


@pytest.mark.parametrize(
    ("redaction", "message"),
    [
        (m.picture(1, 10, 5, m.Box(0, 0, 5, 5)), "end before it starts"),
        (m.picture(1, -1, 5, m.Box(0, 0, 5, 5)), "before 00:00:00.000"),
        (m.picture(1, 0, 5, m.Box(0, 0, 5, 5), shape="star"), "box or an ellipse"),
        (m.picture(1, 0, 5, m.Box(0, 0, 5, 5), style="blur"), "pixelated or filled solid"),
        (m.picture(1, 0, 5, m.Box(500, 0, 5, 5)), "outside the picture"),
        (m.picture(1, 9000, 9500, m.Box(0, 0, 5, 5)), "past the end"),
        (m.sound(1, 0, 5, audio="beep"), "muted or replaced by a tone"),
        (m.Redaction(1, "smell", 0, 5), "picture or the sound"),
        (m.Redaction(1, "picture", 0, 5), "needs a box"),
        (m.picture(1, 0, 5, m.Box(0, 0, 5, 5), status="maybe"), "status"),
    ],
)
def test_check_refuses_with_a_sentence(redaction, message):
    with pytest.raises(ReviewError, match=message):
        m.check(redaction, duration_ms=2000, width=320, height=240)
