"""Footage metadata and the frame-time index.

``probe`` reads a file's container with PyAV without decoding more than one frame: the
presentation time of every video frame comes from the demuxer's packet timestamps (sorted,
since B-frames arrive out of order; packets the container's edit list discards are left
out). That gives the exact frame count and the exact duration on variable-frame-rate
footage, where ``frame_index / fps`` and cv2's CAP_PROP_FRAME_COUNT are both wrong.
Time 0 is the presentation time of the first decoded video frame.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import av

from .errors import FootageError

MAX_PIXELS = 16384 * 16384  # anything larger is not real footage, and would exhaust memory


@dataclass
class FrameIndex:
    """Presentation time (ms from the first frame, float) and keyframe flag of every frame."""

    times_ms: list[float] = field(default_factory=list)
    keyframes: list[bool] = field(default_factory=list)
    # Seconds in the stream's own clock of frame 0, to translate decoder times back.
    origin_s: float = 0.0


@dataclass
class MediaInfo:
    path: str
    duration_ms: int
    frame_count: int
    fps: float
    width: int  # as displayed, after rotation
    height: int
    codec: str
    has_audio: bool
    creation_time: str | None
    rotation: int = 0
    index: FrameIndex | None = field(default=None, repr=False)

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("index", None)
        return data


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise FootageError(f"Footage {path} was not found.")
    if not path.is_file():
        raise FootageError(f"{path} is not a file.")
    if path.stat().st_size == 0:
        raise FootageError(f"{path} is empty (0 bytes); it is not footage.")
    try:
        return av.open(os.fspath(path), metadata_errors="replace")
    except av.error.FFmpegError as exc:
        raise FootageError(f"{path.name} is not a video file that can be read ({_reason(exc)}).") from exc


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.strip().rstrip(".").lower() or "unknown error"


def probe(path: Path | str) -> MediaInfo:
    """Metadata and frame index of one footage file; FootageError if it is not usable video."""
    path = Path(path)
    container = _open(path)
    try:
        if not container.streams.video:
            raise FootageError(f"{path.name} has no video track (audio only or not footage).")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        if not ctx.width or not ctx.height:
            raise FootageError(f"{path.name} has a video track with no picture size.")
        if ctx.width * ctx.height > MAX_PIXELS:
            raise FootageError(f"{path.name} claims an impossible picture size {ctx.width}x{ctx.height}.")
        index, rotation = _index(container, stream, path)
        has_audio = bool(container.streams.audio)
        creation = container.metadata.get("creation_time") or stream.metadata.get("creation_time")
    except av.error.FFmpegError as exc:
        raise FootageError(f"{path.name} cannot be read as video ({_reason(exc)}).") from exc
    finally:
        container.close()
    times = index.times_ms
    step = _typical_step(times)
    duration = times[-1] + step if times else 0.0
    fps = 1000.0 / step if step else float(stream.average_rate or 0)
    width, height = (ctx.height, ctx.width) if rotation % 180 else (ctx.width, ctx.height)
    return MediaInfo(
        path=str(path),
        duration_ms=int(round(duration)),
        frame_count=len(times),
        fps=round(len(times) / (duration / 1000.0), 3) if duration else round(fps, 3),
        width=width,
        height=height,
        codec=ctx.name,
        has_audio=has_audio,
        creation_time=creation,
        rotation=rotation,
        index=index,
    )


def _typical_step(times: list[float]) -> float:
    if len(times) < 2:
        return 0.0
    steps = sorted(b - a for a, b in zip(times, times[1:], strict=False))
    return steps[len(steps) // 2]


def _index(container, stream, path: Path) -> tuple[FrameIndex, int]:
    """Demux every video packet for its timestamp, and decode just the first frame."""
    base = Fraction(stream.time_base) if stream.time_base else Fraction(1, 90000)
    stamps: list[tuple[int, bool]] = []
    rotation = 0
    first_frame = None
    for packet in container.demux(stream):
        if packet.size == 0 or packet.is_discard:
            continue
        pts = packet.pts if packet.pts is not None else packet.dts
        if pts is None:
            continue
        stamps.append((pts, bool(packet.is_keyframe)))
        if first_frame is None:
            try:
                for frame in packet.decode():
                    first_frame = frame
                    break
            except av.error.FFmpegError:
                pass
    if not stamps:
        raise FootageError(f"{path.name} has no video frames.")
    if first_frame is None:
        raise FootageError(f"{path.name} has video frames that cannot be decoded.")
    rotation = int(getattr(first_frame, "rotation", 0) or 0) % 360
    stamps.sort()
    # Duplicate timestamps (broken muxers) would map two frames to one time: keep one.
    unique: list[tuple[int, bool]] = []
    for pts, key in stamps:
        if unique and unique[-1][0] == pts:
            continue
        unique.append((pts, key))
    origin = unique[0][0]
    times = [float((pts - origin) * base * 1000) for pts, _ in unique]
    return FrameIndex(times, [k for _, k in unique], float(origin * base)), (-rotation) % 360
