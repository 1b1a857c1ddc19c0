"""core.align: offsets between two recordings of one scene, and refusing ones that share nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from bwv_review.core import align, audio
from bwv_review.core.errors import Cancelled, ReviewError
from tests.core.test_audio import write_av
from tests.data.make_speech_clip import speak

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="needs espeak-ng to make speech (apt install espeak-ng)"
)

RATE = 48000
WORDS = [
    "Police. Open the door please.",
    "Where is he now? Tell me what happened.",
    "He hit me with the phone and then he left.",
    "Stay there. Put your hands where I can see them.",
    "Can you give me your name and date of birth?",
    "Right, I am going to check the back garden.",
]
OTHER_WORDS = [
    "I did not see anything, I was asleep upstairs.",
    "The car was parked outside the shop all evening.",
    "Nobody came to the house today, I promise.",
]


def scene(seconds: float, words: list[str], seed: int) -> np.ndarray:
    """Speech with pauses, a few knocks, over a quiet hum and hiss: what both cameras hear."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    x = (0.003 * rng.standard_normal(n) + 0.004 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    at = 0.4
    voices = ["en-gb", "en-gb+f3", "en-us"]
    for i in range(40):
        speech = speak(words[i % len(words)], voices[i % 3], RATE) * 0.6
        start = int(at * RATE)
        if start + len(speech) > n:
            break
        x[start : start + len(speech)] += speech
        at += len(speech) / RATE + rng.uniform(0.4, 2.5)
        knock = int((at - 0.3) * RATE)
        if i % 3 == 1 and knock + 2400 < n:
            x[knock : knock + 2400] += 0.3 * np.exp(-np.arange(2400) / 400) * rng.standard_normal(2400)
    return x


def camera(x: np.ndarray, gain_db: float, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (x * 10 ** (gain_db / 20) + noise * rng.standard_normal(len(x))).astype(np.float32)


def room(x: np.ndarray, rt60_s: float, drr_db: float, direct_ms: float, seed: int) -> np.ndarray:
    """``x`` heard in a reverberant room: direct sound after ``direct_ms``, then a decaying tail."""
    rng = np.random.default_rng(seed)
    n = int(rt60_s * RATE)
    ir = rng.standard_normal(n) * np.exp(-6.9 * np.arange(n) / n)
    ir *= 10 ** (-drr_db / 20) / np.sqrt((ir**2).sum())
    delay = int(direct_ms * RATE / 1000)
    ir = np.roll(ir, delay + 16)  # reflections arrive after the direct sound
    ir[delay] = 1.0
    size = len(x) + n
    y = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(ir, size), size)[: len(x)]
    return (y / np.abs(y).max() * 0.8).astype(np.float32)


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> tuple[Path, np.ndarray]:
    folder = tmp_path_factory.mktemp("align")
    x = scene(50, WORDS, seed=1)
    return folder, x


def cut(x: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    return x[int(round(start_s * RATE)) : int(round(end_s * RATE))]


CASES = {
    # name: (REF span s, REF2 span s, REF gain dB, REF noise, codecs)
    "ref starts later, quieter, noisier": ((5.0173, 40.0), (0.0, 50.0), -12, 0.01, ("aac", "libopus")),
    "ref starts earlier": ((0.0, 30.0), (7.2561, 50.0), -6, 0.02, ("libopus", "aac")),
    "ref is a short part of ref2": ((21.3337, 36.0), (0.0, 50.0), -12, 0.005, ("aac", "aac")),
    "heavy noise on ref": ((3.0, 45.0), (0.0, 44.0), -12, 0.05, ("aac", "pcm_s16le")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_known_offsets_are_recovered_within_a_few_ms(shared, name):
    folder, x = shared
    ref_span, ref2_span, gain, noise, (codec, codec2) = CASES[name]
    key = list(CASES).index(name) + 10
    ref = write_av(folder / f"{key}-ref.mkv", camera(cut(x, *ref_span), gain, noise, 2), audio_codec=codec)
    ref2 = write_av(folder / f"{key}-ref2.mkv", camera(cut(x, *ref2_span), 0, 0.004, 3), audio_codec=codec2)
    expected_ms = (ref_span[0] - ref2_span[0]) * 1000
    result = align.align_files(ref, f"{key:064d}", ref2, f"{key + 1:064d}")
    assert result.offset_ms == pytest.approx(expected_ms, abs=5.0), result
    assert result.refined and result.confidence >= align.MIN_CONFIDENCE
    assert abs(result.drift_ppm) < 100  # same clock: no drift to speak of
    assert abs(result.coarse_ms - expected_ms) < 40.0  # the envelope step alone is within a frame


def test_reverberant_room_with_cameras_at_different_distances(shared):
    folder, x = shared
    # RT60 0.5 s, as much reverberant as direct sound; B is 2.4 m (7 ms) further from the talk
    near, far = room(x, 0.5, 0.0, 2.0, seed=1), room(x, 0.5, 0.0, 9.0, seed=2)
    ref = write_av(folder / "r-ref.mkv", camera(cut(near, 5.0173, 40), -12, 0.01, 3), audio_codec="aac")
    ref2 = write_av(folder / "r-ref2.mkv", camera(far, 0, 0.005, 4), audio_codec="aac")
    result = align.align_files(ref, "r" * 64, ref2, "s" * 64)
    assert result.offset_ms == pytest.approx(5017.3 + 7.0, abs=5.0), result


def test_unrelated_recordings_are_refused(shared):
    folder, x = shared
    ref = write_av(folder / "u-ref.mkv", camera(cut(x, 0, 40), -6, 0.01, 4), audio_codec="aac")
    other = write_av(folder / "u-other.mkv", camera(scene(40, OTHER_WORDS, seed=9), 0, 0.01, 5))
    with pytest.raises(ReviewError, match="do not share enough sound"):
        align.align_files(other, "1" * 64, ref, "2" * 64)
    # asked to, it still reports its (low) confidence rather than an error
    weak = align.align_files(other, "1" * 64, ref, "2" * 64, min_confidence=0.0)
    assert weak.confidence < align.MIN_CONFIDENCE


def test_the_coarse_answer_needs_no_decoding(shared, monkeypatch):
    folder, x = shared
    ref = write_av(folder / "c-ref.mkv", camera(cut(x, 10, 30), -3, 0.005, 6))
    ref2 = write_av(folder / "c-ref2.mkv", camera(cut(x, 0, 50), 0, 0.005, 7))
    a, b = audio.analyse(ref, "3" * 64), audio.analyse(ref2, "4" * 64)

    def no_decode(*args, **kwargs):
        raise AssertionError("decoded")

    monkeypatch.setattr(audio, "iter_mono", no_decode)
    coarse = align.coarse_alignment(a, b)
    assert coarse.offset_ms == pytest.approx(10000, abs=10)
    assert "+00:00:10.0" in coarse.describe()


def test_cancel_stops_alignment(shared):
    folder, x = shared
    ref = write_av(folder / "k-ref.mkv", cut(x, 0, 20))
    with pytest.raises(Cancelled):
        align.align_files(ref, "5" * 64, ref, "6" * 64, cancel=lambda: True)


def test_start_from_is_exact_across_a_clock_change():
    # REF2 started a minute before the spring change in the UK; REF 90.5 s later (after it)
    assert align.start_from("2019-03-31T00:59:00Z", 90_500) == "2019-03-31T01:00:30.500+00:00"
    assert align.start_from("2019-03-31T01:59:00+01:00", -1_000) == "2019-03-31T00:58:59.000+00:00"


def test_set_start_from_is_one_audited_change(tmp_path):
    from bwv_review.core.evidence import import_footage
    from bwv_review.core.store import CaseStore
    from tests.footage import write_clip

    clip_a = write_clip(tmp_path / "a.mp4", frames=10, audio=True)
    clip_b = write_clip(tmp_path / "b.mp4", frames=12, audio=True)
    with CaseStore.create(tmp_path / "c.bwvcase", "T") as store:
        import_footage(store, clip_a, "A/1", "Jo", start="2019-10-27T01:59:59+01:00")
        import_footage(store, clip_b, "B/1", "Jo")
        with pytest.raises(ReviewError, match="B/1 has no recording start"):
            align.set_start_from(store, "A/1", "B/1", 10, "Jo")
        with pytest.raises(ReviewError, match="from itself"):
            align.set_start_from(store, "A/1", "a/1", 10, "Jo")
        seq = store.audit_head()[0]
        ex = align.set_start_from(store, "b/1", "A/1", 1234.4, "Sam")
        assert (ex.recording_start, ex.start_source) == ("2019-10-27T01:00:00.234+00:00", "aligned:A/1")
        assert store.audit_head()[0] == seq + 1 and store.audit_rows()[-1]["action"] == "exhibit.align"
        ex = align.set_start_from(store, "B/1", "A/1", -500, "Sam", source="offset")
        assert ex.start_source == "offset:A/1" and store.audit_rows()[-1]["action"] == "exhibit.start"


def test_clock_drift_is_measured_and_the_start_is_right(shared):
    folder, x = shared
    # REF's sample clock runs 600 ppm slow: REF time tau is scene time 4.5 s + tau * 1.0006
    k = 600e-6
    tau = np.arange(int(40 * RATE)) / RATE
    scene_t = 4.5 + tau * (1 + k)
    ref_samples = np.interp(scene_t, np.arange(len(x)) / RATE, x).astype(np.float32)
    ref = write_av(folder / "d-ref.mkv", camera(ref_samples, -6, 0.005, 8), audio_codec="aac")
    ref2 = write_av(folder / "d-ref2.mkv", camera(x, 0, 0.004, 9))
    result = align.align_files(ref, "7" * 64, ref2, "8" * 64)
    assert result.offset_ms == pytest.approx(4500.0, abs=5.0), result
    assert result.drift_ppm == pytest.approx(600, abs=100), result
    assert result.drift_ms() == pytest.approx(24, abs=5)


def test_progress_runs_to_the_end_whether_or_not_a_side_is_cached(shared):
    folder, x = shared
    ref = write_av(folder / "p-ref.mkv", camera(cut(x, 3, 25), -6, 0.005, 10))
    ref2 = write_av(folder / "p-ref2.mkv", camera(cut(x, 0, 30), 0, 0.005, 11))
    for _ in range(2):  # both decoded, then both cached
        seen: list[tuple[int, int]] = []
        result = align.align_files(ref, "p" * 64, ref2, "q" * 64, progress=lambda d, t, s=seen: s.append((d, t)))
        assert result.offset_ms == pytest.approx(3000, abs=5)
        assert all(d <= t for d, t in seen) and [d for d, _ in seen] == sorted(d for d, _ in seen)
        if seen:
            assert seen[-1][0] == seen[-1][1]
    audio.analyse(ref, "p" * 64)
    seen = []
    other = write_av(folder / "p-other.mkv", camera(cut(x, 10, 30), 0, 0.005, 12))
    align.align_files(other, "o" * 64, ref, "p" * 64, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (1000, 1000)  # only the uncached side is counted
