"""The redacted copy: H.264 + AAC MP4, frame for frame and time for time the original.

One pass through the footage, read by its owner (``Footage.read_through``: every frame
decoded once, named by the frame-time index exactly as the player names it, the sound
alongside): cover the regions on the decoded planes (numpy, only on frames that have any),
silence or tone the sound, encode with PyAV, mux. Every frame keeps its own presentation
time (variable frame rate included), counted from the first frame as everywhere in
bwv-review, so frame N of the copy is frame N of the original at the same time; a frame
missing, repeated or out of order stops the copy, and the finished file is probed again
and its frame times compared with the original's before it is put in place. Anything
that does not match is refused with a sentence, and nothing is left behind.

Nothing of the original's metadata is carried over: no container or stream tags (creation
time, GPS, make and model, handler names, encoder strings), no data streams (GoPro GPMF,
timecode, subtitles), no second sound track; only the display rotation, which says how to
show the picture. The original is only ever read.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import Cancelled, FootageError, ReviewError
from ..footage import Footage
from ..frame_index import MediaInfo, probe
from ..integrity import sha256_file
from ..reading import Picture
from . import sound
from .label import make_label
from .model import Redaction
from .plan import Plan
from .render import Orientation, paint, yuv_planes

log = logging.getLogger(__name__)

# The settings of the copy, fixed so that a copy made again is made the same way (and so
# that the benchmark's ffmpeg reference uses exactly them too).
VIDEO_CODEC = "libx264"
PRESET = "veryfast"
CRF = 18
AUDIO_CODEC = "aac"
AUDIO_BITRATE = 128_000
PASS_THROUGH_FORMATS = ("yuv420p", "yuvj420p")
PROGRESS_EVERY = 15  # frames


@dataclass
class CopyResult:
    path: Path
    sha256: str
    frames: int
    duration_ms: int
    has_audio: bool
    dropped: list[str] = field(default_factory=list)  # streams of the original left out
    frames_covered: int = 0  # frames in which at least one region was covered


def ffmpeg_reference_args(source: Path, target: Path, has_audio: bool) -> list[str]:
    """The ``ffmpeg`` command that re-encodes ``source`` with the copy's own settings (the
    benchmark's reference: the same work without the redaction)."""
    args = ["-v", "error", "-y", "-i", str(source), "-map", "0:v:0"]
    if has_audio:
        args += ["-map", "0:a:0", "-c:a", AUDIO_CODEC, "-b:a", str(AUDIO_BITRATE)]
    return args + ["-c:v", VIDEO_CODEC, "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p",
                   "-fps_mode", "passthrough", "-map_metadata", "-1", "-movflags", "+faststart", str(target)]


def write_copy(
    source: Footage | Path | str,
    target: Path | str,
    redactions: list[Redaction],
    label: str | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> CopyResult:
    """Write the redacted copy of ``source`` (its owner, or a path) to ``target`` (atomically)
    and hash it.

    ``redactions`` are applied as given (the caller leaves out suggestions not confirmed);
    ``label`` is burned in at the bottom left when given. ``progress(done, total)`` is
    called every few frames; ``cancel()`` returning True stops the work, leaving nothing.
    """
    footage = source if isinstance(source, Footage) else Footage.shared(source)
    target = Path(target)
    check_target(target, force)
    info = footage.info
    tmp = target.with_name(f".{target.stem[:40]}.{secrets.token_hex(6)}.part.mp4")
    try:
        result = _encode(footage, tmp, redactions, label, progress, cancel)
        _verify_times(tmp, info)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        result.sha256 = sha256_file(tmp)
        _place(tmp, target, force)
        result.path = target
        return result
    finally:
        tmp.unlink(missing_ok=True)


def check_target(target: Path, force: bool) -> None:
    if target.suffix.lower() != ".mp4":
        raise ReviewError(f"{target.name} should end in .mp4; a redacted copy is written as MP4.")
    if target.is_dir():
        raise ReviewError(f"{target} is a folder; give a file name for the copy.")
    if not target.parent.is_dir():
        raise ReviewError(f"Folder {target.parent} does not exist; nothing was written.")
    if target.exists() and not force:
        raise ReviewError(f"{target} already exists; nothing was written. Choose another name, or use --force to replace it.")


def _place(tmp: Path, target: Path, force: bool) -> None:
    if force:
        tmp.replace(target)
        return
    try:  # a hard link never replaces a file that appeared meanwhile
        os.link(tmp, target)
    except FileExistsError as exc:
        raise ReviewError(f"{target} appeared while the copy was being made; nothing was replaced.") from exc
    except OSError:  # a file system without hard links
        if target.exists():
            raise ReviewError(f"{target} appeared while the copy was being made; nothing was replaced.") from None
        tmp.replace(target)


def _encode(footage: Footage, tmp: Path, redactions, label, progress, cancel) -> CopyResult:
    name = footage.path.name
    with footage.read_through(sound=True) as reading:
        try:
            return _Job(reading, tmp, redactions, label, progress, cancel).run()
        except av.error.FFmpegError as exc:
            raise FootageError(f"The redacted copy of {name} could not be made ({exc}); nothing was written.") from exc


class _Job:
    """One copy being made: the pass it reads, the streams it writes, what to cover, the counters."""

    def __init__(self, reading, tmp: Path, redactions, label, progress, cancel):
        self.reading, self.tmp, self.info = reading, tmp, reading.info
        info = self.info
        self.progress, self.cancel = progress, cancel
        self.vin, self.ain = reading.video, reading.audio
        ctx = self.vin.codec_context
        if ctx.width % 2 or ctx.height % 2:
            raise FootageError(
                f"{Path(info.path).name} is {ctx.width}x{ctx.height}; H.264 copies need an even width and "
                "height, so no copy was made."
            )
        self.orientation = Orientation(ctx.width, ctx.height, info.rotation)
        self.times = info.index.times_ms
        self.base = reading.base
        self.plan = Plan(redactions, self.times, info.duration_ms, self.orientation)
        self.sounds = [r for r in redactions if r.kind == "sound"]
        pix = ctx.pix_fmt if ctx.pix_fmt in PASS_THROUGH_FORMATS else "yuv420p"
        self.full_range = pix == "yuvj420p" or ctx.color_range == 2
        self.label = make_label(label, self.orientation) if label else None
        self.dropped = [self._describe(s) for s in reading.others]
        self.out = av.open(os.fspath(tmp), "w", format="mp4", options={"movflags": "+faststart"})
        try:
            self.vout = self._video_stream(pix)
            self.aout = self._audio_stream() if self.ain is not None else None
        except BaseException:
            self.out.close()  # the temporary file is removed by the caller: it must not stay open
            raise
        self.resampler = None
        self.done = 0
        self.covered = 0
        self.audio_origin = reading.origin_s

    @staticmethod
    def _describe(stream) -> str:
        kind = stream.type or "data"
        name = getattr(stream.codec_context, "name", None) if stream.type in ("video", "audio", "subtitle") else None
        tag = stream.codec_tag if hasattr(stream, "codec_tag") else ""
        return f"stream {stream.index} ({kind}{', ' + name if name else ''}{', ' + tag if tag and not name else ''})"

    def _video_stream(self, pix: str):
        ctx_in = self.vin.codec_context
        rate = self.vin.average_rate or self.vin.guessed_rate or Fraction(30)
        stream = self.out.add_stream(VIDEO_CODEC, rate=rate)
        stream.width, stream.height = ctx_in.width, ctx_in.height
        stream.pix_fmt = pix
        stream.time_base = self.base
        ctx = stream.codec_context
        ctx.time_base = self.base
        ctx.options = {"preset": PRESET, "crf": str(CRF)}
        for name in ("color_range", "colorspace", "color_primaries", "color_trc"):
            value = getattr(ctx_in, name, None)
            if value:
                setattr(ctx, name, value)
        if ctx_in.sample_aspect_ratio:
            ctx.sample_aspect_ratio = ctx_in.sample_aspect_ratio
        if self.info.rotation:
            stream.set_display_rotation((-self.info.rotation) % 360)  # PyAV counts counter-clockwise
        return stream

    def _audio_stream(self):
        ctx_in = self.ain.codec_context
        rate = ctx_in.sample_rate or 48000
        stream = self.out.add_stream(AUDIO_CODEC, rate=rate)
        stream.layout = _named_layout(ctx_in.layout)
        stream.codec_context.bit_rate = AUDIO_BITRATE
        stream.time_base = Fraction(1, rate)
        return stream

    # -- the pass --------------------------------------------------------------------------
    def run(self) -> CopyResult:
        total = len(self.times)
        try:
            for item in self.reading:
                if isinstance(item, Picture):
                    self._video(item, total)
                else:
                    self._audio(item)
            self._flush()
        finally:
            self.out.close()
        if self.progress is not None:
            self.progress(total, total)
        return CopyResult(self.tmp, "", total, self.info.duration_ms, self.aout is not None, self.dropped, self.covered)

    def _video(self, picture: Picture, total: int) -> None:
        n, frame = picture.number, picture.frame
        if self.cancel is not None and n % PROGRESS_EVERY == 0 and self.cancel():
            raise Cancelled("The redacted copy was cancelled; nothing was written.")
        if frame.format.name != self.vout.pix_fmt:
            frame = frame.reformat(format=self.vout.pix_fmt)
        regions = self.plan.regions(n)
        if regions or self.label is not None:
            frame.make_writable()  # the decoder may still refer to this picture
            planes = yuv_planes(frame, self.full_range)
            for coded, shape, style, cell in regions:
                paint(planes, coded, shape, style, cell)
            if self.label is not None:
                self.label.draw(planes, self.full_range)
            self.covered += bool(regions)
        # The frame's own time in the index (ms from frame 0), in the source's time base.
        frame.pts = round(Fraction(picture.time_ms) / 1000 / self.base)
        frame.time_base = self.base
        frame.pict_type = av.video.frame.PictureType.NONE
        for out_packet in self.vout.encode(frame):
            self.out.mux(out_packet)
        self.done += 1
        if self.progress is not None and n % PROGRESS_EVERY == 0:
            self.progress(n, total)

    def _audio(self, frame) -> None:
        if frame.pts is None or not frame.samples:
            return
        if self.resampler is None:
            self.resampler = av.AudioResampler(format="fltp", layout=self.aout.layout, rate=self.aout.rate)
        rate = self.aout.rate
        for block in self.resampler.resample(frame):
            self._audio_block(block, rate)

    def _audio_block(self, block, rate: int) -> None:
        first_ms = (float(block.pts * block.time_base) - self.audio_origin) * 1000.0
        samples = block.to_ndarray()
        skip = 0
        if first_ms < 0:  # sound before the first frame shown: the copy starts at that frame
            skip = min(samples.shape[-1], int(round(-first_ms * rate / 1000.0)))
            samples = samples[..., skip:]
            first_ms += skip * 1000.0 / rate
            if not samples.shape[-1]:
                return
        sound.apply(samples, first_ms, rate, self.sounds)
        out = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples), format="fltp", layout=self.aout.layout.name)
        out.sample_rate = rate
        out.pts = int(round(first_ms * rate / 1000.0))
        out.time_base = Fraction(1, rate)
        for packet in self.aout.encode(out):
            self.out.mux(packet)

    def _flush(self) -> None:
        for packet in self.vout.encode(None):
            self.out.mux(packet)
        if self.aout is not None:
            if self.resampler is not None:
                for block in self.resampler.resample(None):
                    self._audio_block(block, self.aout.rate)
            for packet in self.aout.encode(None):
                self.out.mux(packet)


# The layouts the AAC encoder takes, by channel count (a file may say only "1 channels", as
# AVIs with PCM sound from old cameras do, and AAC refuses a layout without named channels).
AAC_LAYOUTS = {1: "mono", 2: "stereo", 3: "3.0", 4: "4.0", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def _named_layout(layout) -> str:
    channels = getattr(layout, "nb_channels", 0) or 1
    if layout is not None and layout.name in AAC_LAYOUTS.values():
        return layout.name
    return AAC_LAYOUTS.get(channels, "stereo")  # more than 8 channels: mixed down by the resampler


def _verify_times(copy: Path, info: MediaInfo) -> None:
    """The copy's frames are the original's: same count, same times (from its own index)."""
    made = probe(copy)
    want, got = info.index.times_ms, made.index.times_ms
    if len(got) != len(want):
        raise FootageError(
            f"The copy came out with {len(got)} frames instead of {len(want)}; nothing was written."
        )
    worst = max((abs(a - b) for a, b in zip(want, got, strict=True)), default=0.0)
    if worst > 0.5:
        raise FootageError(
            f"The copy's frame times differ from the original's by up to {worst:.3f} ms; nothing was written."
        )
