"""Footage metadata and the frame-time index (split out of media.py, which re-exports it).

``probe`` reads a file's container with PyAV and decodes only until the first picture
comes out: the presentation time of every video frame comes from the demuxer's packet
timestamps (sorted, since B-frames arrive out of order). Packets the container's edit list
discards, and packets before the first keyframe in decode order (a file cut mid-GOP), are
left out, because the decoder never shows them. That gives the exact frame count and the
exact duration on variable-frame-rate footage, where ``frame_index / fps`` and cv2's
CAP_PROP_FRAME_COUNT are both wrong. Time 0 is the presentation time of the first decoded
video frame.

Demuxing touches every packet of the file (it is the only exact source of frame times), so
``load_info`` keeps the result per file in the user's cache folder, keyed by the file's
SHA-256 and checked against its size and modification time; nothing is written beside the
footage.
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import av

from .. import paths
from .errors import FootageError

log = logging.getLogger(__name__)

MAX_PIXELS = 16384 * 16384  # anything larger is not real footage, and would exhaust memory
CACHE_VERSION = 2


@dataclass
class FrameIndex:
    """Presentation time (ms from the first frame, float) and keyframe flag of every frame."""

    times_ms: list[float] = field(default_factory=list)
    keyframes: list[bool] = field(default_factory=list)
    # Seconds in the stream's own clock of frame 0, to translate decoder times back.
    origin_s: float = 0.0
    # The stream's start_time in seconds: cv2 reports CAP_PROP_POS_MSEC from there.
    stream_start_s: float = 0.0

    def __post_init__(self) -> None:
        # Frame 0 always counts: decoding from the start of the file reaches every frame,
        # even where the first keyframe is hidden by an edit list.
        self._key_positions = sorted({0, *(i for i, key in enumerate(self.keyframes) if key)})

    def __len__(self) -> int:
        return len(self.times_ms)

    def at(self, ms: float) -> int:
        """The last frame whose presentation time is <= ``ms`` (clamped to the footage).

        A nanosecond of slack: a caller's ``n * 1000 / 30`` and the index's exact fraction
        may round to neighbouring doubles, and that must not show the previous frame.
        """
        i = bisect.bisect_right(self.times_ms, ms + 1e-6) - 1
        return min(max(i, 0), len(self.times_ms) - 1)

    def keyframe_before(self, index: int) -> int:
        """The nearest keyframe at or before ``index`` (in presentation order)."""
        pos = bisect.bisect_right(self._key_positions, index) - 1
        return self._key_positions[pos] if pos >= 0 else 0

    def match(self, ms: float) -> int | None:
        """The frame whose time is ``ms`` (a decoder timestamp in index time), or None."""
        times = self.times_ms
        i = bisect.bisect_left(times, ms)
        best = None
        for j in (i - 1, i):
            if 0 <= j < len(times) and (best is None or abs(times[j] - ms) < abs(times[best] - ms)):
                best = j
        if best is None:
            return None
        gaps = [abs(times[best] - times[k]) for k in (best - 1, best + 1) if 0 <= k < len(times)]
        tolerance = min([0.5, *(g * 0.45 for g in gaps)])
        return best if abs(times[best] - ms) <= tolerance else None

    def to_json(self) -> dict:
        return {
            "times_ms": self.times_ms,
            "keyframes": [i for i, key in enumerate(self.keyframes) if key],
            "origin_s": self.origin_s,
            "stream_start_s": self.stream_start_s,
        }

    @classmethod
    def from_json(cls, data: dict) -> FrameIndex:
        times = [float(t) for t in data["times_ms"]]
        keys = [False] * len(times)
        for i in data["keyframes"]:
            keys[int(i)] = True
        return cls(times, keys, float(data["origin_s"]), float(data["stream_start_s"]))


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
    rotation: int = 0  # degrees clockwise to turn the decoded picture for display
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
        if container.format.name in ("image2", "gif") or container.format.name.endswith("_pipe"):
            raise FootageError(f"{path.name} is a still image ({container.format.name}), not footage.")
        ctx = stream.codec_context
        if not ctx.width or not ctx.height:
            raise FootageError(f"{path.name} has a video track with no picture size.")
        if ctx.width * ctx.height > MAX_PIXELS:
            raise FootageError(f"{path.name} claims an impossible picture size {ctx.width}x{ctx.height}.")
        has_audio = bool(container.streams.audio)
        creation = container.metadata.get("creation_time") or stream.metadata.get("creation_time")
        codec, coded = ctx.name, (ctx.width, ctx.height)
        index, rotation = _index(container, stream, path)
    except av.error.FFmpegError as exc:
        raise FootageError(f"{path.name} cannot be read as video ({_reason(exc)}).") from exc
    finally:
        container.close()
    times = index.times_ms
    step = _typical_step(times)
    duration = times[-1] + step if len(times) > 1 else 0.0
    width, height = (coded[1], coded[0]) if rotation % 180 else coded
    return MediaInfo(
        path=str(path),
        duration_ms=int(round(duration)),
        frame_count=len(times),
        fps=round(len(times) / (duration / 1000.0), 3) if duration else 0.0,
        width=width,
        height=height,
        codec=codec,
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
    """Demux every video packet for its timestamp; decode only until the first picture."""
    base = Fraction(stream.time_base) if stream.time_base else Fraction(1, 90000)
    start = stream.start_time
    stamps: list[tuple[int, bool, bool]] = []  # pts, keyframe, after the first keyframe
    first_frame = None
    seen_key = False
    failures = 0
    demuxed = 0
    for packet in container.demux(stream):  # PyAV discards the other streams' packets
        if packet.size == 0:
            continue
        demuxed += 1
        key = bool(packet.is_keyframe)
        seen_key = seen_key or key
        if first_frame is None and failures < 64:
            # Discarded packets are decoded too (later frames may refer to them); the
            # decoder itself drops their pictures, as cv2's decoder does.
            try:
                for frame in packet.decode():
                    first_frame = frame
                    break
            except av.error.FFmpegError:
                failures += 1
        if packet.is_discard:
            continue
        pts = packet.pts if packet.pts is not None else packet.dts
        if pts is not None:
            stamps.append((pts, key, seen_key))
    if stream.frames and demuxed < stream.frames:
        # The container's index promises frames whose data is not in the file.
        raise FootageError(
            f"{path.name} is truncated: its index lists {stream.frames} frames but only "
            f"{demuxed} are in the file (an incomplete copy or an unfinished recording)."
        )
    if first_frame is None and stamps:
        try:  # a decoder with delay gives its first picture only when flushed
            for frame in stream.codec_context.decode(None):
                first_frame = frame
                break
        except av.error.FFmpegError:
            pass
    if any(key for _, key, _ in stamps):  # a file cut mid-GOP: the decoder skips the start
        stamps = [s for s in stamps if s[2]]
    if not stamps:
        raise FootageError(f"{path.name} has no video frames.")
    if first_frame is None:
        raise FootageError(f"{path.name} has video frames that cannot be decoded.")
    # PyAV gives the display matrix angle counter-clockwise; we store it clockwise.
    rotation = (-int(round(getattr(first_frame, "rotation", 0) or 0))) % 360
    rotation = 90 * round(rotation / 90) % 360
    stamps.sort()
    # Duplicate timestamps (broken muxers) would map two frames to one time: keep one.
    unique: list[tuple[int, bool]] = []
    for pts, key, _ in stamps:
        if unique and unique[-1][0] == pts:
            continue
        unique.append((pts, key))
    origin = unique[0][0]
    times = [float((pts - origin) * base * 1000) for pts, _ in unique]
    start_s = float(start * base) if start is not None else float(origin * base)
    return FrameIndex(times, [k for _, k in unique], float(origin * base), start_s), rotation


# -- the per-user cache ------------------------------------------------------------------
def load_info(path: Path | str, sha256: str | None = None) -> MediaInfo:
    """``probe(path)``, from the user's cache when the file's SHA-256 is given and known."""
    path = Path(path)
    if not sha256:
        return probe(path)
    try:
        stat = path.stat()
    except OSError:
        return probe(path)  # gives the reviewer the right sentence
    target = _cache_file(sha256)
    cached = _read_cache(target, stat)
    if cached is not None:
        cached.path = str(path)
        return cached
    info = probe(path)
    _write_cache(target, info, stat)
    return info


def remember(path: Path | str, sha256: str, info: MediaInfo) -> None:
    """Keep a ``probe`` result just made (e.g. while importing footage) for ``load_info``."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return
    if info.index is not None:
        _write_cache(_cache_file(sha256), info, stat)


def _cache_file(sha256: str) -> Path:
    name = "".join(ch for ch in sha256.lower() if ch in "0123456789abcdef")[:64] or "unknown"
    return paths.cache_dir("frame-index") / f"{name}.json"


def _read_cache(target: Path, stat: os.stat_result) -> MediaInfo | None:
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION:
            return None
        if data["size"] != stat.st_size or data["mtime_ns"] != stat.st_mtime_ns:
            return None
        fields = dict(data["info"])
        fields["index"] = FrameIndex.from_json(data["index"])
        return MediaInfo(**fields)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.info("Ignoring unreadable frame-index cache %s: %s", target, exc)
        return None


def _write_cache(target: Path, info: MediaInfo, stat: os.stat_result) -> None:
    data = {
        "version": CACHE_VERSION,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "info": info.as_json(),
        "index": info.index.to_json() if info.index else None,
    }
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        Path(tmp).replace(target)
    except OSError as exc:  # a cache that cannot be written only costs time later
        log.info("Could not cache the frame index in %s: %s", target, exc)
        if tmp:
            Path(tmp).unlink(missing_ok=True)
