"""Which regions to cover on which frame, worked out once for a whole copy or preview.

Each picture redaction's frames are found by bisecting the frame-time index (frame ``i``
is on screen from ``times[i]`` until ``times[i + 1]``, the last until the end of the
footage), so asking for frame ``n``'s regions costs a look at the few redactions active
around it, not a pass over all of them.
"""

from __future__ import annotations

import bisect

from .model import Box, Redaction
from .render import Orientation, cell_size


class Plan:
    def __init__(self, redactions: list[Redaction], times_ms: list[float], duration_ms: float,
                 orientation: Orientation):
        self.times = times_ms
        self.duration = max(float(duration_ms), times_ms[-1] if times_ms else 0.0)
        self.orientation = orientation
        self._spans: list[tuple[int, int, Redaction, int]] = []
        for r in redactions:
            if r.kind != "picture" or not r.keyframes:
                continue
            first, last = self.frames_of(r)
            if first <= last:
                cell = cell_size([orientation.to_coded(k.box) for k in r.keyframes])
                self._spans.append((first, last, r, cell))
        self._spans.sort(key=lambda span: span[0])
        self._starts = [span[0] for span in self._spans]

    def frames_of(self, r: Redaction) -> tuple[int, int]:
        """First and last frame (inclusive) on screen at any moment of ``[start, end]``."""
        times = self.times
        first = max(0, bisect.bisect_right(times, r.start_ms) - 1)
        last = bisect.bisect_right(times, r.end_ms) - 1
        if first < len(times) and self.shown_until(first) <= r.start_ms:
            first += 1  # that frame is gone before the interval starts
        return first, min(last, len(times) - 1)

    def shown_until(self, n: int) -> float:
        return self.times[n + 1] if n + 1 < len(self.times) else self.duration

    def boxes(self, n: int) -> list[tuple[Redaction, Box]]:
        """(redaction, box as shown) for every region covered on frame ``n``."""
        out = []
        shown_from, shown_to = self.times[n], self.shown_until(n)
        for _first, _last, r, _cell in self._active(n):
            box = r.frame_box(shown_from, shown_to)
            if box is not None:
                out.append((r, box))
        return out

    def regions(self, n: int) -> list[tuple[Box, str, str, int]]:
        """(box in coded pixels, shape, style, cell) for every region covered on frame ``n``."""
        out = []
        shown_from, shown_to = self.times[n], self.shown_until(n)
        for _first, _last, r, cell in self._active(n):
            box = r.frame_box(shown_from, shown_to)
            if box is not None:
                out.append((self.orientation.to_coded(box), r.shape, r.style, cell))
        return out

    def _active(self, n: int):
        stop = bisect.bisect_right(self._starts, n)
        return [span for span in self._spans[:stop] if span[1] >= n]
