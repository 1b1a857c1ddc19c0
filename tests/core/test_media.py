"""Exact frames on every promised format: the picture returned for a time or a frame number
is the one a player shows then, proven by the frame index drawn into every picture."""

from __future__ import annotations

import bisect
import random

import cv2
import numpy as np
import pytest

from bwv_review.core.media import VideoSource, probe
from tests.conftest import REAL_MEDIA
from tests.footage import FORMATS, decode_all, make_format, read_index

NAMES = sorted(FORMATS)
REAL = ["cockatoo.mp4", "realshort.mp4"]


@pytest.fixture(scope="session")
def format_clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    return lambda name: make_format(folder, name)


def drawn(frame) -> int:
    return read_index(frame.image)


def sample(n: int, count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    picks = [rng.randrange(n) for _ in range(count)]
    return [0, n - 1, *picks]


@pytest.mark.parametrize("name", NAMES)
def test_frame_count_is_what_a_full_decode_yields(format_clip, name):
    path = format_clip(name)
    info = probe(path)
    times, _ = decode_all(path, keep=set())
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    grabbed = 0
    while cap.grab():
        grabbed += 1
    cap.release()
    assert info.frame_count == len(times) == grabbed == len(FORMATS[name].times_ms())
    assert (info.width, info.height) == (160, 120)


@pytest.mark.parametrize("name", NAMES)
def test_frame_by_number_is_exact(format_clip, name):
    spec = FORMATS[name]
    truth = spec.times_ms()
    with VideoSource(format_clip(name)) as source:
        assert source.info.frame_count == len(truth)
        for i in sample(len(truth), 25, seed=len(name)):
            frame = source.frame(i)
            assert (frame.index, drawn(frame)) == (i, i + spec.first_drawn)
            assert frame.time_ms == pytest.approx(truth[i], abs=0.5)  # MKV/WebM store whole ms
            assert frame.time_ms == source.index.times_ms[i]


@pytest.mark.parametrize("name", NAMES)
def test_frame_at_is_the_last_frame_starting_at_or_before(format_clip, name):
    spec = FORMATS[name]
    with VideoSource(format_clip(name)) as source:
        times = source.index.times_ms
        n = len(times)
        for i in sample(n, 12, seed=7)[1:]:
            checks = [(times[i], i)]
            if i and times[i] - times[i - 1] > 1:
                checks.append((times[i] - 1, i - 1))
            if i + 1 < n:
                checks.append(((times[i] + times[i + 1]) / 2, i))
            for t, want in checks:
                frame = source.frame_at(t)
                assert (frame.index, drawn(frame)) == (want, want + spec.first_drawn), t
        rng = random.Random(3)
        end = source.info.duration_ms
        for t in [0.0, float(end), *(rng.uniform(0, end) for _ in range(20))]:
            want = bisect.bisect_right(times, t) - 1
            assert drawn(source.frame_at(t)) == want + spec.first_drawn, t


@pytest.mark.parametrize("name", NAMES)
def test_playback_reads_in_order_without_seeking(format_clip, name):
    spec = FORMATS[name]
    with VideoSource(format_clip(name)) as source:
        seen = []
        while (frame := source.next_frame()) is not None:
            seen.append(drawn(frame))
        assert seen == [i + spec.first_drawn for i in range(source.info.frame_count)]
        assert source.seeks == 0


def test_variable_frame_rate_times_come_from_the_decoder(format_clip):
    with VideoSource(format_clip("vfr.mp4")) as source:
        expected = FORMATS["vfr.mp4"].times_ms()
        assert source.index.times_ms == pytest.approx(expected, abs=1e-6)
        # The 250 ms gap: every time inside it still shows the frame before it.
        gap_start = next(i for i in range(1, 90) if expected[i] - expected[i - 1] == 250) - 1
        for t in np.linspace(expected[gap_start], expected[gap_start + 1] - 0.001, 7):
            assert drawn(source.frame_at(float(t))) == gap_start


@pytest.mark.parametrize("name", ["h264-gop250-bframes.mp4", "mpeg4-bframes.avi", "vfr.mkv"])
def test_stepping_back_across_a_gop_is_exact_and_mostly_cached(format_clip, name):
    with VideoSource(format_clip(name)) as source:
        keys = [i for i, key in enumerate(source.index.keyframes) if key]
        boundary = keys[1]
        start = min(boundary + 20, source.info.frame_count - 1)
        source.frame(start)
        hits_before = source.cache.hits
        steps = list(range(start - 1, max(boundary - 40, 0), -1))
        for i in steps:
            frame = source.frame(i)
            assert (frame.index, drawn(frame)) == (i, i)
        hits = source.cache.hits - hits_before
        assert hits >= 0.8 * len(steps)


@pytest.mark.parametrize("name", REAL)
def test_real_clips_match_a_plain_sequential_decode(name):
    with VideoSource(REAL_MEDIA / name) as source:
        n = source.info.frame_count
        if n > 100:  # cockatoo: 720p 4:4:4, slow to decode; stay in the first two GOPs
            wanted = [0, 40, *range(80, 72, -1)]  # the steps back cross the keyframe at 76
        else:
            wanted = sample(n, 4, seed=11) + list(range(n - 1, n - 9, -1))
        near = {j for i in wanted for j in range(i - 2, i + 3)}
        times, pictures = decode_all(REAL_MEDIA / name, thumb=8, keep=near)
        assert n == len(times)
        assert source.index.times_ms == pytest.approx(times, abs=1e-6)
        for i in wanted:
            frame = source.frame(i)
            thumb = frame.image[::8, ::8].astype(np.int16)
            diffs = {j: float(np.abs(thumb - pictures[j]).mean()) for j in range(i - 2, i + 3) if j in pictures}
            assert min(diffs, key=diffs.get) == i and diffs[i] < 2.0, (i, diffs)
            assert frame.time_ms == pytest.approx(times[i], abs=1e-6)
        for i in wanted[1:4]:
            assert source.frame_at(times[i]).index == i
            assert source.frame_at(times[i] - 1).index == max(i - 1, 0)
