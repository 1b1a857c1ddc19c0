"""core.audio: sample timing against the first video frame, waveform envelope, cache, speech."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from bwv_review.core import audio, frame_index, sound_decode, speech
from bwv_review.core.errors import Cancelled, FootageError
from tests.footage import write_clip

DATA = Path(__file__).parent.parent / "data"
RATE = 48000


def write_av(
    path: Path,
    samples: np.ndarray,
    rate: int = RATE,
    audio_start_s: float = 0.0,
    video_start_s: float = 0.0,
    video_s: float | None = None,
    audio_codec: str = "pcm_s16le",
    layout: str = "mono",
    gap: tuple[float, float] | None = None,
) -> Path:
    """A Matroska file with a tiny picture and ``samples`` as its sound, each starting when told.

    ``gap=(at_s, length_s)``: the sound's timestamps jump by ``length_s`` at sample time
    ``at_s``, as when a camera drops audio packets.
    """
    container = av.open(str(path), "w")
    video = container.add_stream("libx264", rate=Fraction(25))
    video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
    sound = container.add_stream(audio_codec, rate=rate)
    sound.layout = layout
    grey = np.full((32, 32, 3), 90, np.uint8)
    frames = int(round((video_s if video_s is not None else samples.shape[-1] / rate) * 25))
    for i in range(frames):
        frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
        frame.pts = i + int(round(video_start_s * 25))
        frame.time_base = Fraction(1, 25)
        for packet in video.encode(frame):
            container.mux(packet)
    for packet in video.encode():
        container.mux(packet)
    size = sound.codec_context.frame_size or 1024
    fmt = sound.codec_context.format.name
    offset = int(round(audio_start_s * rate))
    samples = samples if samples.ndim == 2 else samples[None, :]  # (channels, n)
    for start in range(0, samples.shape[1], size):
        block = samples[:, start : start + size]
        data = (block * 32767).astype(np.int16) if fmt.startswith("s16") else block.astype(np.float32)
        if not sound.codec_context.format.is_planar:
            data = data.T.reshape(1, -1)  # packed: channels interleaved
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout=layout)
        frame.sample_rate = rate
        jump = int(gap[1] * rate) if gap and start >= gap[0] * rate else 0
        frame.pts = start + offset + jump
        frame.time_base = Fraction(1, rate)
        for packet in sound.encode(frame):
            container.mux(packet)
    for packet in sound.encode():
        container.mux(packet)
    container.close()
    return path


def clicks(seconds: float, at: list[float], rate: int = RATE) -> np.ndarray:
    x = np.zeros(int(seconds * rate), np.float32)
    for t in at:
        x[int(t * rate) : int(t * rate) + 48] = 0.9
    return x


def first_click_ms(samples: np.ndarray, rate: int = audio.ANALYSIS_RATE) -> float:
    return float(np.flatnonzero(np.abs(samples) > 0.3)[0]) * 1000 / rate


def decode(path: Path, **kw) -> np.ndarray:
    return np.concatenate(list(audio.iter_mono(path, **kw)))


@pytest.mark.parametrize(
    ("audio_start", "video_start", "expected_ms"),
    [(0.0, 0.0, 1500.0), (0.5, 0.0, 2000.0), (0.0, 0.4, 1100.0), (0.3, 1.0, 800.0)],
)
def test_sound_is_timed_from_the_first_video_frame(tmp_path, audio_start, video_start, expected_ms):
    path = write_av(tmp_path / "a.mkv", clicks(4, [1.5]), audio_start_s=audio_start, video_start_s=video_start)
    samples = decode(path)
    assert first_click_ms(samples) == pytest.approx(expected_ms, abs=1.0)
    if audio_start > video_start:  # the sound starts late: silence before it
        assert not np.any(samples[: int((audio_start - video_start) * 16000) - 1])


@pytest.mark.parametrize("codec", ["pcm_s16le", "pcm_f32le", "aac"])
def test_channels_are_mixed_to_mono(tmp_path, codec):
    left = clicks(3, [1.25])
    path = write_av(tmp_path / "st.mkv", np.stack([left, np.zeros_like(left)]), audio_codec=codec, layout="stereo")
    samples = decode(path)
    assert len(samples) == pytest.approx(48000, abs=1024 * 16000 // RATE + 1)
    assert np.abs(samples).max() == pytest.approx(0.45, abs=0.1)  # half the click: one of two channels
    assert first_click_ms(samples * 2) == pytest.approx(1250.0, abs=2.0 if codec.startswith("pcm") else 25.0)


@pytest.mark.parametrize(
    ("name", "duration_ms", "peak"),
    [("cockatoo.mp4", 14000, 0.0), ("realshort.mp4", 1200, 0.08)],  # cockatoo's MP3 track is silent
)
def test_real_camera_files(name, duration_ms, peak):
    samples = decode(DATA / name)
    assert len(samples) / 16 == pytest.approx(duration_ms, rel=0.1)
    assert np.abs(samples).max() == pytest.approx(peak, abs=0.02)


def test_a_gap_in_the_sound_is_filled_with_silence(tmp_path):
    x = clicks(4, [0.5, 2.5])
    path = write_av(tmp_path / "gap.mkv", x, gap=(1.0, 0.75), video_s=5)  # 1024-sample frames
    samples = decode(path)
    hits = np.flatnonzero(np.abs(samples) > 0.3)
    jump = (int(1.0 * RATE) // 1024 + 1) * 1024 / RATE  # the first frame at or after 1.0 s
    assert hits[0] / 16 == pytest.approx(500, abs=1)
    assert hits[-1] / 16 == pytest.approx(2500 + 750 + 3, abs=2)
    assert not samples[int(jump * 16000) + 8 : int((jump + 0.75) * 16000) - 8].any()


def drop_video_start(source: Path, target: Path, packets: int) -> Path:
    """Copy ``source`` without its first ``packets`` video packets (audio kept): a camera
    file that lost its start, so the picture starts mid-GOP and later than the sound."""
    src, dst = av.open(str(source)), av.open(str(target), "w")
    try:
        outs = {s.index: dst.add_stream_from_template(s) for s in src.streams if s.type in ("video", "audio")}
        seen = 0
        for packet in src.demux():
            if not packet.size or packet.stream.index not in outs:
                continue
            if packet.stream.type == "video":
                seen += 1
                if seen <= packets:
                    continue
            packet.stream = outs[packet.stream.index]
            dst.mux(packet)
    finally:
        dst.close()
        src.close()
    return target


@pytest.mark.parametrize("name", ["bframes.mp4", "bframes.mkv", "mid-gop.mkv"])
def test_time_zero_is_the_frame_index_origin(tmp_path, name):
    # The player's time 0 (core.frame_index) and the sound's must be the same instant.
    source = write_clip(tmp_path / f"src-{name}", frames=100, gop=25, bframes=3, audio=True,
                        tone_on=[(2.0, 3.0)])
    path = drop_video_start(source, tmp_path / name, 30) if name.startswith("mid") else source
    info = frame_index.probe(path)
    container = av.open(str(path))
    try:
        origin = sound_decode.origin_of(container)
        sound = container.streams.audio[0]
        sound_start = float((sound.start_time or 0) * sound.time_base)
    finally:
        container.close()
    assert origin == pytest.approx(info.index.origin_s, abs=1e-6)
    if name.startswith("mid"):
        assert origin > 0.5  # the picture now starts later than the sound
    # the tone starts 2.0 s into the sound, so at 2.0 s - (picture start - sound start)
    expected = 2000 - (origin - sound_start) * 1000
    samples = decode(path)
    assert first_click_ms(samples / np.abs(samples).max()) == pytest.approx(expected, abs=25)


def test_damaged_sound_packets_become_silence_and_later_sound_keeps_its_time(tmp_path, caplog):
    source = write_av(tmp_path / "src.mkv", clicks(4, [0.5, 3.0]), audio_codec="aac")
    src, dst = av.open(str(source)), av.open(str(tmp_path / "bad.mkv"), "w")
    outs = {s.index: dst.add_stream_from_template(s) for s in src.streams}
    rng = np.random.default_rng(1)
    count = 0
    for packet in src.demux():
        if not packet.size:
            continue
        kind = packet.stream.type
        if kind == "audio":
            count += 1
            if 60 <= count < 64:  # about 1.3 s in: garbage where four AAC packets were
                junk = av.Packet(bytes(rng.integers(0, 256, packet.size, dtype=np.uint8)))
                junk.pts, junk.dts, junk.time_base = packet.pts, packet.dts, packet.time_base
                packet = junk
        packet.stream = outs[1 if kind == "audio" else 0]
        dst.mux(packet)
    dst.close()
    src.close()
    samples = decode(tmp_path / "bad.mkv")
    hits = np.flatnonzero(np.abs(samples) > 0.3) / 16
    assert hits[0] == pytest.approx(500, abs=3) and hits[-1] == pytest.approx(3001, abs=3)
    assert "damaged sound packets skipped" in caplog.text


def test_overlapping_sound_is_dropped_so_later_sound_keeps_its_time(tmp_path):
    # At each join of recordings concatenated without re-encoding the packets overlap;
    # counting the samples on (instead of keeping them on their timestamps) moved the
    # sound 32 ms per join away from the pictures: 1.9 s after an hour of 1-minute joins.
    source = write_av(tmp_path / "src.mkv", clicks(4, [0.5, 2.5]), video_s=4)
    src, dst = av.open(str(source)), av.open(str(tmp_path / "overlap.mkv"), "w")
    outs = {s.index: dst.add_stream_from_template(s) for s in src.streams}
    frame = Fraction(1024, RATE)
    count = 0
    for packet in src.demux():
        if not packet.size:
            continue
        if packet.stream.type == "audio":
            # from 1.0 s on, twelve packets each stamped 0.5 ms after the one before: 250 ms overlap
            squeeze = min(max(0, count - 47), 12) * (frame - Fraction(1, 2000))
            packet.pts = packet.dts = int((count * frame - squeeze) / packet.time_base)
            count += 1
        packet.stream = outs[packet.stream.index]
        dst.mux(packet)
    dst.close()
    src.close()
    samples = decode(tmp_path / "overlap.mkv")
    hits = np.flatnonzero(np.abs(samples) > 0.3) / 16
    assert hits[0] == pytest.approx(500, abs=1)
    assert hits[-1] == pytest.approx(2500 - 250 + 1, abs=2)  # where its timestamp puts it (not 2501)


def write_adts_ts(path: Path, parts: list[tuple[int, str, np.ndarray]]) -> Path:
    """An MPEG-TS of AAC sound only whose format changes part-way: each part, in turn
    (rate, layout, samples), continuing the clock of the one before (TS files joined
    byte for byte, as cameras and recorders split and splice them)."""
    start = 0.0
    with path.open("wb") as out:
        for i, (rate, layout, samples) in enumerate(parts):
            piece = path.with_name(f"part{i}.ts")
            container = av.open(str(piece), "w", format="mpegts")
            sound = container.add_stream("aac", rate=rate)
            sound.layout = layout
            data = samples if samples.ndim == 2 else samples[None, :]
            size = 1024
            for at in range(0, data.shape[1], size):
                block = np.ascontiguousarray(data[:, at : at + size].astype(np.float32))
                frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
                frame.sample_rate = rate
                frame.pts = int(round(start * rate)) + at
                frame.time_base = Fraction(1, rate)
                for packet in sound.encode(frame):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
            container.close()
            out.write(piece.read_bytes())
            start += data.shape[1] / rate
    return path


def test_a_format_change_part_way_is_followed(tmp_path, caplog):
    # FFmpeg's filter graph cannot follow a change of rate or channels: the rest is
    # decoded frame by frame, each part at its time.
    caplog.set_level("INFO", logger="bwv_review.core.audio")
    first = clicks(2, [0.5], rate=48000)
    second = clicks(2, [1.0], rate=44100)
    path = write_adts_ts(tmp_path / "change.ts", [(48000, "mono", first), (44100, "stereo", np.stack([second, second]))])
    samples = decode(path)
    hits = np.flatnonzero(np.abs(samples) > 0.3) / 16
    assert hits[0] == pytest.approx(500, abs=25)  # AAC smears an onset by a few ms
    assert hits[-1] == pytest.approx(3000, abs=25)
    assert len(samples) / 16 == pytest.approx(4000, abs=50)
    assert "frame by frame" in caplog.text


@pytest.mark.parametrize(("codec", "rate", "layout"), [("aac", 44100, "stereo"), ("pcm_s16le", 48000, "mono")])
def test_decoding_inside_ffmpeg_and_frame_by_frame_agree(tmp_path, codec, rate, layout):
    # The two ways to the samples (core.sound_decode) must give the same sound, sample for
    # sample, at the same place: the second is how the first goes on after damage.
    rng = np.random.default_rng(3)
    x = (0.2 * rng.standard_normal((2 if layout == "stereo" else 1, rate * 3))).astype(np.float32)
    path = write_av(tmp_path / f"two.{codec}.mkv", x if layout == "stereo" else x[0], rate=rate,
                    audio_codec=codec, layout=layout, audio_start_s=0.3)
    track = sound_decode.track(path)
    inside = list(sound_decode.movie_blocks(path, track, 16000, 8000))
    by_frame = list(sound_decode.packet_blocks(path, track, 16000, 8000))
    assert inside[0][1] == by_frame[0][1] == 4800  # the sound starts 0.3 s after frame 0
    np.testing.assert_array_equal(np.concatenate([d for d, _ in inside]), np.concatenate([d for d, _ in by_frame]))


def test_aac_in_mp4_keeps_time(tmp_path):
    # write_clip's gated tone switches on at exactly 1.0 s of file time
    path = write_clip(tmp_path / "t.mp4", frames=75, audio=True, tone_on=[(1.0, 2.0)])
    samples = decode(path)
    onset = first_click_ms(samples / np.abs(samples).max())
    assert onset == pytest.approx(1000.0, abs=25.0)  # AAC smears an onset by a few ms


def test_reading_a_window_seeks_and_is_exact(tmp_path):
    path = write_av(tmp_path / "a.mkv", clicks(12, [7.3, 9.0]))
    window = audio.read_mono(path, 7000, 8000)
    assert len(window) == 16000
    assert first_click_ms(window) == pytest.approx(300.0, abs=1.0)
    beyond = audio.read_mono(path, 11500, 13000)  # past the end: padded with silence
    assert len(beyond) == 24000 and not beyond[9000:].any()


def test_a_file_with_no_sound_is_a_clear_error(tmp_path):
    path = write_clip(tmp_path / "silent.mp4", frames=10, audio=False)
    with pytest.raises(audio.NoSoundError, match="no sound track"):
        audio.analyse(path, "0" * 64)
    assert issubclass(audio.NoSoundError, FootageError)


def _base_of(samples: np.ndarray) -> np.ndarray:
    analyser = audio._Analyser()
    for start in range(0, len(samples), 7777):  # odd chunking must not matter
        analyser.feed(samples[start : start + 7777])
    return analyser.finish()[0]


def test_envelope_min_max_at_several_zooms():
    rng = np.random.default_rng(1)
    samples = (rng.uniform(-1, 1, 16000 * 3) * np.linspace(0.1, 1, 16000 * 3)).astype(np.float32)
    base = _base_of(samples)
    assert len(base) == 300
    for columns, (start, end) in [(300, (0, 3000)), (100, (0, 3000)), (7, (0, 3000)), (40, (1000, 2600))]:
        mins, maxs = audio.envelope(base, start, end, columns)
        edges = np.linspace(start, end, columns + 1)
        for c in range(columns):
            a, b = int(edges[c] * 16), int(np.ceil(edges[c + 1] / 10) * 160)
            a = a // 160 * 160
            assert mins[c] == pytest.approx(samples[a:b].min())
            assert maxs[c] == pytest.approx(samples[a:b].max())
    # zoomed past 10 ms a column repeats its block; outside the sound it is 0
    mins, maxs = audio.envelope(base, 2990, 3010, 20)
    assert np.all(maxs[:10] == samples[2990 * 16 : 3000 * 16].max())
    assert not maxs[10:].any() and not mins[10:].any()
    assert not audio.envelope(base, -500, -100, 4)[1].any()


def test_envelope_of_an_hour_is_quick():
    base = np.zeros((360_000, 2), np.float32)
    base[::1000, 1] = 1.0
    mins, maxs = audio.envelope(base, 0, 3_600_000, 1920)
    assert maxs.max() == 1.0 and len(maxs) == 1920


@pytest.fixture
def speech_clip() -> tuple[Path, dict]:
    return DATA / "speech_clip.mkv", json.loads((DATA / "speech_clip.json").read_text("utf-8"))


def test_analysis_is_cached_and_not_decoded_again(speech_clip, monkeypatch, user_home):
    path, _ = speech_clip
    seen = []
    first = audio.analyse(path, "ab" * 32, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1] == 30000 or seen[-1][0] >= 29990
    assert first.duration_ms == 30000
    assert list((user_home / "cache" / "waveform").glob("abab*.npy"))

    def no_decode(*a, **k):
        raise AssertionError("decoded again")

    monkeypatch.setattr(audio, "iter_mono", no_decode)
    again = audio.analyse(path, "ab" * 32)
    np.testing.assert_array_equal(again.base, first.base)
    np.testing.assert_array_equal(again.features, first.features)


def test_cancel_stops_and_caches_nothing(speech_clip, user_home):
    path, _ = speech_clip
    with pytest.raises(Cancelled):
        audio.analyse(path, "cd" * 32, cancel=lambda: True)
    assert audio.cached_analysis("cd" * 32) is None


def test_speech_regions_match_the_labelled_clip(speech_clip):
    path, meta = speech_clip
    result = audio.analyse(path, "ef" * 32)
    regions = result.speech_regions()
    truth = np.zeros(3000, bool)
    found = np.zeros(3000, bool)
    for a, b in meta["speech_ms"]:
        truth[a // 10 : b // 10] = True
    for a, b in regions:
        found[a // 10 : b // 10] = True
    precision = (truth & found).sum() / found.sum()
    recall = (truth & found).sum() / truth.sum()
    assert precision > 0.9 and recall > 0.85, (precision, recall, regions)
    assert len(regions) == len(meta["speech_ms"])
    for a, b in meta["not_speech_ms"].values():  # alarm, wind, knocks
        assert not found[a // 10 : b // 10].any()


def test_next_and_previous_region():
    regions = [(1000, 2000), (5000, 6000), (9000, 9500)]
    assert speech.next_region(regions, 0) == (1000, 2000)
    assert speech.next_region(regions, 1000) == (5000, 6000)
    assert speech.next_region(regions, 9000) is None
    assert speech.previous_region(regions, 5200) == (1000, 2000)  # just after a start: the one before
    assert speech.previous_region(regions, 7000) == (5000, 6000)
    assert speech.previous_region(regions, 1200) is None
    assert speech.speech_regions(np.zeros((0, audio.BAND0 + audio.NBANDS))) == []
