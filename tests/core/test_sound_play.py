"""core.sound_decode.playback: the sound from a moment on, for the player to feed its output."""

from __future__ import annotations

import numpy as np
import pytest

from bwv_review.core import sound_decode
from tests.core.test_audio import clicks, write_av

RATE = 48000


def first_hits(samples: np.ndarray, rate: int = RATE, apart: float = 0.2) -> list[float]:
    """Seconds (of output) where each click or burst starts (bursts at least ``apart`` s apart)."""
    level = np.abs(samples).max(axis=1) if samples.ndim == 2 else np.abs(samples)
    hits: list[float] = []
    for i in np.flatnonzero(level > 0.3):
        if not hits or i / rate > hits[-1] + apart:
            hits.append(i / rate)
    return hits


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    # the sound starts 0.25 s after the first picture: frame 0 is file time 0 here
    folder = tmp_path_factory.mktemp("play")
    return write_av(folder / "clicks.mkv", clicks(6, [1.5, 3.0, 4.5]), audio_start_s=0.25, video_s=6.5)


def play(path, start_ms, speed=1.0, channels=2):
    track = sound_decode.track(path)
    return np.concatenate(list(sound_decode.playback(path, track, RATE, channels, start_ms, speed)))


def test_the_first_sample_is_the_moment_asked_for(clip):
    out = play(clip, 1000)
    assert out.ndim == 2 and out.shape[1] == 2
    # clicks at 1.75, 3.25, 4.75 s of file time: 0.75 s after the start, and so on
    assert first_hits(out) == pytest.approx([0.75, 2.25, 3.75], abs=0.0005)
    assert len(out) / RATE == pytest.approx(6.25 - 1.0, abs=0.03)


def test_before_the_sound_starts_there_is_silence(clip):
    out = play(clip, 0, channels=1)
    assert out.shape[1] == 1
    assert not out[: int(0.24 * RATE)].any()
    assert first_hits(out) == pytest.approx([1.75, 3.25, 4.75], abs=0.0005)


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    """120 ms tone bursts (a time-stretcher keeps a tone; it may skip a 1 ms click)."""
    t = np.arange(6 * RATE) / RATE
    x = np.zeros(len(t), np.float32)
    for at in (1.5, 3.0, 4.5):
        on = (t >= at) & (t < at + 0.12)
        x[on] = 0.8 * np.sin(2 * np.pi * 1000 * t[on])
    return write_av(tmp_path_factory.mktemp("tones") / "tones.mkv", x, video_s=6)


@pytest.mark.parametrize("speed", [0.25, 0.5, 1.5, 2.0, 4.0])
def test_each_sample_is_speed_over_rate_of_footage_later(tones, speed):
    # Output sample k is heard as footage time start + k * speed / rate: atempo keeps the
    # pitch, and its own lead (half a window: 93 ms too soon at 0.25x, 35 ms at 0.5x) is
    # taken out, so each burst is heard within 10 ms of when the picture shows it (at 0.25x,
    # within 4 ms of footage: its alignment search moves a burst by a few ms of footage).
    out = play(tones, 1000, speed)
    heard = first_hits(out, apart=0.5 / speed)
    assert heard == pytest.approx([(at - 1.0) / speed for at in (1.5, 3.0, 4.5)], abs=max(0.010, 0.004 / speed))
    assert len(out) * speed / RATE == pytest.approx(5.0, abs=0.1)
