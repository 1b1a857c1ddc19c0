"""Skimming at 8x/16x (keyframes only, sound off) and the deinterlaced view, on real decoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.footage import write_clip
from tests.ui.test_player import load, player, shown_index  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def long_gops(tmp_path_factory) -> Path:
    """20 s at 25 fps, a keyframe every 12 frames (0.48 s)."""
    return write_clip(tmp_path_factory.mktemp("skim") / "skim.mp4", frames=500, fps=25, gop=12,
                      size=(320, 240))


@pytest.mark.parametrize("speed", [8.0, 16.0])
def test_skimming_shows_keyframes_as_the_clock_passes_them(qtbot, player, long_gops, speed):  # noqa: F811
    load(qtbot, player, long_gops)
    keys = set(player._info.index.keyframe_positions())
    shown: list[int] = []
    player.frameShown.connect(lambda index, _ms: shown.append(index))
    player.set_speed(speed)
    with qtbot.waitSignal(player.playingChanged, timeout=2000):
        player.play()
    assert player.skimming()
    qtbot.waitUntil(lambda: len(shown) >= 6, timeout=10000)
    playing = list(shown)  # before pausing (which settles on the frame at the clock)
    player.pause()
    assert set(playing) <= keys, "skimming decodes keyframes only"
    assert playing == sorted(playing) and len(set(playing)) == len(playing)
    assert shown_index(player) == player.current_frame_index()


def test_back_to_normal_speed_plays_every_frame_again(qtbot, player, long_gops):  # noqa: F811
    load(qtbot, player, long_gops)
    player.set_speed(16.0)
    with qtbot.waitSignal(player.playingChanged, timeout=2000):
        player.play()
    qtbot.waitUntil(lambda: player.current_frame_index() > 24, timeout=10000)
    player.set_speed(1.0)
    assert not player.skimming()
    start = player.current_frame_index()
    seen: list[int] = []
    player.frameShown.connect(lambda index, _ms: seen.append(index))
    qtbot.waitUntil(lambda: len(seen) >= 10, timeout=10000)
    player.pause()
    assert any(i % 12 for i in seen) and min(seen) >= start


def test_deinterlace_toggle_is_stated_in_the_caption(qtbot, player):  # noqa: F811
    load(qtbot, player, DATA / "corpus" / "gen-interlaced-mpeg2.ts", exhibit_ref="EF/1")
    assert "DEINTERLACED" not in player.view._caption
    woven = player.displayed_image().copy()
    with qtbot.waitSignal(player.frameShown, timeout=5000):
        player.deinterlace_action.setChecked(True)
    assert "DEINTERLACED" in player.view._caption
    assert player.displayed_image() != woven
    with qtbot.waitSignal(player.frameShown, timeout=5000):
        player.set_deinterlace(False)
    assert "DEINTERLACED" not in player.view._caption
    assert player.displayed_image() == woven


def test_skim_plan_keyframes_and_a_reference_frame_between_far_ones():
    from bwv_review.core.frame_index import FrameIndex
    from bwv_review.ui.player.frames import FrameTimes, skim_request

    times = [i * 1000 / 30 for i in range(300)]  # 10 s at 30 fps, a keyframe every 60 frames
    index = FrameIndex(times, [i % 60 == 0 for i in range(300)])
    frames = FrameTimes(type("Info", (), {"fps": 30, "index": index, "frame_count": 300})())
    assert skim_request(index, frames, due=130, have=60, queued=False, speed=8, gap_ms=200) == (120, False)
    # At 8x a 2 s GOP is 250 ms of wall time: first a reference frame half-way, then the key.
    assert skim_request(index, frames, due=70, have=60, queued=False, speed=8, gap_ms=200) == (90, True)
    assert skim_request(index, frames, due=95, have=90, queued=False, speed=8, gap_ms=200) == (120, False)
    # At 16x (125 ms apart) keyframes only; nothing more while one waits to be shown.
    assert skim_request(index, frames, due=70, have=60, queued=False, speed=16, gap_ms=200) == (120, False)
    assert skim_request(index, frames, due=70, have=120, queued=True, speed=16, gap_ms=200) is None
    assert skim_request(index, frames, due=299, have=240, queued=False, speed=16, gap_ms=200) is None
