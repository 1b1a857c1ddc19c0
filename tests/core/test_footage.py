"""core.footage: one owner per file, so a file is opened once for pictures, once for sound."""

from __future__ import annotations

import av
import numpy as np
import pytest

from bwv_review.core import footage as footage_module
from bwv_review.core import frame_index, frames
from bwv_review.core.footage import Footage
from tests.footage import read_index, write_clip


@pytest.fixture
def opens(monkeypatch):
    """Every av.open of a file (av is one module: this sees every caller)."""
    seen: list[str] = []
    real = av.open

    def counting(path, *args, **kwargs):
        seen.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(frame_index.av, "open", counting)
    monkeypatch.setattr(frames.av, "open", counting)
    return seen


def test_one_owner_per_file_in_a_process(tmp_path):
    clip = write_clip(tmp_path / "AB-1.mp4", frames=30, fps=25, size=(160, 120))
    first = Footage.shared(clip)
    assert Footage.shared(tmp_path / "." / "AB-1.mp4") is first
    assert Footage.shared(clip, "ab" * 32).sha256 == "ab" * 32


def test_pictures_stills_and_thumbnails_share_one_decoder(tmp_path, opens):
    clip = write_clip(tmp_path / "CD-1.mp4", frames=60, fps=25, size=(160, 120), gop=12)
    del opens[:]  # writing the clip opened it too
    owner = Footage(clip)
    assert owner.info.frame_count == 60  # probe: one open, index cached from now on
    player = owner.video("bgra")
    assert read_index(player.frame(40).image[..., :3]) == 40
    thumb = owner.thumbnail(1000, height=30)
    assert thumb.shape == (30, 40, 3) and thumb.flags.c_contiguous
    still = owner.still(frame=17)
    assert read_index(still.image) == 17 and still.pixel_format == "rgb"
    number, time_ms, deinterlaced, damaged, png = owner.still_png(at_ms=1000)
    assert (number, time_ms, deinterlaced, damaged) == (25, 1000.0, False, False) and png[:4] == b"\x89PNG"
    assert len(opens) == 2, opens  # the probe, then the one picture decoder
    owner.close()
    again = Footage(clip)
    assert again.info.frame_count == 60 and len(opens) == 2  # a file seen before: not even probed


def test_sound_comes_timed_from_the_index_origin(tmp_path, opens):
    clip = write_clip(tmp_path / "EF-1.mp4", frames=50, fps=25, size=(160, 120), audio=True)
    owner = Footage(clip)
    owner.info  # noqa: B018
    before = len(opens)
    sound = np.concatenate(list(owner.sound(start_ms=0, end_ms=1000)))
    assert len(sound) == 16000
    assert len(opens) == before + 1  # one handle for the sound, no second probe
    assert footage_module.THUMB_HEIGHT == 45


def test_reference_frames_for_skimming_are_the_exact_pictures(tmp_path):
    from bwv_review.core.media import VideoSource

    clip = write_clip(tmp_path / "GH-1.mp4", frames=120, fps=25, size=(160, 120), gop=60, bframes=2)
    with VideoSource(clip) as skim, VideoSource(clip) as plain:
        for ms in (1000, 2100, 4500):
            got = skim.reference_frame_at(ms)
            assert got.index <= skim.index.at(ms)
            assert read_index(got.image) == got.index
            assert (got.image == plain.frame(got.index).image).all()
            assert read_index(skim.frame(skim.index.at(ms)).image) == skim.index.at(ms)  # then plays on exactly
