"""Footage for the redaction tests, made on the spot.

Every frame is a coarse random texture of two grey levels (60 and 220, far from the black
of a solid fill) under the frame-index band of ``tests.footage``, so a test can tell, pixel
by pixel, whether the copy shows the original or the redaction. Sound is a steady 440 Hz
sine, so silence, a tone and untouched sound are each easy to recognise.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tests.footage import _write_tone, draw_frame

LOW, HIGH = 60, 220
GRAIN = 4  # texture cells, pixels


def textured(index: int, width: int, height: int) -> np.ndarray:
    """The RGB picture of frame ``index``: index band on top, grey texture below."""
    rng = np.random.default_rng(index)
    cells = rng.integers(0, 2, ((height + GRAIN - 1) // GRAIN, (width + GRAIN - 1) // GRAIN))
    grey = np.where(cells, HIGH, LOW).astype(np.uint8)
    grey = np.repeat(np.repeat(grey, GRAIN, axis=0), GRAIN, axis=1)[:height, :width]
    img = np.repeat(grey[:, :, None], 3, axis=2)
    band = max(8, height // 6)
    img[:band] = draw_frame(index, width, height)[:band]
    return img


def write_textured(path: Path, frames: int = 50, fps: int = 25, size: tuple[int, int] = (320, 240),
                   frame_times: list[float] | None = None, audio: bool = True, rotation: int = 0,
                   crf: int = 10) -> Path:
    """An H.264 MP4 of textured frames (and a 440 Hz tone), close to lossless."""
    width, height = size
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.codec_context.options = {"crf": str(crf), "preset": "veryfast"}
    stream.codec_context.gop_size = 12
    if frame_times is not None:
        stream.codec_context.time_base = Fraction(1, 1000)
    if rotation:
        stream.set_display_rotation(rotation)
    astream = None
    if audio:
        astream = container.add_stream("aac", rate=48000)
        astream.layout = "mono"
    for i in range(frames):
        frame = av.VideoFrame.from_ndarray(textured(i, width, height), format="rgb24")
        if frame_times is not None:
            frame.pts, frame.time_base = int(round(frame_times[i] * 1000)), Fraction(1, 1000)
        else:
            frame.pts, frame.time_base = i, Fraction(1, fps)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    if astream is not None:
        duration = (frame_times[-1] if frame_times else frames / fps) + 0.1
        _write_tone(container, astream, duration, [(0.0, duration)])
    container.close()
    return Path(path)


def luma_frames(path: Path) -> tuple[list[float], list[np.ndarray]]:
    """Every frame's time (ms from the first, by its pts) and its luma plane, in order."""
    times, planes = [], []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        first = None
        for frame in container.decode(stream):
            first = frame.pts if first is None else first
            times.append(float((frame.pts - first) * stream.time_base * 1000))
            planes.append(frame.to_ndarray(format="gray").copy())
    return times, planes


def sound(path: Path) -> tuple[int, np.ndarray, float]:
    """(rate, mono float samples, file time in ms of the first sample), as a player plays it."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        video = container.streams.video[0]
        origin = float(video.start_time * video.time_base) if video.start_time is not None else 0.0
        blocks, first = [], None
        resampler = av.AudioResampler(format="flt", layout="mono")
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                if first is None:
                    first = (float(out.pts * out.time_base) - origin) * 1000
                blocks.append(out.to_ndarray().reshape(-1))
        return stream.rate, np.concatenate(blocks), first or 0.0


def rms(samples: np.ndarray, rate: int, first_ms: float, a_ms: float, b_ms: float) -> float:
    lo = int(round((a_ms - first_ms) * rate / 1000))
    hi = int(round((b_ms - first_ms) * rate / 1000))
    part = samples[max(lo, 0):max(hi, 0)]
    return float(np.sqrt(np.mean(part.astype(np.float64) ** 2))) if len(part) else 0.0
