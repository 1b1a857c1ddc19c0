"""Decoded frames and where they are kept: ``Frame``, the byte-bounded ``FrameCache``, and
``Decoder``, the one PyAV decoder of a footage file's video track."""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av

from .frame_index import BestEffort, FrameIndex, rewind

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

DEFAULT_CACHE_BYTES = 16 * 1920 * 1080 * 3  # 16 frames of 1080p, about 100 MB

# Channel orders a picture can be asked in, and the FFmpeg pixel format giving it directly
# (one swscale pass from the decoder's own format, no second conversion anywhere).
PIXEL_FORMATS = {"rgb": "rgb24", "bgr": "bgr24", "bgra": "bgra"}


@dataclass(frozen=True)
class Frame:
    index: int  # 0 = first decoded frame
    time_ms: float  # presentation time from the first frame (the frame-time index)
    # H x W x C uint8, C-contiguous, rotated for display; read-only. RGB unless the source
    # was opened with another pixel_format ("bgr", or "bgra" for the player's RGB32 images).
    image: np.ndarray
    pixel_format: str = "rgb"
    deinterlaced: bool = False  # the picture was deinterlaced at the reviewer's request
    # The decoder flagged the picture damaged even when decoded from the start of the file
    # (the file itself is damaged there): shown, but never without saying so.
    damaged: bool = False


_ALLOCATOR_TUNED = False


def keep_freed_pictures() -> None:
    """Let glibc keep freed picture buffers for reuse instead of handing them back to the
    system: a decoded 1080p RGB32 picture is 8 MB, and with a few of them held in the frame
    cache glibc unmaps each freed one, so every new picture faulted in 2,000 fresh pages
    (measured: 15-20 % more CPU than a bare decode loop; none with this). Process-wide and
    once; a no-op where the C library is not glibc (Windows, macOS, musl)."""
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED or not sys.platform.startswith("linux"):
        return
    _ALLOCATOR_TUNED = True
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)  # the most glibc accepts on 64-bit
        libc.mallopt(m_trim_threshold, 48 * 1024 * 1024)
    except (OSError, AttributeError):
        log.debug("allocator not tuned (no glibc)")


class FrameCache:
    """Least-recently-used decoded frames, bounded by the bytes of their pictures."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES):
        self.max_bytes = max(0, int(max_bytes))
        self._frames: OrderedDict[int, Frame] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __contains__(self, index: int) -> bool:
        return index in self._frames

    def __len__(self) -> int:
        return len(self._frames)

    def get(self, index: int) -> Frame | None:
        frame = self._frames.get(index)
        if frame is None:
            self.misses += 1
            return None
        self.hits += 1
        self._frames.move_to_end(index)
        return frame

    def put(self, frame: Frame) -> None:
        old = self._frames.pop(frame.index, None)
        if old is not None:
            self.bytes -= old.image.nbytes
        if frame.image.nbytes > self.max_bytes:
            return
        self._frames[frame.index] = frame
        self.bytes += frame.image.nbytes
        while self.bytes > self.max_bytes:
            _, dropped = self._frames.popitem(last=False)
            self.bytes -= dropped.image.nbytes

    def capacity(self, frame_bytes: int) -> int:
        return self.max_bytes // max(1, frame_bytes)

    def clear(self) -> None:
        self._frames.clear()
        self.bytes = 0


class Decoder:
    """PyAV decoding of the footage's first video track, each frame identified by number.

    A frame is identified by its best-effort time matched against the index; a frame
    without one takes the number after the frame before it (FFmpeg's own numbering is the
    order the decoder puts frames out). ``grab`` returns the number of the frame now held
    (None at the end, or when a frame cannot be identified yet after a seek).
    """

    def __init__(self, path: Path, index: FrameIndex):
        self._container = av.open(os.fspath(path), metadata_errors="replace")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._base = Fraction(self._stream.time_base) if self._stream.time_base else Fraction(1, 90000)
        self._index = index
        self._frames = None
        self.frame = None  # the av.VideoFrame held
        self.number: int | None = None  # its frame number
        self._guess = BestEffort(self._base, index.origin_s)
        self.errors = 0
        self._prime()

    def _prime(self) -> None:
        """Decode the first keyframe once, then rewind: parameter sets that arrive in-band
        with it (not in the header) are then known to a decoder that seeks straight away.
        Without this, a jump made first in a file can decode into a damaged picture, as
        ``ffmpeg -ss`` does on such files."""
        try:
            for packet in self._container.demux(self._stream):
                if packet.size and packet.is_keyframe:
                    packet.decode()
                    break
        except av.error.FFmpegError:
            pass
        self.rewind()

    def seek_to(self, ms: float) -> None:
        """Position at the keyframe at or before index time ``ms``."""
        pts = int((ms / 1000 + self._index.origin_s) / self._base)
        self._container.seek(pts, stream=self._stream, backward=True)
        self._restart()

    def rewind(self) -> None:
        rewind(self._container, self._stream)
        self._restart()
        self.number = -1  # from the start, a frame with no time is the next in line: 0 first

    def _restart(self) -> None:
        self._stream.codec_context.flush_buffers()
        self._frames = self._decode()
        self.frame, self.number = None, None
        self._guess.reset()

    def _decode(self):
        for packet in self._container.demux(self._stream):
            try:
                yield from packet.decode()
            except av.error.FFmpegError as exc:  # one damaged packet: FFmpeg skips it too
                self.errors += 1
                log.debug("skipping a damaged packet: %s", exc)

    def set_skip(self, which: str) -> None:
        """FFmpeg's skip_frame: "DEFAULT" decodes every frame, "NONREF" skips the frames no
        other frame refers to (skimming). Takes effect from the next packet; seek after."""
        self._stream.codec_context.skip_frame = which

    def grab(self) -> int | None:
        if self._frames is None:
            self.rewind()
        try:
            frame = next(self._frames)
        except (StopIteration, av.error.FFmpegError):
            self.frame, self.number = None, None
            return None
        found = self._index.identify(frame.pts, frame.dts, self._guess(frame))
        if found is None and self.number is not None:
            found = self.number + 1  # no usable time: count on from the frame before
        self.frame, self.number = frame, found
        return found

    def picture(self, pixel_format: str) -> np.ndarray:
        """The held frame converted (one swscale pass) to packed ``pixel_format``."""
        return self.frame.to_ndarray(format=PIXEL_FORMATS[pixel_format])

    def close(self) -> None:
        self._frames = self.frame = None
        self._container.close()
