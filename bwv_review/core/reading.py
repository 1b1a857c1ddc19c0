"""A pass through a footage file in order: what the redacted copy and the face search read.

The player jumps about the file (``media.VideoSource``); a redacted copy or a face search
reads it once, from the start (or from the keyframe before a stretch) to the end, every
frame decoded once and handed over as FFmpeg decoded it (no colour conversion unless the
caller asks for one), with the sound decoded alongside when asked for. Both name frames
the same way: FFmpeg's best-effort time matched against the frame-time index (or, for
files indexed by decoding, the decoder's own stamps), else the number after the frame
before, so frame N of a pass is frame N the player shows and the still exported.

A frame that cannot be named in its place is never renumbered to fit: a pass that must
see every frame (``every_frame=True``, the copy) refuses with a sentence when a frame is
missing, repeated or out of order, or when a packet cannot be decoded; one that need not
(the face search) skips it and reads on.

Only ``core.footage`` opens a pass (``Footage.read_through``); this module is its machinery.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from .errors import FootageError
from .frame_index import BestEffort, MediaInfo, rewind

log = logging.getLogger(__name__)

UNNAMED_LIMIT = 64  # frames read after a seek without one that can be named: start again from the top


@dataclass
class Picture:
    """One decoded frame, in order: its number and index time, and FFmpeg's own frame."""

    number: int
    time_ms: float
    frame: av.VideoFrame  # as decoded; call make_writable() before painting on it


class Pass:
    """Frames ``first`` to ``last`` (all by default) of one file, in order, and on request
    the sound between them (``av.AudioFrame`` items, timed by their own stamps; frame 0 is
    at ``origin_s`` of the stream clock). Use as a context manager; iterate once."""

    def __init__(self, path: Path | str, info: MediaInfo, first: int = 0, last: int | None = None,
                 sound: bool = False, every_frame: bool = True):
        self.path = Path(path)
        self.info = info
        self.index = info.index
        count = len(self.index)
        self.first = max(0, int(first))
        self.last = count - 1 if last is None else min(int(last), count - 1)
        self.every_frame = every_frame
        self.errors = 0  # packets FFmpeg could not decode (skipped when not every_frame)
        try:
            self._container = av.open(os.fspath(self.path), metadata_errors="replace")
        except av.error.FFmpegError as exc:
            raise FootageError(f"{self.path.name} could not be opened to read it through ({exc}).") from exc
        streams = self._container.streams
        self.video = streams.video[0]
        self.video.thread_type = "AUTO"
        self.audio = streams.audio[0] if sound and streams.audio else None
        # What the pass leaves out (data, subtitles, second sound tracks): the copy says so.
        self.others = [s for s in streams if s is not self.video and s is not self.audio]
        self.base = Fraction(self.video.time_base) if self.video.time_base else Fraction(1, 90000)
        self.origin_s = float(self.index.origin_s)

    # -- reading ---------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Picture | av.AudioFrame]:
        try:
            yield from self._read()
        except av.error.FFmpegError as exc:
            raise FootageError(f"{self.path.name} could not be read through ({exc}).") from exc

    def _read(self) -> Iterator[Picture | av.AudioFrame]:
        from_top = not self._seek_to(self.first)
        expected = self.first  # the number the next frame handed over must have
        number: int | None = -1 if from_top else None  # the frame before, once known
        unnamed = 0
        guess = BestEffort(self.base, self.origin_s)
        streams = [self.video] if self.audio is None else [self.video, self.audio]
        packets = self._container.demux(*streams)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            try:
                decoded = packet.decode()
            except av.error.FFmpegError as exc:
                self._damaged(packet, exc)
                continue
            if packet.stream is not self.video:
                yield from decoded
                continue
            for frame in decoded:
                found = self.index.identify(frame.pts, frame.dts, guess(frame))
                if found is None and number is not None:
                    found = number + 1  # no usable time: the one after the frame before
                if found is None:  # after a seek, before any frame could be named
                    unnamed += 1
                    if unnamed > UNNAMED_LIMIT:
                        packets, number, from_top = self._from_top(guess), -1, True
                        break
                    continue
                if not from_top and expected == self.first and found > self.first:
                    # The seek landed past the first frame wanted: from the top is always exact.
                    packets, number, from_top = self._from_top(guess), -1, True
                    break
                number = found
                if found < expected:
                    if expected > self.first:
                        self._out_of_order(expected, found)
                    continue  # decoded on the way to the first frame wanted
                if found > expected:
                    self._missing(expected, found)
                if found > self.last:
                    if self.every_frame and self.last == len(self.index) - 1:
                        raise FootageError(f"{self.path.name} decoded to more frames than its index holds "
                                           f"({found + 1}); no exact copy can be made of it.")
                    return
                yield Picture(found, self.index.times_ms[found], frame)
                expected = found + 1
        if expected <= self.last and self.every_frame:
            raise FootageError(
                f"Only frames {self.first} to {expected - 1} of {self.path.name} could be decoded (it has "
                f"{self.last + 1}); nothing can be made that claims to hold them all."
            )

    def _seek_to(self, first: int) -> bool:
        """Seek to the keyframe before frame ``first``; False when reading from the top."""
        key = self.index.keyframe_before(first)
        if key <= 0:
            rewind(self._container, self.video)
            return False
        target = int((self.index.times_ms[key] / 1000 + self.origin_s) / self.base)
        self._container.seek(target, stream=self.video, backward=True)
        self.video.codec_context.flush_buffers()
        return True

    def _from_top(self, guess: BestEffort):
        log.info("%s: the seek did not land before frame %d; reading from the start", self.path.name, self.first)
        rewind(self._container, self.video)
        if self.audio is not None:
            self.audio.codec_context.flush_buffers()
        guess.reset()
        streams = [self.video] if self.audio is None else [self.video, self.audio]
        return self._container.demux(*streams)

    def _damaged(self, packet, exc: Exception) -> None:
        self.errors += 1
        if self.every_frame:
            kind = "picture" if packet.stream is self.video else "sound"
            raise FootageError(
                f"A {kind} packet of {self.path.name} could not be decoded ({exc}); no exact copy of the "
                "footage can be made from it."
            ) from exc
        log.debug("%s: skipping a damaged packet: %s", self.path.name, exc)

    def _missing(self, expected: int, found: int) -> None:
        if self.every_frame:
            raise FootageError(
                f"Frame {expected} of {self.path.name} did not come out of the decoder (frame {found} came "
                "next); nothing can be made that claims to hold every frame."
            )
        log.info("%s: frames %d to %d were not decoded", self.path.name, expected, found - 1)

    def _out_of_order(self, expected: int, found: int) -> None:
        if self.every_frame:
            raise FootageError(
                f"Frame {found} of {self.path.name} came out of the decoder again after frame {expected - 1}; "
                "nothing can be made that claims to hold every frame once, in order."
            )

    # -- the handle --------------------------------------------------------------------------
    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> Pass:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
