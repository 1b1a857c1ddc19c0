"""Test footage made on the spot: every frame carries its own index.

Each frame shows its index as digits (for a person looking at a screenshot) and as a
row of 16 black/white blocks (for a test): ``read_index(rgb)`` recovers the index from a
decoded picture even after lossy compression. Audio, when asked for, is a tone that
switches on and off at known times so sound-dependent code has something to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

BITS = 16


def draw_frame(index: int, width: int, height: int) -> np.ndarray:
    """An RGB picture whose top band encodes ``index`` in 16 blocks, digits below."""
    img = np.full((height, width, 3), 40, np.uint8)
    block = width // BITS
    band = max(8, height // 6)
    for bit in range(BITS):
        on = (index >> (BITS - 1 - bit)) & 1
        img[0:band, bit * block : (bit + 1) * block] = 255 if on else 0
    scale = max(0.5, height / 240)
    cv2.putText(img, str(index), (block, band + int(50 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                1.5 * scale, (255, 255, 0), max(1, int(3 * scale)), cv2.LINE_AA)
    return img


def read_index(rgb: np.ndarray) -> int:
    """The index drawn by ``draw_frame`` (picture as decoded, RGB or BGR, any size kept)."""
    height, width = rgb.shape[:2]
    block = width // BITS
    band = max(8, height // 6)
    value = 0
    for bit in range(BITS):
        cell = rgb[band // 4 : band * 3 // 4, bit * block + block // 4 : (bit + 1) * block - block // 4]
        value = (value << 1) | int(cell.mean() > 127)
    return value


def write_clip(
    path: Path,
    frames: int = 50,
    fps: Fraction | int | str = 25,
    size: tuple[int, int] = (320, 240),
    codec: str = "libx264",
    gop: int = 12,
    bframes: int = 2,
    frame_times: list[float] | None = None,
    audio: bool = False,
    audio_codec: str = "aac",
    tone_on: list[tuple[float, float]] | None = None,
    rotation: int = 0,
    options: dict | None = None,
) -> Path:
    """Encode a clip; ``frame_times`` (seconds) gives variable frame rate footage.

    ``rotation`` sets the container's display matrix: degrees counter-clockwise, as
    PyAV's ``set_display_rotation`` and ``VideoFrame.rotation`` count them.
    """
    path = Path(path)
    width, height = size
    container = av.open(str(path), "w")
    rate = Fraction(fps)
    stream = container.add_stream(codec, rate=rate)
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
    stream.codec_context.gop_size = gop
    if codec in ("libx264", "libx265", "mpeg4"):
        stream.codec_context.max_b_frames = bframes
    if codec == "libx265":
        stream.codec_context.options = {"x265-params": "log-level=error"}
    if options:
        stream.codec_context.options = dict(stream.codec_context.options, **options)
    if rotation:
        stream.set_display_rotation(rotation)
    if frame_times is not None:
        stream.codec_context.time_base = Fraction(1, 1000)
    astream = None
    if audio:
        astream = container.add_stream(audio_codec, rate=48000 if audio_codec != "aac" else 44100)
        astream.layout = "mono"
    for i in range(frames):
        frame = av.VideoFrame.from_ndarray(draw_frame(i, width, height), format="rgb24")
        if frame_times is not None:
            frame.pts = int(round(frame_times[i] * 1000))
            frame.time_base = Fraction(1, 1000)
        else:
            frame.pts = i
            frame.time_base = 1 / rate
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    if astream is not None:
        duration = (frame_times[-1] if frame_times else frames / float(rate)) + 0.1
        _write_tone(container, astream, duration, tone_on or [(0.0, duration)])
    container.close()
    return path


def cut_copy(source: Path, target: Path, start_s: float) -> Path:
    """Copy ``source`` from ``start_s`` without re-encoding, as ``ffmpeg -ss -c copy`` does.

    The copy starts at the keyframe before ``start_s``; the packets before the cut keep
    negative timestamps, so the MP4/MOV muxer writes an edit list that tells players (and
    the demuxer, which flags them "discard") to decode but never show them.
    """
    src = av.open(str(source))
    dst = av.open(str(target), "w")
    try:
        stream = src.streams.video[0]
        out = dst.add_stream_from_template(stream)
        cut = int(round(start_s / stream.time_base))
        decode_order = [p for p in src.demux(stream) if p.size]  # MP4/MOV: dts always set
        keys = [p for p in decode_order if p.is_keyframe and p.pts <= cut]
        first_dts = keys[-1].dts if keys else decode_order[0].dts
        for packet in decode_order:
            if packet.dts < first_dts:
                continue
            packet.pts -= cut
            packet.dts -= cut
            packet.stream = out
            dst.mux(packet)
    finally:
        dst.close()
        src.close()
    return Path(target)


def drop_start(source: Path, target: Path, packets: int) -> Path:
    """Copy ``source`` without its first ``packets`` packets (decode order), so it starts
    mid-GOP with no edit list: what a camera that lost the start of a file leaves."""
    src = av.open(str(source))
    dst = av.open(str(target), "w")
    try:
        stream = src.streams.video[0]
        out = dst.add_stream_from_template(stream)
        for n, packet in enumerate(p for p in src.demux(stream) if p.size):
            if n >= packets:
                packet.stream = out
                dst.mux(packet)
    finally:
        dst.close()
        src.close()
    return Path(target)


def _write_tone(container, stream, duration: float, tone_on: list[tuple[float, float]]) -> None:
    rate = stream.codec_context.sample_rate
    t = np.arange(int(duration * rate)) / rate
    gate = np.zeros_like(t)
    for a, b in tone_on:
        gate[(t >= a) & (t < b)] = 1.0
    samples = (0.5 * np.sin(2 * np.pi * 440 * t) * gate).astype(np.float32)
    chunk = stream.codec_context.frame_size or 1024
    fmt = stream.codec_context.format.name
    for start in range(0, len(samples), chunk):
        block = samples[start : start + chunk]
        if fmt.startswith("s16"):
            data = (block * 32767).astype(np.int16)[None, :]
        else:
            data = block[None, :]
        frame = av.AudioFrame.from_ndarray(data, format=fmt, layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


# -- one clip per format the footage engine promises to decode exactly -------------------
FORMAT_SIZE = (160, 120)
# Irregular gaps (ms), as a phone or a body-worn camera under load produces them.
VFR_GAPS = [33, 40, 20, 100, 33, 67, 17, 50, 33, 250, 33, 25]
VFR_TIMES = [sum(VFR_GAPS[k % len(VFR_GAPS)] for k in range(i)) / 1000 for i in range(90)]


@dataclass
class Format:
    """How to make one test clip, and the truth about it."""

    kwargs: dict
    cut_s: float | None = None  # then cut there without re-encoding (MP4 edit list)
    drop_packets: int = 0  # then drop this many packets from the start (starts mid-GOP)

    @property
    def first_drawn(self) -> int:
        """The index drawn into the first frame a player shows."""
        if self.drop_packets:  # closed GOPs: the decoder starts at the next keyframe
            gop = self.kwargs["gop"]
            return -(-self.drop_packets // gop) * gop
        if self.cut_s is None:
            return 0
        return int(round(self.cut_s * float(Fraction(self.kwargs["fps"]))))

    def times_ms(self) -> list[float]:
        """The time of every frame the encoder was told, from the first frame shown."""
        frames = self.kwargs["frames"]
        if "frame_times" in self.kwargs:
            return [t * 1000 for t in self.kwargs["frame_times"][:frames]]
        step = 1000 / Fraction(self.kwargs["fps"])
        return [float(i * step) for i in range(frames - self.first_drawn)]


FORMATS: dict[str, Format] = {
    "h264-gop250-bframes.mp4": Format(dict(frames=300, fps=30, gop=250, bframes=3)),
    "h264-29.97.mkv": Format(dict(frames=90, fps=Fraction(30000, 1001), gop=30, bframes=2)),
    "h264-25.mov": Format(dict(frames=75, fps=25, gop=25, bframes=2)),
    "h264-bframes.avi": Format(dict(frames=75, fps=25, gop=25, bframes=2)),
    "hevc-29.97.mp4": Format(dict(codec="libx265", frames=90, fps=Fraction(30000, 1001), gop=30, bframes=2)),
    "vp9.webm": Format(dict(codec="libvpx-vp9", frames=90, fps=30, gop=30)),
    "mjpeg.avi": Format(dict(codec="mjpeg", frames=50, fps=25)),
    "mpeg4-bframes.avi": Format(dict(codec="mpeg4", frames=75, fps=25, gop=25, bframes=2)),
    "vfr.mp4": Format(dict(frames=90, fps=30, frame_times=VFR_TIMES, gop=30)),
    "vfr.mkv": Format(dict(frames=90, fps=30, frame_times=VFR_TIMES, gop=30)),
    "edit-list-cut.mp4": Format(dict(frames=90, fps=30, gop=30, bframes=2), cut_s=1.3),
    "starts-mid-gop.mkv": Format(dict(frames=90, fps=30, gop=30, bframes=2), drop_packets=40),
    "h264-open-gop.mkv": Format(
        dict(frames=100, fps=25, gop=25, bframes=3,
             options={"x264-params": "open-gop=1:keyint=25:min-keyint=25:scenecut=0"})
    ),
}


def make_format(folder: Path, name: str) -> Path:
    """The clip ``FORMATS[name]`` in ``folder`` (made once)."""
    spec = FORMATS[name]
    target = Path(folder) / name
    if target.exists():
        return target
    kwargs = dict(spec.kwargs, size=FORMAT_SIZE)
    if spec.cut_s is None and not spec.drop_packets:
        return write_clip(target, **kwargs)
    source = write_clip(Path(folder) / f"uncut-{Path(name).stem}.mp4", **kwargs)
    if spec.drop_packets:
        return drop_start(source, target, spec.drop_packets)
    return cut_copy(source, target, spec.cut_s)


def decode_all(path: Path, thumb: int = 1, keep=None) -> tuple[list[float], dict[int, np.ndarray]]:
    """A bare PyAV decode in order: every frame's time (ms from the first, by its pts), and
    the pictures of the frames in ``keep`` (all when None), every ``thumb``-th pixel."""
    times, pictures = [], {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        first = None
        for n, frame in enumerate(container.decode(stream)):
            pts = frame.pts if frame.pts is not None else 0
            first = pts if first is None else first
            times.append(float((pts - first) * stream.time_base * 1000))
            if keep is None or n in keep:
                pictures[n] = frame.to_ndarray(format="rgb24")[::thumb, ::thumb].copy()
    return times, pictures
