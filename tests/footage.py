"""Test footage made on the spot: every frame carries its own index.

Each frame shows its index as digits (for a person looking at a screenshot) and as a
row of 16 black/white blocks (for a test): ``read_index(rgb)`` recovers the index from a
decoded picture even after lossy compression. Audio, when asked for, is a tone that
switches on and off at known times so sound-dependent code has something to find.
"""

from __future__ import annotations

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
) -> Path:
    """Encode a clip; ``frame_times`` (seconds) gives variable frame rate footage."""
    path = Path(path)
    width, height = size
    container = av.open(str(path), "w")
    rate = Fraction(fps)
    stream = container.add_stream(codec, rate=rate)
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
    stream.codec_context.gop_size = gop
    if codec in ("libx264", "libx265"):
        stream.codec_context.max_b_frames = bframes
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
