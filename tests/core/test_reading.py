"""core.reading through the footage owner: a pass in order names every frame as the player's
decoder does, and the redacted copy and the face search read footage through it alone."""

from __future__ import annotations

import dataclasses
import sys

import av
import numpy as np
import pytest

from bwv_review.core import frame_index
from bwv_review.core.errors import FootageError
from bwv_review.core.footage import Footage
from bwv_review.core.reading import Picture
from tests.core.test_corpus import corpus
from tests.ffref import HAVE_FFMPEG, ffmpeg_frame_md5s, raw_md5
from tests.footage import FORMATS, make_format, read_index, write_clip


@pytest.fixture(scope="module")
def formats(tmp_path_factory):
    return tmp_path_factory.mktemp("formats")


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_pass_names_every_frame_as_the_players_decoder_does(formats, name):
    path = make_format(formats, name)
    owner = Footage(path)
    info = owner.info
    numbers, times, kept = [], [], {}
    check = {0, 1, info.frame_count // 2, info.frame_count - 1}
    with owner.read_through() as reading:
        for picture in reading:
            numbers.append(picture.number)
            times.append(picture.time_ms)
            if picture.number in check:
                kept[picture.number] = picture.frame.to_ndarray(format="rgb24")
    assert numbers == list(range(info.frame_count))
    assert times == info.index.times_ms
    player = owner.video("rgb")
    for n, picture in kept.items():  # the same pixels the player shows for frame n
        assert np.array_equal(picture, player.frame(n).image), n
        assert read_index(picture) == FORMATS[name].first_drawn + n
    owner.close()


@pytest.mark.parametrize("name", ["h264-gop250-bframes.mp4", "h264-bframes.avi", "starts-mid-gop.mkv", "vfr.mkv"])
def test_a_stretch_starts_and_ends_where_asked(formats, name):
    path = make_format(formats, name)
    owner = Footage(path)
    count = owner.info.frame_count
    first, last = count // 2 + 3, count - 5
    with owner.read_through(first, last) as reading:
        got = [(p.number, read_index(p.frame.to_ndarray(format="rgb24"))) for p in reading]
    drawn = FORMATS[name].first_drawn
    assert got == [(n, drawn + n) for n in range(first, last + 1)]


def test_sound_comes_alongside_in_file_order(tmp_path):
    clip = write_clip(tmp_path / "AB-1.mp4", frames=50, fps=25, size=(160, 120), audio=True)
    with av.open(str(clip)) as bare:  # the reference: every sample a bare decode of the track gives
        want = sum(f.samples for f in bare.decode(audio=0))
    owner = Footage(clip)
    pictures, samples, sound_between_pictures = 0, 0, False
    with owner.read_through(sound=True) as reading:
        for item in reading:
            if isinstance(item, Picture):
                pictures += 1
            else:
                assert isinstance(item, av.AudioFrame)
                samples += item.samples
                sound_between_pictures |= 0 < pictures < 50
    assert pictures == 50 and samples == want and sound_between_pictures  # interleaved, not after
    with owner.read_through() as reading:  # no sound asked for: none decoded
        assert reading.audio is None and all(isinstance(i, Picture) for i in reading)


def test_a_frame_the_decoder_never_gives_is_refused_not_renumbered(tmp_path):
    """An index promising a frame that is not in the file (here: one time added between frames
    10 and 11) stops a pass that must hold every frame; a search reads on past it."""
    clip = write_clip(tmp_path / "AB-1.mp4", frames=30, fps=25, size=(160, 120))
    owner = Footage(clip)
    real = owner.info
    times = list(real.index.times_ms)
    times.insert(11, (times[10] + times[11]) / 2)
    keys = list(real.index.keyframes)
    keys.insert(11, False)
    index = frame_index.FrameIndex(times, keys, real.index.origin_s, real.index.stream_start_s)
    promised = dataclasses.replace(real, frame_count=len(times), index=index)
    from bwv_review.core.reading import Pass

    with Pass(clip, promised) as reading, pytest.raises(FootageError, match="Frame 11 of AB-1.mp4 did not come out"):
        list(reading)
    with Pass(clip, promised, every_frame=False) as reading:
        numbers = [p.number for p in reading]
    assert 11 not in numbers and numbers[:11] == list(range(11)) and len(numbers) == 30


@pytest.fixture
def readers(monkeypatch):
    """(module that opened it, path, mode) of every av.open while the test runs."""
    seen: list[tuple[str, str, str]] = []
    real = av.open

    def recording(path, *args, **kwargs):
        mode = args[0] if args else kwargs.get("mode", "r")
        seen.append((sys._getframe(1).f_globals.get("__name__", "?"), str(path), mode))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(av, "open", recording)
    return seen


OWNER_MODULES = {"bwv_review.core.frame_index", "bwv_review.core.reading", "bwv_review.core.frames",
                 "bwv_review.core.media", "bwv_review.core.audio"}


def test_the_copy_and_the_face_search_read_footage_only_through_its_owner(tmp_path, readers):
    from bwv_review.core.redact import model
    from bwv_review.core.redact.copy import write_copy
    from bwv_review.core.redact.faces import suggest_faces

    clip = write_clip(tmp_path / "AB-1.mp4", frames=40, fps=25, size=(160, 120), audio=True)
    readers.clear()
    write_copy(clip, tmp_path / "copy.mp4", [model.picture(1, 0, 800, model.Box(10, 10, 40, 40)),
                                             model.sound(1, 200, 600)])
    suggest_faces(clip, 1)
    of_footage = [(module, mode) for module, path, mode in readers if path == str(clip)]
    assert of_footage and {module for module, _ in of_footage} <= OWNER_MODULES, of_footage
    assert [m for m, _ in of_footage].count("bwv_review.core.reading") == 2  # one pass each
    written = [module for module, path, mode in readers if path != str(clip) and mode == "w"]
    assert written == ["bwv_review.core.redact.copy"]  # the copy itself: written, never read, by the copy


@pytest.mark.skipif(not HAVE_FFMPEG, reason="needs the ffmpeg command as the reference decoder")
@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.name)
def test_every_frame_of_a_pass_is_ffmpegs_own_on_the_corpus(path):
    """Real camera files and the hard kinds (interlaced TS, DV, AV1, packets without
    timestamps, sparse AVI, ...): frame N of a pass is ffmpeg's frame N, raw planes equal."""
    reference = ffmpeg_frame_md5s(path)
    with Footage(path).read_through(sound=True) as reading:
        got = tuple(raw_md5(item.frame) for item in reading if isinstance(item, Picture))
    assert len(got) == len(reference)
    assert [n for n, (a, b) in enumerate(zip(got, reference, strict=True)) if a != b] == []


@pytest.mark.parametrize("path", [p for p in corpus() if p.name != "cockatoo.mp4"], ids=lambda p: p.name)
def test_a_redacted_copy_of_every_kind_of_file_in_the_corpus(path, tmp_path):
    """The copy's own check (its frames and times equal the original's) passes on each; a
    PCM track with no named channels (old camera AVIs) is encoded too."""
    from bwv_review.core.redact import model
    from bwv_review.core.redact.copy import write_copy

    owner = Footage(path)
    result = write_copy(owner, tmp_path / "copy.mp4", [model.picture(1, 0, 500, model.Box(0, 0, 16, 16))])
    assert result.frames == owner.info.frame_count
    assert result.has_audio == owner.info.has_audio
