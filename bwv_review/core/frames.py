"""Decoded frames and where they are kept: ``Frame``, the byte-bounded ``FrameCache``, and
the PyAV reader ``VideoSource`` uses for jumps cv2 would pre-roll through a whole GOP."""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from .frame_index import FrameIndex

DEFAULT_CACHE_BYTES = 16 * 1920 * 1080 * 3  # 16 frames of 1080p, about 100 MB


@dataclass(frozen=True)
class Frame:
    index: int  # 0 = first decoded frame
    time_ms: float  # presentation time from the first frame (the frame-time index)
    # H x W x 3 uint8, C-contiguous, rotated for display; read-only. RGB, unless the source
    # was opened with pixel_format="bgr" (the player's: cv2's own order, saving a pass).
    image: np.ndarray
    pixel_format: str = "rgb"  # "rgb" or "bgr": the channel order of ``image``


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


class _AvReader:
    """PyAV decoding of the footage's video stream, for the jumps cv2 makes expensively.

    Speaks the part of cv2.VideoCapture that VideoSource uses (grab, retrieve, release),
    with the time of the frame held in index time (``index_ms``) instead of cv2's.
    """

    def __init__(self, path: Path, index: FrameIndex):
        self._container = av.open(os.fspath(path), metadata_errors="replace")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._base = self._stream.time_base
        self._index = index
        self._frames = None
        self._frame = None

    def seek(self, frame: int) -> None:
        """Position at the keyframe at or before frame ``frame`` (by its presentation time)."""
        index = self._index
        pts = round((index.times_ms[frame] / 1000 + index.origin_s) / self._base)
        self._container.seek(pts, stream=self._stream, backward=True)
        self._frames = self._container.decode(self._stream)
        self._frame = None

    def rewind(self) -> None:
        self._container.seek(0, stream=self._stream, backward=True)  # to the first packet
        self._frames = self._container.decode(self._stream)
        self._frame = None

    def grab(self) -> bool:
        try:
            self._frame = next(self._frames) if self._frames is not None else None
        except (StopIteration, av.error.FFmpegError):
            self._frame = None
        return self._frame is not None

    def index_ms(self) -> float | None:
        """The held frame's presentation time in index time (ms from frame 0), if it has one."""
        if self._frame is None or self._frame.pts is None:
            return None
        return float(self._frame.pts * self._base) * 1000 - self._index.origin_s * 1000

    def retrieve(self) -> tuple[bool, np.ndarray | None]:
        if self._frame is None:
            return False, None
        # What cv2 does: sws_scale to BGR24 with SWS_BICUBIC and default colour details.
        return True, self._frame.to_ndarray(format="bgr24", interpolation="BICUBIC")

    def release(self) -> None:
        self._frames = self._frame = None
        self._container.close()
