"""Playing at 1x-4x: the frames decoded ahead of the clock, and how far ahead (Qt-free).

The decode thread streams frames in order (``DecodeWorker.post_stream``) inside a window
this keeps in step with the clock: from the frame due now to READ_AHEAD_MS of wall time
past it, capped by READ_AHEAD_BYTES. Frames wait here until the clock reaches them; one
whose time has passed while a later one is also due is dropped (the widget counts every
frame the clock passed over and did not show). Playing starts once frames for PREROLL_MS
are ready, so the first frames are no later than the rest.
"""

from __future__ import annotations

import time

from .frames import FrameTimes

# While playing, frames are decoded ahead of the clock to cover this much wall time, so a
# moment when the decode thread is not scheduled costs no frames; capped by memory.
READ_AHEAD_MS = 250
READ_AHEAD_BYTES = 96 * 1024 * 1024
# The clock starts once the frames due in this much wall time are decoded (at most the
# read-ahead), or after PREROLL_MAX_MS whatever has come: at 4x, 3 frames (at 1x none, so
# playing starts at once); the first frames after a start then come no later than the rest.
PREROLL_MS, PREROLL_MAX_MS = 25, 120


class ReadAhead:
    """Frames (picture, number, time ms, flags) decoded early, in order, for one play or seek."""

    def __init__(self) -> None:
        self.ready: list[tuple] = []
        self.streaming = -1  # the serial the decode thread streams frames for
        self._preroll_until: float | None = None  # monotonic deadline while the clock waits

    def clear(self) -> None:
        self.ready = []

    def frames(self, frames: FrameTimes, info, speed: float) -> int:
        """How many frames to decode ahead of the clock at ``speed``."""
        wanted = int(READ_AHEAD_MS * speed / frames.frame_ms) + 1
        frame_bytes = 4 * max(1, int(getattr(info, "width", 0) or 0) * int(getattr(info, "height", 0) or 0))
        return max(2, min(wanted, READ_AHEAD_BYTES // frame_bytes))

    def due(self, due: int) -> tuple | None:
        """The frame to show now the clock is at frame ``due`` (None: the one shown stays);
        earlier frames also passed are let go (dropped: the widget counts the gap)."""
        ready = self.ready
        if not ready or ready[0][1] > due:
            return None
        while len(ready) > 1 and ready[1][1] <= due:
            ready.pop(0)
        return ready.pop(0)

    def keep(self, frame: tuple) -> None:
        """A frame that came before its time: shown when the clock reaches it."""
        if not self.ready or frame[1] > self.ready[-1][1]:
            self.ready.append(frame)

    def window(self, worker, generation: int, serial: int, due: int, shown: int, limit: int,
               fit: tuple[int, int]) -> None:
        """Start the stream for ``serial`` (from the frame after the last one kept or shown),
        or move its window: decode on from ``due`` at the earliest, to ``limit`` at most."""
        if self.streaming == serial:
            worker.post_window(serial, due, limit, fit)
            return
        from .decoder import FrameRequest  # loaded with the decode thread

        self.streaming = serial
        want = self.ready[-1][1] + 1 if self.ready else (due if shown != due else due + 1)
        worker.post_stream(FrameRequest(generation, index=want, serial=serial, fit=fit), due, limit)

    # -- starting --------------------------------------------------------------------------
    def start_preroll(self) -> None:
        self._preroll_until = time.monotonic() + PREROLL_MAX_MS / 1000

    def stop_preroll(self) -> None:
        self._preroll_until = None

    def prerolling(self) -> bool:
        return self._preroll_until is not None

    def prerolled(self, frames: FrameTimes, info, speed: float, due: int) -> bool:
        """Whether the clock may start: frames for PREROLL_MS are ready (as many as the
        read-ahead and the footage left allow), or it has waited PREROLL_MAX_MS."""
        if self._preroll_until is None or time.monotonic() >= self._preroll_until:
            return True
        enough = min(self.frames(frames, info, speed) - 1, int(PREROLL_MS * speed / frames.frame_ms),
                     frames.count - 1 - due)
        return len(self.ready) >= enough
