"""Which frame is on screen at a time, and when each frame starts (Qt-free).

Times are the decoder's presentation times from the frame-time index, so variable frame
rate footage maps correctly; a source without an index is taken as constant rate.
"""

from __future__ import annotations

import bisect


class FrameTimes:
    def __init__(self, info=None) -> None:
        self.times: list[float] = []
        self.fps = 25.0
        if info is None:
            return
        self.fps = float(getattr(info, "fps", 0) or 0) or 25.0
        index = getattr(info, "index", None)
        if index is not None and index.times_ms:
            self.times = list(index.times_ms)
        else:
            step = 1000.0 / self.fps
            self.times = [i * step for i in range(int(getattr(info, "frame_count", 0) or 0))]

    @property
    def count(self) -> int:
        return len(self.times)

    @property
    def frame_ms(self) -> float:
        """A typical frame's duration."""
        return 1000.0 / self.fps

    def index_at(self, ms: float) -> int:
        """The last frame whose presentation time is at or before ``ms``."""
        return max(0, bisect.bisect_right(self.times, ms + 1e-6) - 1)

    def time_of(self, index: int) -> float:
        if not self.times:
            return 0.0
        return self.times[max(0, min(index, len(self.times) - 1))]

    def clamp(self, ms: float) -> float:
        """Into [0, start of the last frame]."""
        if not self.times:
            return max(0.0, float(ms))
        return max(0.0, min(float(ms), self.times[-1]))


def skim_request(index, frames: FrameTimes, due: int, have: int, queued: bool, speed: float,
                 gap_ms: float) -> tuple[int, bool] | None:
    """What skimming decodes next: (frame number, True for a reference frame between
    keyframes / False for a keyframe), or None for nothing now.

    ``index``: the frame-time index (keyframes); ``due``: the frame the clock is at; ``have``:
    the newest frame shown or waiting; ``queued``: a frame is waiting to be shown.
    Behind the clock: the keyframe due now. Ahead: the next keyframe, and when keyframes are
    more than ``gap_ms`` of wall time apart at this speed, first a reference frame half-way.
    """
    due_key = index.keyframe_before(due)
    if due_key > have:
        return due_key, False
    if queued:
        return None
    following = index.keyframe_after(have)
    if following is None:
        return None
    if have == index.keyframe_before(have):
        start, end = frames.time_of(have), frames.time_of(following)
        if (end - start) / speed > gap_ms:
            middle = frames.index_at((start + end) / 2)
            if middle > have:
                return middle, True
    return following, False
