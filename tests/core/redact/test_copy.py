"""The redacted copy, decoded and checked against the original frame by frame."""

from __future__ import annotations

import hashlib
import math
import shutil
import subprocess

import numpy as np
import pytest

from bwv_review.core.errors import Cancelled, ReviewError
from bwv_review.core.frame_index import probe
from bwv_review.core.redact import model as m
from bwv_review.core.redact.copy import write_copy
from bwv_review.core.redact.render import BLOCKS_ACROSS, MIN_BLOCK
from tests.core.redact.clips import luma_frames, rms, sound, write_textured
from tests.footage import FORMATS, VFR_TIMES, decode_all, make_format, read_index

FFPROBE = shutil.which("ffprobe")
BLACK = 16  # limited-range luma of a solid fill


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return write_textured(tmp_path_factory.mktemp("redact") / "AB1.mp4", frames=50, fps=25)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ffprobe_times(path) -> list[float]:
    out = subprocess.run(
        [FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
         "-of", "csv=p=0", str(path)], check=True, capture_output=True, text=True).stdout
    times = [float(line.split(",")[0]) * 1000 for line in out.split() if line.strip()]
    return [t - times[0] for t in times]


def _outward(box: m.Box) -> tuple[int, int, int, int]:
    return math.floor(box.x), math.floor(box.y), math.ceil(box.right), math.ceil(box.bottom)


def _pixelated(src: np.ndarray, box: m.Box, cell_from: list[m.Box]) -> tuple[np.ndarray, tuple]:
    """What the spec says the region becomes: cells laid on the outward rectangle, at most
    BLOCKS_ACROSS across the region's shorter side and no smaller than MIN_BLOCK, each the
    mean of the original under it (an oracle written from the docs, not from the code)."""
    x0, y0, x1, y1 = _outward(box)
    cell = max(MIN_BLOCK, math.ceil(min(min(b.w, b.h) for b in cell_from) / BLOCKS_ACROSS))
    xs = np.unique(np.linspace(x0, x1, max(1, round((x1 - x0) / cell)) + 1).round().astype(int))
    ys = np.unique(np.linspace(y0, y1, max(1, round((y1 - y0) / cell)) + 1).round().astype(int))
    out = src.astype(np.float64).copy()
    for ya, yb in zip(ys[:-1], ys[1:], strict=True):
        for xa, xb in zip(xs[:-1], xs[1:], strict=True):
            out[ya:yb, xa:xb] = src[ya:yb, xa:xb].mean()
    return out, (x0, y0, x1, y1)


def _mask_outside(shape, rects, margin: int) -> np.ndarray:
    keep = np.ones(shape, bool)
    for x0, y0, x1, y1 in rects:
        keep[max(0, y0 - margin):y1 + margin, max(0, x0 - margin):x1 + margin] = False
    return keep


@pytest.mark.skipif(FFPROBE is None, reason="needs ffprobe as the reference reader")
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_copy_has_the_sources_frames_at_the_sources_times(tmp_path_factory, tmp_path, name):
    folder = tmp_path_factory.mktemp("formats")
    src = make_format(folder, name)
    before = _sha(src)
    info = probe(src)
    out = tmp_path / "copy.mp4"
    result = write_copy(src, out, [m.picture(1, 0, 200, m.Box(100, 60, 40, 40))])
    assert result.frames == info.frame_count
    copy_times = _ffprobe_times(out)
    assert len(copy_times) == info.frame_count
    assert np.abs(np.array(copy_times) - np.array(info.index.times_ms)).max() < 0.01
    if not name.endswith(".avi"):  # AVI stores no presentation times for ffprobe to show
        assert np.abs(np.array(copy_times) - np.array(_ffprobe_times(src))).max() < 0.01
    # Frame N of the copy is frame N of the original (the index band is outside the box).
    _, ours = decode_all(out, keep={0, info.frame_count // 2, info.frame_count - 1})
    first = FORMATS[name].first_drawn
    for n, picture in ours.items():
        assert read_index(picture) == first + n
    assert _sha(src) == before


def test_variable_frame_rate_times_pass_through(tmp_path):
    src = write_textured(tmp_path / "vfr.mp4", frames=60, frame_times=VFR_TIMES[:60], audio=False)
    out = tmp_path / "copy.mp4"
    write_copy(src, out, [m.picture(1, 300, 900, m.Box(10, 60, 64, 64), style="solid")])
    times, planes = luma_frames(out)
    assert times == pytest.approx([t * 1000 for t in VFR_TIMES[:60]], abs=0.01)
    # A frame is covered when any of its time on screen is in the interval: the frame shown
    # from 250 ms to 283 ms (VFR_TIMES) covers 300 ms? No: 283 < 300. Count them from the times.
    shown = [*times[1:], times[-1] + 1]
    for n, plane in enumerate(planes):
        covered = shown[n] > 300 and times[n] <= 900
        region = plane[60:124, 10:74]
        assert (region.max() <= BLACK + 30) == covered, n


def test_inside_every_pixel_covered_outside_the_original(source, tmp_path):
    before = _sha(source)
    moving = m.picture(1, 400, 1200, m.Box(40.5, 60.25, 64, 48), m.Box(200.7, 150, 96, 72), reason="bystander")
    still = m.picture(1, 0, 1960, m.Box(250, 50, 50, 40), style="solid", reason="screen")
    out = tmp_path / "copy.mp4"
    result = write_copy(source, out, [moving, still])
    assert _sha(source) == before
    info = probe(source)
    _, original = luma_frames(source)
    times, copy = luma_frames(out)
    assert len(copy) == len(original) == info.frame_count
    assert result.frames_covered == info.frame_count
    for n, (ours, theirs) in enumerate(zip(copy, original, strict=True)):
        t = times[n]
        rects = []
        box = still.frame_box(t, t + 40)
        x0, y0, x1, y1 = _outward(box)
        solid = ours[y0:y1, x0:x1].astype(int)
        assert solid.max() <= BLACK + 30 and np.mean(solid <= BLACK + 8) > 0.99, n
        rects.append((x0, y0, x1, y1))
        box = moving.frame_box(t, t + 40)
        if box is not None:
            want, rect = _pixelated(theirs, box, [k.box for k in moving.keyframes])
            x0, y0, x1, y1 = rect
            got = ours[y0:y1, x0:x1].astype(float)
            near_redaction = np.abs(got - want[y0:y1, x0:x1])
            near_original = np.abs(got - theirs[y0:y1, x0:x1])
            telling = np.abs(want[y0:y1, x0:x1] - theirs[y0:y1, x0:x1]) > 50
            # H.264's 8x8 transforms and deblocking smear the region's edge a few pixels in.
            telling[:4, :] = telling[-4:, :] = telling[:, :4] = telling[:, -4:] = False
            assert telling.sum() > 0.3 * telling.size, n  # most of the region is still checked
            # Every pixel shows the cells, not the texture (60 or 220) that was there (the
            # exact, pixel-for-pixel check on the planes given to the encoder is test_render's).
            bad = np.argwhere(telling & (near_redaction >= near_original))
            assert not len(bad), (n, rect, [(int(y), int(x), got[y, x], want[y0 + y, x0 + x], theirs[y0 + y, x0 + x]) for y, x in bad[:5]])
            assert near_redaction.max() <= 60 and near_redaction.mean() < 3, n  # ringing at edges
            rects.append(rect)
        keep = _mask_outside(ours.shape, rects, margin=8)
        diff = np.abs(ours.astype(int) - theirs)[keep]
        assert diff.mean() < 2.0, n  # re-encoding loss only (crf 18 of a near-lossless source)
        assert read_index(np.repeat(ours[:, :, None], 3, axis=2)) == n


def test_ellipse_covers_every_pixel_it_touches(source, tmp_path):
    region = m.picture(1, 0, 2000, m.Box(100.5, 80.5, 81, 61), shape="ellipse", style="solid")
    out = tmp_path / "copy.mp4"
    write_copy(source, out, [region])
    _, copy = luma_frames(out)
    _, original = luma_frames(source)
    # Pixels whose centre is well inside the ellipse are black, corners of the box are not.
    ys, xs = np.mgrid[0:240, 0:320]
    inside = ((xs + 0.5 - 141) / 40.5) ** 2 + ((ys + 0.5 - 111) / 30.5) ** 2 <= 1
    corner = np.zeros_like(inside)
    corner[81:86, 101:106] = True
    for ours, theirs in zip(copy[::7], original[::7], strict=True):
        assert ours[inside].max() <= BLACK + 30
        assert np.abs(ours[corner].astype(int) - theirs[corner]).mean() < 8


def test_sound_muted_and_toned_in_their_intervals(source, tmp_path):
    out = tmp_path / "copy.mp4"
    write_copy(source, out, [m.sound(1, 500, 900), m.sound(1, 1200, 1500, audio="tone")])
    rate, samples, first = sound(out)
    assert rms(samples, rate, first, 530, 870) < 1e-3
    assert rms(samples, rate, first, 100, 450) > 0.25  # the 440 Hz sine (amplitude 0.5) still there
    assert rms(samples, rate, first, 950, 1150) > 0.25
    lo, hi = (int((t - first) * rate / 1000) for t in (1230, 1470))
    spectrum = np.abs(np.fft.rfft(samples[lo:hi] * np.hanning(hi - lo)))
    peak = np.fft.rfftfreq(hi - lo, 1 / rate)[spectrum.argmax()]
    assert abs(peak - 1000) < 15
    _, original, first_src = sound(source)
    assert abs(first - first_src) < 1.0  # the sound is where it was


def test_rotated_footage_box_is_in_pixels_as_shown(tmp_path):
    from bwv_review.core.media import VideoSource

    src = write_textured(tmp_path / "rot.mp4", frames=10, size=(320, 240), rotation=90, audio=False)
    info = probe(src)
    assert (info.width, info.height) == (240, 320)
    out = tmp_path / "copy.mp4"
    write_copy(src, out, [m.picture(1, 0, 1000, m.Box(20, 200, 100, 60), style="solid")])
    with VideoSource(out) as copy, VideoSource(src) as original:
        assert copy.info.rotation == info.rotation
        shown = copy.frame(3).image.astype(int)
        before = original.frame(3).image.astype(int)
    assert shown[200:260, 20:120].max() <= 40  # black as shown, where the reviewer drew it
    outside = np.ones(shown.shape[:2], bool)
    outside[192:268, 12:128] = False
    assert np.abs(shown - before)[outside].mean() < 3


def test_burned_in_line(source, tmp_path):
    out = tmp_path / "copy.mp4"
    write_copy(source, out, [], label="Redacted copy of AB/1, 2024-05-01")
    _, copy = luma_frames(out)
    _, original = luma_frames(source)
    changed = np.argwhere(np.abs(copy[5].astype(int) - original[5]) > 30)
    (top, left), (bottom, right) = changed.min(axis=0), changed.max(axis=0)
    assert top > 200 and left < 10 and right < 300  # a strip at the bottom left
    strip = copy[5][top:bottom + 1, left:right + 1]
    assert (strip < 40).mean() > 0.5 and strip.max() > 200  # light text on a dark strip
    assert np.abs(copy[5][:top - 8].astype(int) - original[5][:top - 8]).mean() < 2


def test_existing_target_refused_and_cancel_leaves_nothing(source, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "copy.mp4"
    out.write_bytes(b"keep me")
    with pytest.raises(ReviewError, match="already exists"):
        write_copy(source, out, [])
    assert out.read_bytes() == b"keep me"
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 1

    fresh = folder / "fresh.mp4"
    with pytest.raises(Cancelled):
        write_copy(source, fresh, [], cancel=stop)
    assert sorted(p.name for p in folder.iterdir()) == ["copy.mp4"]
    result = write_copy(source, out, [], force=True)
    assert result.sha256 == _sha(out)
    with pytest.raises(ReviewError, match="mp4"):
        write_copy(source, tmp_path / "copy.mov", [])


def test_painting_never_reaches_the_decoders_reference_pictures(source):
    """Frames after a region's interval decode exactly as without it: the painted picture was
    a copy (make_writable), not the one later frames are predicted from."""
    import av

    from bwv_review.core.redact.render import paint, yuv_planes

    def planes(paint_first: bool) -> list[bytes]:
        out = []
        with av.open(str(source)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for n, frame in enumerate(container.decode(stream)):
                if paint_first and n < 20:
                    frame.make_writable()
                    paint(yuv_planes(frame, False), m.Box(0, 40, 320, 200), "box", "solid")
                out.append(b"".join(bytes(p) for p in frame.planes))
        return out

    clean, painted = planes(False), planes(True)
    assert painted[20:] == clean[20:] and painted[:20] != clean[:20]
