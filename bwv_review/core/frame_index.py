"""Footage metadata and the frame-time index (``probe``), kept per file in the user's cache.

Frames are numbered as FFmpeg numbers them: 0 is the first frame its decoder puts out, and
frame N the N-th after it, in presentation order. Each frame's time is its best-effort
timestamp: the packet's presentation time, else its decoding time, else the previous
frame's time plus its duration (as the ffmpeg command line does), counted from frame 0.

``probe`` reads the container with PyAV. Where the packets carry complete timestamps the
index comes from them alone (sorted: B-frames arrive out of order), leaving out packets
the edit list discards and packets before the first keyframe (a file cut mid-GOP). That
index is then checked against the decoder itself on the first frames and on the whole
last GOP. When packets lack timestamps (MPEG-TS from some recorders), or the decoder
disagrees (AVI with packed B-frames puts out one picture fewer than it has packets), the
index is made by decoding every frame instead: slower, once, and exact.

A file is refused as truncated only when its data is really missing: a packet that lies
past the end of the file, or an MP4/MOV whose sample table lists frames that are not
there. A header's frame count that differs from what the file holds (AVI writers get it
wrong) is only noted in ``MediaInfo.notes``.

Demuxing touches every packet, so ``index_cache.load_info`` keeps the result in the user's
cache folder (see there). Nothing is written beside the footage.
"""

from __future__ import annotations

import bisect
import logging
import os
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import av

from .errors import FootageError

log = logging.getLogger(__name__)

MAX_PIXELS = 16384 * 16384  # anything larger is not real footage, and would exhaust memory
CHECK_FRAMES = 12  # frames decoded from the start to check the packet-made index
# Containers whose frame count is their sample table (a promise of data), not a header field.
TABLE_COUNTED = ("mov", "mp4", "m4a", "3gp", "3g2", "mj2")


@dataclass
class FrameIndex:
    """Presentation time (ms from the first frame, float) and keyframe flag of every frame."""

    times_ms: list[float] = field(default_factory=list)
    keyframes: list[bool] = field(default_factory=list)
    # Seconds in the stream's own clock of frame 0, to translate decoder times back.
    origin_s: float = 0.0
    stream_start_s: float = 0.0
    # Index made by decoding: each frame's raw (pts, dts) as the decoder put it out, which
    # identifies a frame after a seek where its best-effort time cannot (AVI with B-frames).
    raw: list[tuple[int | None, int | None]] | None = None

    def __post_init__(self) -> None:
        # Frame 0 always counts: decoding from the start of the file reaches every frame,
        # even where the first keyframe is hidden by an edit list.
        self._key_positions = sorted({0, *(i for i, key in enumerate(self.keyframes) if key)})
        self._by_raw: dict[tuple, int] | None = None
        if self.raw is not None:
            seen: dict[tuple, int] = {}
            for n, pair in enumerate(self.raw):
                pair = tuple(pair)
                seen[pair] = -1 if pair in seen or pair == (None, None) else n
            self._by_raw = {pair: n for pair, n in seen.items() if n >= 0}

    def identify(self, pts: int | None, dts: int | None, ms: float | None) -> int | None:
        """The number of a decoded frame from its raw timestamps (decoded index) or its
        best-effort time; None when they do not say."""
        if self._by_raw is not None:
            return self._by_raw.get((pts, dts))
        return self.match(ms) if ms is not None else None

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

    def keyframe_after(self, index: int) -> int | None:
        """The first keyframe after ``index`` (None after the last)."""
        pos = bisect.bisect_right(self._key_positions, index)
        return self._key_positions[pos] if pos < len(self._key_positions) else None

    def keyframe_positions(self) -> list[int]:
        return list(self._key_positions)

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
            "raw": self.raw,
        }

    @classmethod
    def from_json(cls, data: dict) -> FrameIndex:
        times = [float(t) for t in data["times_ms"]]
        keys = [False] * len(times)
        for i in data["keyframes"]:
            keys[int(i)] = True
        raw = data.get("raw")
        raw = [(a, b) for a, b in raw] if raw is not None else None
        return cls(times, keys, float(data["origin_s"]), float(data["stream_start_s"]), raw)


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
    interlaced: bool = False  # the decoder puts out interlaced frames (both fields woven)
    header_frames: int | None = None  # what the container's header says, when it says
    timestamps: str = "container"  # "container", or "decoded" (index made by decoding)
    notes: list[str] = field(default_factory=list)  # what a reviewer should know about the file
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


class BestEffort:
    """FFmpeg's best-effort timestamp of each decoded frame, in index ms.

    libavcodec's rule (guess_correct_pts): take the frame's pts unless pts have gone
    backwards more often than dts, then the dts; where neither exists, the previous
    frame's time plus its duration, as the ffmpeg command line does. Reset after a seek.
    """

    def __init__(self, base: Fraction, origin_s: float):
        self.base, self.origin_ms = base, origin_s * 1000
        self.reset()

    def reset(self) -> None:
        self._faulty_pts = self._faulty_dts = 0
        self._last_pts = self._last_dts = None
        self._previous_ms: float | None = None

    def __call__(self, frame) -> float | None:
        pts, dts = frame.pts, frame.dts
        if dts is not None:
            self._faulty_dts += self._last_dts is not None and dts <= self._last_dts
            self._last_dts = dts
        elif pts is not None:
            self._last_dts = pts
        if pts is not None:
            self._faulty_pts += self._last_pts is not None and pts <= self._last_pts
            self._last_pts = pts
        elif dts is not None:
            self._last_pts = dts
        stamp = pts if pts is not None and (self._faulty_pts <= self._faulty_dts or dts is None) else dts
        if stamp is not None:
            ms = float(stamp * self.base * 1000) - self.origin_ms
        elif self._previous_ms is not None and frame.duration:
            ms = self._previous_ms + float(frame.duration * self.base * 1000)
        else:
            ms = None
        self._previous_ms = ms
        return ms


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
        stream.thread_type = "AUTO"
        scan = _scan(container, stream, path)
        index, first, how, notes = _checked_index(container, stream, path, scan)
    except av.error.FFmpegError as exc:
        raise FootageError(f"{path.name} cannot be read as video ({_reason(exc)}).") from exc
    finally:
        container.close()
    # PyAV gives the display matrix angle counter-clockwise; we store it clockwise.
    rotation = (-int(round(getattr(first, "rotation", 0) or 0))) % 360
    rotation = 90 * round(rotation / 90) % 360
    interlaced = bool(getattr(first, "interlaced_frame", False))
    times = index.times_ms
    step = _typical_step(times)
    duration = times[-1] + step if len(times) > 1 else 0.0
    width, height = (coded[1], coded[0]) if rotation % 180 else coded
    header = scan.header_frames
    if header and header != len(times):
        notes.append(f"The file's header says {header} frames; {len(times)} are in it and were indexed.")
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
        interlaced=interlaced,
        header_frames=header or None,
        timestamps=how,
        notes=notes,
        index=index,
    )


def _typical_step(times: list[float]) -> float:
    if len(times) < 2:
        return 0.0
    steps = sorted(b - a for a, b in zip(times, times[1:], strict=False))
    return steps[len(steps) // 2]


@dataclass
class _Scan:
    base: Fraction
    stamps: list[tuple[int, bool]]  # pts, keyframe: packets the decoder shows
    missing: int  # packets with no timestamp at all
    header_frames: int


def _scan(container, stream, path: Path) -> _Scan:
    """Every video packet's timestamp, without decoding; refuses data that is not there."""
    base = Fraction(stream.time_base) if stream.time_base else Fraction(1, 90000)
    size = path.stat().st_size
    stamps: list[tuple[int, bool, bool]] = []  # pts, keyframe, after the first keyframe
    seen_key = False
    missing = demuxed = 0
    for packet in container.demux(stream):  # PyAV discards the other streams' packets
        if packet.size == 0:  # a flush, or an AVI "frame dropped" chunk: no picture
            continue
        demuxed += 1
        if packet.pos is not None and packet.pos >= 0 and packet.pos + packet.size > size:
            raise FootageError(
                f"{path.name} is truncated: frame data is missing from byte {size} on "
                "(an incomplete copy or an unfinished recording)."
            )
        key = bool(packet.is_keyframe)
        seen_key = seen_key or key
        if packet.is_discard:
            continue
        pts = packet.pts if packet.pts is not None else packet.dts
        if pts is None:
            missing += 1
            continue
        stamps.append((pts, key, seen_key))
    header = int(stream.frames or 0)
    family = set(container.format.name.split(","))
    if header and demuxed < header and family & set(TABLE_COUNTED):
        raise FootageError(
            f"{path.name} is truncated: its index lists {header} frames but only "
            f"{demuxed} are in the file (an incomplete copy or an unfinished recording)."
        )
    if any(key for _, key, _ in stamps):  # a file cut mid-GOP: the decoder skips the start
        stamps = [s for s in stamps if s[2]]
    if not stamps and not missing:
        raise FootageError(f"{path.name} has no video frames.")
    return _Scan(base, sorted({pts: key for pts, key, _ in reversed(stamps)}.items()), missing, header)


def _from_stamps(scan: _Scan) -> FrameIndex | None:
    if not scan.stamps:
        return None
    origin = scan.stamps[0][0]
    base = scan.base
    times = [float((pts - origin) * base * 1000) for pts, _ in scan.stamps]
    return FrameIndex(times, [key for _, key in scan.stamps], float(origin * base), float(origin * base))


def _decode_times(container, stream, base: Fraction, origin_s: float, limit: int | None = None):
    """(time ms or None, keyframe, raw pts, raw dts) of each frame the decoder puts out from
    the current position, the first frame, and how many packets failed to decode (skipped,
    as FFmpeg skips them)."""
    out: list[tuple[float | None, bool, int | None, int | None]] = []
    first = None
    errors = 0
    guess = BestEffort(base, origin_s)

    def take(frames) -> bool:
        nonlocal first
        for frame in frames:
            if first is None:
                first = frame
            out.append((guess(frame), bool(frame.key_frame), frame.pts, frame.dts))
            if limit is not None and len(out) >= limit:
                return True
        return False

    for packet in container.demux(stream):
        try:
            if take(packet.decode()):
                break
        except av.error.FFmpegError:
            errors += 1
    return out, first, errors


def _checked_index(container, stream, path: Path, scan: _Scan):
    """The packet-made index if the decoder agrees with it; else one made by decoding."""
    index = _from_stamps(scan)
    base = scan.base
    rewind(container, stream)
    origin = index.origin_s if index is not None else 0.0
    head, first, _ = _decode_times(container, stream, base, origin, CHECK_FRAMES)
    if first is None:
        raise FootageError(f"{path.name} has video frames that cannot be decoded.")
    trusted = index is not None and not scan.missing and _agrees(head, index.times_ms[: len(head)])
    if trusted and len(index) > len(head):
        trusted = _tail_agrees(container, stream, index, base)
    if trusted:
        return index, first, "container", []
    log.info("%s: frame times taken by decoding every frame", path.name)
    rewind(container, stream)
    frames, first_again, errors = _decode_times(container, stream, base, 0.0)
    if not frames:
        raise FootageError(f"{path.name} has video frames that cannot be decoded.")
    raw = [(f[2], f[3]) for f in frames]
    keys = [f[1] for f in frames]
    if index is not None and not scan.missing and len(index) == len(frames):
        # As many pictures as timed packets: the packets' (sorted) times are the frames'
        # times; only telling frames apart needs the decoder's own stamps.
        index = FrameIndex(index.times_ms, keys, index.origin_s, index.stream_start_s, raw)
    else:
        times = _fill(frames)
        zero = times[0]
        index = FrameIndex([t - zero for t in times], keys, zero / 1000, zero / 1000, raw)
    notes = []
    if scan.missing:
        notes.append(f"{scan.missing} video packets carry no timestamp; their frames are timed "
                     "as FFmpeg times them (best effort from the frames around them).")
    else:
        notes.append("The container's timestamps do not match the decoded frames; frame times "
                     "were read by decoding every frame.")
    if errors:
        notes.append(f"{errors} damaged video packets could not be decoded; their pictures are missing.")
    return index, first_again or first, "decoded", notes


def rewind(container, stream) -> None:
    """Back to the first packet (a file whose timestamps start late has no keyframe at or
    before 0 to seek back to: then the first keyframe after it)."""
    try:
        container.seek(0, stream=stream, backward=True)
    except av.error.FFmpegError:
        container.seek(0, stream=stream, backward=False)
    stream.codec_context.flush_buffers()


def _agrees(decoded: list[tuple], times: list[float]) -> bool:
    return len(decoded) == len(times) and all(
        d[0] is not None and abs(d[0] - t) <= 0.5 for d, t in zip(decoded, times, strict=True)
    )


def _tail_agrees(container, stream, index: FrameIndex, base: Fraction) -> bool:
    """The last GOP decodes to exactly the index's last frames (B-frame packing, a damaged
    tail and muxers that count one packet too many all show here)."""
    key = index.keyframe_before(len(index) - 1)
    # Seek a GOP (or a second) earlier: MPEG-TS seeking by time may land past a keyframe.
    before = index.keyframe_before(max(0, key - 1))
    start_ms = min(index.times_ms[before], index.times_ms[key] - 1000)
    target = round((start_ms / 1000 + index.origin_s) / base)
    container.seek(target, stream=stream, backward=True)
    stream.codec_context.flush_buffers()
    decoded, _, _ = _decode_times(container, stream, base, index.origin_s)
    stamps = [d[0] for d in decoded if d[0] is not None]
    want = index.times_ms[key:]
    got = [ms for ms in stamps if ms >= index.times_ms[key] - 0.5]
    return len(stamps) == len(decoded) and _agrees([(g,) for g in got], want)


def _fill(frames: list[tuple]) -> list[float]:
    """Best-effort times made strictly increasing; frames with none get their neighbour's
    time plus the typical step (the ffmpeg command line's rule)."""
    known = [f[0] for f in frames if f[0] is not None]
    step = _typical_step(sorted(known)) or 40.0
    out: list[float] = []
    for ms, *_ in frames:
        if ms is None or (out and ms <= out[-1]):
            ms = (out[-1] + step) if out else 0.0
        out.append(ms)
    return out
