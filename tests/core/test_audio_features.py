"""core.audio's per-10 ms features against a plain frame-by-frame computation.

The analyser works on whole chunks of frames at once, through reused buffers and the
fewest passes (core.audio._Analyser); this reference takes one 32 ms frame at a time,
straight from the definitions, in float64. Both must agree to the float16 the features
are stored in, on real sound (a camera's clip; speech with an alarm, wind and knocks;
speech in a room), however the samples arrive.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bwv_review.core import audio

DATA = Path(__file__).parent.parent / "data"


def reference(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Envelope and features of ``samples``, one block at a time, from the definitions."""
    rate, hop, win = audio.ANALYSIS_RATE, audio.HOP, audio.WIN
    blocks = -(-len(samples) // hop)
    # Frame i is centred on block i: it starts (win - hop) / 2 samples before the block.
    lead = (win - hop) // 2
    padded = np.concatenate([np.zeros(lead), samples.astype(np.float64), np.zeros(win + hop)])
    freqs = np.arange(win // 2 + 1) * rate / win
    edges = np.searchsorted(freqs, np.geomspace(80.0, 7600.0, audio.NBANDS + 1))
    speech = (freqs >= 300.0) & (freqs < 3400.0)
    window = np.hanning(win)
    env = np.zeros((blocks, 2))
    feat = np.zeros((blocks, audio.BAND0 + audio.NBANDS))
    for i in range(blocks):
        own = padded[lead + i * hop : lead + (i + 1) * hop]
        env[i] = own.min(), own.max()
        power = np.abs(np.fft.rfft(padded[i * hop : i * hop + win] * window)) ** 2
        sp = power[speech] + 1e-12
        level = sp.sum()
        peak = int(np.argmax(sp))
        near = sum(sp[min(max(peak + d, 0), len(sp) - 1)] for d in (-1, 0, 1))
        feat[i, audio.FLATNESS] = np.exp(np.log(sp).mean()) / sp.mean()
        feat[i, audio.TONALITY] = near / level
        feat[i, audio.SPEECH_DB] = 10 * np.log10(level + 1e-9)
        for b in range(audio.NBANDS):
            feat[i, audio.BAND0 + b] = np.log10(power[edges[b] : edges[b + 1]].sum() + 1e-9)
    return env, feat


def analysed(samples: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    analyser = audio._Analyser()
    for start in range(0, len(samples), step):
        analyser.feed(samples[start : start + step])
    return analyser.finish()


def assert_same_features(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == np.float16 and got.shape == want.shape
    # float16 keeps 11 significant bits: a relative 2**-10 is one step, plus a little for
    # the float32 rounding of the window and spectrum on the way.
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=2**-9, atol=2e-3)


@pytest.mark.parametrize("name", ["speech_clip.mkv", "realshort.mp4", "asr/heldout-choked.mkv"])
def test_features_match_a_frame_by_frame_reference_on_real_sound(name):
    samples = audio.read_mono(DATA / name, 0, 8000)
    assert np.abs(samples).max() > 0.01  # there is sound to measure
    want_env, want_feat = reference(samples)
    for step in (audio.ANALYSIS_RATE * 5, 7777, 333):  # 5 s chunks as analyse feeds them, and odd ones
        env, feat = analysed(samples, step)
        np.testing.assert_array_equal(env, want_env.astype(np.float32))
        assert_same_features(feat, want_feat)


def test_features_match_the_reference_on_a_tone_in_noise_that_stops_mid_block():
    rng = np.random.default_rng(7)
    t = np.arange(int(audio.ANALYSIS_RATE * 1.3) + 37) / audio.ANALYSIS_RATE
    samples = (0.3 * np.sin(2 * np.pi * 1000 * t) * (t > 0.4) + 0.02 * rng.standard_normal(len(t))).astype(np.float32)
    want_env, want_feat = reference(samples)
    env, feat = analysed(samples, 4000)
    assert len(feat) == 131  # the last, part-filled block counts
    np.testing.assert_array_equal(env, want_env.astype(np.float32))
    assert_same_features(feat, want_feat)
    tone = want_feat[60:120, audio.TONALITY]
    assert tone.min() > 0.8 and want_feat[:30, audio.TONALITY].max() < 0.5  # the tone is there to be seen
