"""Exact frames from one footage file: ``VideoSource``, FFmpeg's own decoder through PyAV.

Which frame is shown at time T is decided by the frame-time index (``frame_index.probe``):
the last frame whose presentation time is <= T, time 0 being the first decoded frame. The
pictures come from the same FFmpeg decoder the ffmpeg command line uses, each identified
by its best-effort timestamp against the index (or, having none, by counting on from the
frame before), so frame N is the N-th frame ffmpeg puts out, pixel for pixel.

Why not OpenCV: cv2.VideoCapture was measured returning black interlaced MPEG-2 frames,
garbage DV frames and refusing AV1 (all with success), counting frames by ``fps`` on
variable-rate footage, and dropping frames whose packets carry no timestamp. OpenCV still
does picture work elsewhere (burn-in, PNG for exports); it never decodes footage.

A jump seeks to the keyframe before the wanted frame and decodes forward; if the demuxer
lands past it (MPEG-TS seeks by time are approximate) it seeks further back, and finally
rewinds to the start, which is always exact. Playing forward reads on without seeking,
converting only the frames handed out. Recent frames are kept in a byte-bounded LRU cache
(16 frames of 1080p); a jump keeps a few frames before the target that were decoded
anyway, and a step back that misses keeps a run up to the wanted frame, so stepping back
while paused is nearly always a cache hit.

Interlaced footage is shown as decoded (both fields woven) unless ``deinterlace=True``:
then each interlaced frame is deinterlaced from its own two fields (yadif given the frame
alone, so no neighbouring frame's picture is ever mixed in), and ``Frame.deinterlaced``
says so, for the burn-in and the statement.
"""

from __future__ import annotations

import logging
import threading
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av

from .errors import FootageError
from .frame_index import FrameIndex, MediaInfo, probe
from .frames import (
    DEFAULT_CACHE_BYTES,
    PIXEL_FORMATS,
    Decoder,
    Frame,
    FrameCache,
    keep_freed_pictures,
)
from .index_cache import load_info

if TYPE_CHECKING:  # numpy loads with the first picture: a PNG still needs none
    import numpy as np

__all__ = ["Frame", "FrameIndex", "MediaInfo", "VideoSource", "load_info", "probe"]

log = logging.getLogger(__name__)

MAX_FILL = 60  # frames kept from one backward decode, at most
# Reading forward through this many frames more than a seek would decode is still cheaper
# than the seek.
FORWARD_SLACK = 12
# A jump keeps this many frames before the one asked for (when that costs no extra
# decoding), so the first steps back after it are cache hits.
LOOKBACK = 6
UNNAMED_LIMIT = 64  # frames read after a seek without one that can be identified


class VideoSource:
    """One footage file: metadata, exact frames by time or number, sequential reading.

    Thread-safe (one lock around every seek and read); opens the file on first use.
    ``info`` may be handed in when already known (the footage owner probes once).
    ``pixel_format``: "rgb" (stills, exports), "bgr", or "bgra" (the player: Qt's RGB32).
    """

    def __init__(self, path: Path | str, sha256: str | None = None, cache_bytes: int = DEFAULT_CACHE_BYTES,
                 pixel_format: str = "rgb", deinterlace: bool = False, info: MediaInfo | None = None):
        if pixel_format not in PIXEL_FORMATS:
            raise ValueError(f"pixel_format must be one of {sorted(PIXEL_FORMATS)}, not {pixel_format!r}")
        self.pixel_format = pixel_format
        if pixel_format == "bgra":  # the player's full-size pictures
            keep_freed_pictures()
        self.deinterlace = bool(deinterlace)
        self.path = Path(path)
        self.sha256 = sha256
        self._lock = threading.RLock()
        self._info: MediaInfo | None = info
        self._dec: Decoder | None = None
        self._next: int | None = None  # the frame the decoder's next grab returns, when known
        self._last = -1  # the frame handed out last (next_frame continues from it)
        self.cache = FrameCache(cache_bytes)
        self.seeks = 0  # seeks made (tests and benchmarks read these counters)
        self.grabs = 0  # frames decoded
        self.converted = 0  # frames converted to pictures

    # -- public API ----------------------------------------------------------------------
    @property
    def info(self) -> MediaInfo:
        if self._info is not None:  # never wait for a decode in progress just to read this
            return self._info
        with self._lock:
            if self._info is None:
                self._info = load_info(self.path, self.sha256)
            return self._info

    @property
    def index(self) -> FrameIndex:
        index = self.info.index
        assert index is not None
        return index

    def frame_at(self, ms: float) -> Frame:
        """The frame on screen at ``ms``: the last one whose time is <= ms (clamped to the file)."""
        with self._lock:
            return self._get(self.index.at(float(ms)))

    def frame(self, index: int) -> Frame:
        """Frame number ``index`` (0 = the first decoded frame)."""
        with self._lock:
            count = self.info.frame_count
            if not 0 <= int(index) < count:
                raise FootageError(
                    f"{self.path.name} has frames 0 to {count - 1}; there is no frame {index}."
                )
            return self._get(int(index))

    def next_frame(self) -> Frame | None:
        """The frame after the one handed out last (the first, to begin with); None at the end."""
        with self._lock:
            following = self._last + 1
            if following >= self.info.frame_count:
                return None
            return self._get(following)

    def keyframe_at(self, ms: float) -> Frame:
        """The keyframe at or before ``ms``, decoded alone (skimming: one seek, no reading on)."""
        with self._lock:
            key = self.index.keyframe_before(self.index.at(float(ms)))
            frame = self.cache.get(key)
            if frame is None:
                frame = self._decode(key, key, force_seek=self._next != key)
            self._last = key
            return frame

    def reference_frame_at(self, ms: float) -> Frame:
        """Skimming between keyframes: the last frame at or before ``ms`` that other frames
        refer to, reached from its keyframe decoding only such frames (FFmpeg's skip_frame
        "nonref": B-frames nobody refers to are skipped, so the pictures decoded are exact)."""
        with self._lock:
            target = self.index.at(float(ms))
            dec = self._decoder()
            dec.set_skip("NONREF")
            try:
                self._seek(dec, self.index.times_ms[self.index.keyframe_before(target)])
                best = None
                while True:
                    got = dec.grab()
                    self.grabs += 1
                    if got is None or got > target:
                        break
                    if got >= self.index.keyframe_before(target) and not dec.frame.is_corrupt:
                        best = self._picture(dec, got)
                if best is None:
                    raise FootageError(f"No picture near {ms:.0f} ms of {self.path.name} could be decoded.")
                return best
            finally:
                dec.set_skip("DEFAULT")
                self._next = None  # frames were skipped: the next request seeks

    def thumbnail(self, ms: float, width: int, height: int) -> np.ndarray:
        """The keyframe at or before ``ms`` as a small RGB picture (scaled by swscale)."""
        with self._lock:
            key = self.index.keyframe_before(self.index.at(float(ms)))
            self._decode(key, key, force_seek=True, picture=False)
            rotation = self.info.rotation
            w, h = (height, width) if rotation % 180 else (width, height)
            image = self._dec.frame.to_ndarray(format="rgb24", width=w, height=h)
            return contiguous(rotated(image, rotation))

    def decoded(self, index: int) -> av.VideoFrame:
        """Frame ``index`` as FFmpeg's own frame object, not converted (a PNG still is encoded
        from it directly). Valid until the next call on this source."""
        with self._lock:
            if not 0 <= int(index) < self.info.frame_count:
                raise FootageError(f"{self.path.name} has frames 0 to {self.info.frame_count - 1}; "
                                   f"there is no frame {index}.")
            self._decode(int(index), int(index), force_seek=not self._forward_is_cheaper(int(index)),
                         picture=False)
            self._last = int(index)
            return self._dec.frame

    def set_deinterlace(self, on: bool) -> None:
        with self._lock:
            if bool(on) != self.deinterlace:
                self.deinterlace = bool(on)
                self.cache.clear()

    def close(self) -> None:
        with self._lock:
            if self._dec is not None:
                self._dec.close()
            self._dec = None
            self._next = None
            self.cache.clear()

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- deciding what to decode ---------------------------------------------------------
    def _get(self, i: int) -> Frame:
        frame = self.cache.get(i)
        if frame is None:
            first = i
            if 0 < self._last - i <= MAX_FILL:  # stepping back: keep the run up to i
                first = self._fill_start(i)
            elif not self._forward_is_cheaper(i):  # a jump: keep a few frames before it too
                first = max(i - LOOKBACK, self.index.keyframe_before(i))
            frame = self._decode(i, first)
        self._last = i
        return frame

    def _fill_start(self, i: int) -> int:
        """Where to start keeping pictures when a step back to ``i`` misses the cache: a full
        chunk (half the cache), or from i's own keyframe, whichever costs less per frame kept
        (a conversion costs about half a decode)."""
        info = self.info
        depth = 4 if self.pixel_format == "bgra" else 3
        fill = min(MAX_FILL, max(1, self.cache.capacity(info.width * info.height * depth) // 2))
        full = max(i - fill + 1, 0)
        lean = min(i, max(full, self.index.keyframe_before(i)))

        def cost_per_frame(first: int) -> float:
            kept = i - first + 1
            return (i - self.index.keyframe_before(first) + 0.5 * kept) / kept

        return full if cost_per_frame(full) <= cost_per_frame(lean) else lean

    def _forward_is_cheaper(self, first: int) -> bool:
        here = self._next
        if here is None or here > first:
            return False
        key = self.index.keyframe_before(first)
        return key <= here or first - here <= FORWARD_SLACK

    def _decoder(self) -> Decoder:
        if self._dec is None:
            index = self.index  # a clear sentence for files that are not video, first
            if not self.path.is_file():
                raise FootageError(f"Footage {self.path} was not found.")
            try:
                self._dec = Decoder(self.path, index)
            except av.error.FFmpegError as exc:
                raise FootageError(f"{self.path.name} could not be opened for decoding ({exc}).") from exc
            self._next = 0  # a decoder just opened reads from the start
        return self._dec

    def _decode(self, i: int, first: int, force_seek: bool = False, picture: bool = True) -> Frame | None:
        """Decode up to frame ``i``, keeping the pictures of frames ``first``..``i`` (with
        ``picture=False`` none: the decoder is left holding frame ``i``)."""
        dec = self._decoder()
        targets = self._seek_targets(first)
        if force_seek or not self._forward_is_cheaper(first):
            self._seek(dec, targets.pop(0))
        unnamed = 0
        while True:
            try:
                got = dec.grab()
            except av.error.FFmpegError as exc:
                raise FootageError(f"Frame {i} of {self.path.name} could not be decoded ({exc}).") from exc
            self.grabs += 1
            if got is None and dec.frame is not None and unnamed < UNNAMED_LIMIT:
                unnamed += 1  # no time to tell which frame this is yet: read on
                continue
            if got is None or got > i:
                # The end came early, or the seek landed past the frame wanted: seek further
                # back; rewinding to the start is always exact.
                if not targets:
                    raise FootageError(
                        f"Frame {i} of {self.path.name} could not be decoded; the file may be damaged."
                    )
                self._seek(dec, targets.pop(0))
                unnamed = 0
                continue
            self._next = got + 1
            damaged = bool(dec.frame.is_corrupt)
            if got == i and damaged and targets:
                # The decoder says this picture is damaged (references it never saw after a
                # jump): decode it again from further back, finally from the very start.
                log.info("%s: frame %d decoded damaged after a seek; decoding it from earlier", self.path.name, i)
                self._seek(dec, targets.pop(0))
                unnamed = 0
                continue
            if got == i and not picture:
                return None
            if got >= first:
                frame = self._picture(dec, got, damaged)
                if not damaged:
                    self.cache.put(frame)
                if got == i:
                    return frame

    def _seek_targets(self, first: int) -> list[float | None]:
        """Where to seek for ``first``: its keyframe, then ever earlier keyframes, then the start
        (None: rewind)."""
        index = self.index
        key = index.keyframe_before(first)
        targets: list[float | None] = []
        if key > 0:
            targets.append(index.times_ms[key])
            earlier = index.keyframe_before(key - 1)
            if earlier > 0:
                targets.append(index.times_ms[earlier])
            back = index.times_ms[key] - 4000.0
            if back > 0:
                targets.append(back)
        targets.append(None)
        return targets

    def _seek(self, dec: Decoder, target: float | None) -> None:
        self.seeks += 1
        self._next = None
        if target is None:
            dec.rewind()
            self._next = 0
        else:
            dec.seek_to(target)

    # -- pictures ------------------------------------------------------------------------
    def _picture(self, dec: Decoder, index: int, damaged: bool = False) -> Frame:
        frame = dec.frame
        deinterlaced = False
        try:
            if self.deinterlace and frame.interlaced_frame:
                image = deinterlaced_picture(frame, self.pixel_format)
                deinterlaced = True
            else:
                image = dec.picture(self.pixel_format)
        except (av.error.FFmpegError, ValueError) as exc:
            raise FootageError(f"Frame {index} of {self.path.name} could not be converted to a picture ({exc}).") from exc
        self.converted += 1
        image = contiguous(rotated(image, self.info.rotation))
        image.flags.writeable = False  # shared with the cache: callers copy before drawing
        return Frame(index, self.index.times_ms[index], image, self.pixel_format, deinterlaced, damaged)


def contiguous(image: np.ndarray) -> np.ndarray:
    """``image`` itself, or a packed copy where swscale's rows carry alignment padding."""
    if image.flags.c_contiguous:
        return image
    import numpy as np

    return np.ascontiguousarray(image)


def rotated(image: np.ndarray, rotation: int) -> np.ndarray:
    """``image`` turned ``rotation`` degrees clockwise (the display matrix), contiguous."""
    if not rotation:
        return image
    import numpy as np

    return np.ascontiguousarray(np.rot90(image, k={90: -1, 180: 2, 270: 1}[rotation]))


def deinterlaced_picture(frame: av.VideoFrame, pixel_format: str) -> np.ndarray:
    """``frame`` deinterlaced, converted to ``pixel_format`` (see ``deinterlaced_frame``)."""
    return deinterlaced_frame(frame).to_ndarray(format=PIXEL_FORMATS[pixel_format])


def deinterlaced_frame(frame: av.VideoFrame) -> av.VideoFrame:
    """``frame`` deinterlaced from its own two fields (yadif, fed the frame as its own past
    and future, so only this frame's picture is used)."""
    graph = av.filter.Graph()
    src = graph.add_buffer(width=frame.width, height=frame.height, format=frame.format.name,
                           time_base=Fraction(1, 1000))
    yadif = graph.add("yadif", "mode=send_frame:parity=auto:deint=all")
    sink = graph.add("buffersink")
    src.link_to(yadif)
    yadif.link_to(sink)
    graph.configure()
    for pts in range(3):
        frame.pts = pts
        src.push(frame)
    src.push(None)
    outs = []
    while True:
        try:
            outs.append(sink.pull())
        except (av.error.EOFError, av.error.BlockingIOError, EOFError):
            break
    middle = outs[1] if len(outs) == 3 else None  # one out per frame in: the middle one
    if middle is None:
        raise ValueError("the deinterlacer gave no picture")
    return middle
