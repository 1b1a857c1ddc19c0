"""VideoSource beyond exactness: rotation, the frame-index cache, errors, threads, the
picture format the GUI relies on."""

from __future__ import annotations

import shutil
import subprocess
import threading

import cv2
import numpy as np
import pytest

from bwv_review import paths
from bwv_review.core import index_cache
from bwv_review.core.errors import FootageError
from bwv_review.core.media import VideoSource, probe
from tests.footage import read_index, write_clip

# PyAV's display rotation is counter-clockwise; info.rotation is clockwise; undo = np.rot90 k.
ROTATIONS = {90: (270, -1), 180: (180, 2), -90: (90, 1)}


@pytest.fixture(scope="session")
def rotated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rotated")
    return {
        angle: write_clip(folder / f"rot{angle}.{ext}", frames=20, fps=25, gop=8, rotation=angle, size=(160, 120))
        for angle, ext in ((90, "mp4"), (180, "mkv"), (-90, "mov"))
    }


@pytest.mark.parametrize("angle", sorted(ROTATIONS))
def test_rotation_metadata_is_applied(rotated, angle):
    clockwise, undo = ROTATIONS[angle]
    with VideoSource(rotated[angle]) as source:
        info = source.info
        assert info.rotation == clockwise
        assert (info.width, info.height) == ((120, 160) if clockwise % 180 else (160, 120))
        for i in (0, 13, 5):
            image = source.frame(i).image
            assert image.shape == (info.height, info.width, 3)
            assert read_index(np.rot90(image, undo)) == i


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg command as a reference player")
@pytest.mark.parametrize("angle", sorted(ROTATIONS))
def test_rotation_matches_what_ffmpeg_shows(rotated, angle, tmp_path):
    # ffmpeg applies the display matrix when decoding, as every player does.
    out = tmp_path / "ffmpeg.png"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(rotated[angle]), "-frames:v", "1", str(out)], check=True
    )
    reference = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
    with VideoSource(rotated[angle]) as source:
        ours = source.frame(0).image
    assert ours.shape == reference.shape
    assert np.abs(ours.astype(int) - reference).mean() < 1.5


def test_pictures_are_contiguous_read_only_rgb(clip):
    with VideoSource(clip) as source:
        image = source.frame(7).image
        assert image.dtype == np.uint8 and image.flags.c_contiguous and not image.flags.writeable
        assert image.shape == (240, 320, 3)
        # The digits are drawn yellow (255, 255, 0): red and green high, blue low, in RGB.
        yellow = (image[..., 0] > 200) & (image[..., 1] > 200) & (image[..., 2] < 80)
        blue_ish = (image[..., 2] > 200) & (image[..., 0] < 80)
        assert yellow.sum() > 50 and blue_ish.sum() == 0


def test_frame_index_is_cached_by_fingerprint_in_the_user_cache(clip, tmp_path, monkeypatch):
    footage = tmp_path / "evidence" / "AB-1.mp4"
    footage.parent.mkdir()
    footage.write_bytes(clip.read_bytes())
    with VideoSource(footage) as source:
        first = source.info
        assert source.frame(30).index == 30
    cached = paths.cache_dir("frame-index") / f"{index_cache.fingerprint(footage)}.json"
    assert cached.is_file()
    assert sorted(p.name for p in footage.parent.iterdir()) == ["AB-1.mp4"]  # nothing beside evidence

    def no_probe(path):
        raise AssertionError("probe should not run when the index is cached")

    monkeypatch.setattr(index_cache, "probe", no_probe)
    with VideoSource(footage) as source:
        assert source.info.as_json() == first.as_json()
        assert source.index.times_ms == first.index.times_ms
        assert read_index(source.frame(30).image) == 30


def test_the_fingerprint_reads_samples_not_the_whole_file(tmp_path, monkeypatch):
    big = tmp_path / "exhibit.mp4"
    with big.open("wb") as handle:  # 1 GiB, sparse: what matters is how much is read
        handle.truncate(1 << 30)
    read = []
    real_open = type(big).open

    def counting_open(self, *args, **kwargs):
        handle = real_open(self, *args, **kwargs)
        real_read = handle.read

        def read_counted(n=-1):
            data = real_read(n)
            read.append(len(data))
            return data

        handle.read = read_counted
        return handle

    monkeypatch.setattr(type(big), "open", counting_open)
    key = index_cache.fingerprint(big)
    assert sum(read) <= index_cache.SAMPLES * index_cache.SAMPLE_BYTES
    assert key == index_cache.fingerprint(big)
    with big.open("r+b") as handle:  # a change where a sample is taken changes the key
        handle.seek((1 << 30) - 10)
        handle.write(b"x")
    assert index_cache.fingerprint(big) != key


def test_a_changed_file_is_probed_again(clip, tmp_path, monkeypatch):
    footage = tmp_path / "clip.mp4"
    footage.write_bytes(clip.read_bytes())
    with VideoSource(footage, sha256="cd" * 32) as source:
        assert source.info.frame_count == 50
    shorter = write_clip(tmp_path / "short.mp4", frames=10, fps=25)
    footage.write_bytes(shorter.read_bytes())
    with VideoSource(footage, sha256="cd" * 32) as source:
        assert source.info.frame_count == 10


def test_an_unreadable_cache_is_ignored(clip):
    sha = "ef" * 32
    (paths.cache_dir("frame-index") / f"{sha}.json").write_text("{not json", encoding="utf-8")
    with VideoSource(clip, sha256=sha) as source:
        assert source.info.frame_count == 50


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.mp4", "was not found"),
        (lambda d: _write(d / "notes.mp4", b"this is not video at all\n" * 50), "not a video file"),
        (lambda d: _write(d / "empty.mp4", b""), "empty"),
        (lambda d: d, "is not a file"),
    ],
)
def test_bad_footage_is_one_clear_sentence(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(FootageError, match=message) as err:
        VideoSource(path).frame(0)
    text = str(err.value)
    assert "\n" not in text and text.endswith(".")


def test_audio_only_file_is_refused(tmp_path):
    import av

    path = tmp_path / "sound.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 44100
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    with pytest.raises(FootageError, match="no video track"):
        probe(path)


def test_frame_numbers_outside_the_footage_are_refused(clip):
    with VideoSource(clip) as source:
        for bad in (-1, 50, 10_000):
            with pytest.raises(FootageError, match="frames 0 to 49"):
                source.frame(bad)
        # Times clamp: before the start is the first frame, after the end the last.
        assert source.frame_at(-5).index == 0
        assert source.frame_at(10_000_000).index == 49
        assert source.next_frame() is None  # after the last frame


def test_next_frame_continues_after_a_seek_and_ends_with_none(clip):
    with VideoSource(clip) as source:
        assert source.frame(45).index == 45
        assert [source.next_frame().index for _ in range(4)] == [46, 47, 48, 49]
        assert source.next_frame() is None


def test_closed_source_reopens_on_demand(clip):
    source = VideoSource(clip)
    assert read_index(source.frame(12).image) == 12
    source.close()
    assert read_index(source.frame(40).image) == 40
    source.close()


def test_cache_stays_within_its_byte_budget(clip):
    frame_bytes = 320 * 240 * 3
    with VideoSource(clip, cache_bytes=5 * frame_bytes) as source:
        for i in range(30, 10, -1):
            assert read_index(source.frame(i).image) == i
            assert source.cache.bytes <= 5 * frame_bytes
        assert len(source.cache) <= 5


def test_threads_sharing_a_source_each_get_their_frame(clip):
    errors = []

    with VideoSource(clip) as source:

        def worker(seed):
            rng = np.random.default_rng(seed)
            for i in rng.integers(0, 50, 15):
                frame = source.frame(int(i))
                if (frame.index, read_index(frame.image)) != (i, i):
                    errors.append((seed, i, frame.index))

        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_frame_index_lookups():
    from bwv_review.core.frame_index import FrameIndex

    index = FrameIndex([0.0, 1000 / 30, 2000 / 30, 100.0, 250.0], [False, False, True, False, False])
    assert [index.at(t) for t in (-5, 0, 33.3, 33.33333333333333, 99.999, 100, 10_000)] == [0, 0, 0, 1, 2, 3, 4]
    assert [index.keyframe_before(i) for i in range(5)] == [0, 0, 2, 2, 2]  # frame 0 always counts
    assert index.match(100.2) == 3 and index.match(101) is None and index.match(66.6667) == 2
    again = FrameIndex.from_json(index.to_json())
    assert again.times_ms == index.times_ms and again.keyframes == index.keyframes


def test_a_probe_made_at_import_can_seed_the_cache(clip, monkeypatch):
    info = probe(clip)
    index_cache.remember(clip, "12" * 32, info)
    monkeypatch.setattr(index_cache, "probe", lambda path: pytest.fail("probed again"))
    with VideoSource(clip, sha256="12" * 32) as source:
        assert source.info.frame_count == 50
        assert read_index(source.frame(49).image) == 49


def test_frames_without_timestamps_are_counted_from_the_one_before(clip):
    # Decoding from the start, a frame the decoder gives no time is the next in line.
    with VideoSource(clip) as source:
        source.frame(0)
        source.index._by_raw = {}  # nothing identifies a frame by its stamps any more
        for i in (40, 3, 27, 26, 49, 12):
            source.cache.clear()
            assert read_index(source.frame(i).image) == i


def test_a_one_frame_file(tmp_path):
    path = write_clip(tmp_path / "one.mp4", frames=1, fps=25)
    with VideoSource(path) as source:
        assert source.info.frame_count == 1
        for _ in range(2):
            assert read_index(source.frame_at(0).image) == 0
            source.cache.clear()
        assert source.next_frame() is None
