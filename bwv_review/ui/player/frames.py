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
