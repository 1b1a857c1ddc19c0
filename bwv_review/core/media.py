"""Exact frames from one footage file: ``VideoSource`` over a single cv2.VideoCapture.

Which frame is shown at time T is decided by the frame-time index (``frame_index.probe``:
PyAV packet timestamps, sorted): the last frame whose presentation time is <= T, time 0
being the first decoded frame. cv2 only supplies pictures, and every picture it hands over
is identified by its own decoder timestamp (CAP_PROP_POS_MSEC), matched against the index.

Why not just trust cv2's seeking: cv2 turns a time or frame number into a frame number
with ``fps`` (av_guess_frame_rate), seeks 16 such "frames" earlier and then *counts* grabs
until it believes it has arrived. On constant-rate files that is exact (all our test
formats, B-frames, open GOPs and edit lists included); on variable-frame-rate footage
(phones, many body-worn cameras) the count drifts: on our VFR test clips 26-32 of 40
CAP_PROP_POS_MSEC seeks landed on the wrong frame and 8 ran off the end of the file.
CAP_PROP_FRAME_COUNT is nb_frames or duration * fps: wrong for VFR MKV (155 for 90
frames), edit lists (counts the hidden packets) and files that start mid-GOP. And where the
container has no presentation times (AVI with B-frames) cv2's frame times run a constant
two frames late. So here a seek is only a way to get *at or before* the wanted frame: each
frame cv2 decodes is identified by its timestamp (offset calibrated on the first frames);
if a seek lands past the target we seek further back (finally to the start, always exact)
and read forward, grabbing without converting until the wanted frames.

cv2's pre-roll has a price: for a frame in the first 16 of its GOP, cv2 decodes the whole
previous GOP as well. Those jumps are made with PyAV instead (``_AvReader``): seek to the
frame's own keyframe and decode forward, each frame again identified by its timestamp
against the index. PyAV's frame times are checked against the index on the first frames
of the file before it is trusted with any jump (else cv2 does them all), and its pictures
come out of the same swscale conversion cv2 uses (yuv -> BGR24, bicubic, default
colourspace), so a frame looks the same whichever decoder reached it. Playback then reads
on with whichever decoder made the last jump.

Recent frames are kept in a byte-bounded LRU cache (96 MB: 16 frames of 1080p, what
stepping back needs; the player keeps its own read-ahead, so playing forward needs no
more). A jump
keeps the few frames before the target that cv2 decodes anyway, and a step back that
misses keeps a chunk up to the wanted frame, chosen by decoding cost per frame kept, so
stepping back while paused is nearly always a cache hit.
"""

from __future__ import annotations

import bisect
import logging
import os
import threading
from pathlib import Path

import av
import cv2
import numpy as np

from .errors import FootageError
from .frame_index import FrameIndex, MediaInfo, load_info, probe
from .frames import DEFAULT_CACHE_BYTES, Frame, FrameCache, _AvReader

__all__ = ["Frame", "FrameIndex", "MediaInfo", "VideoSource", "load_info", "probe"]

log = logging.getLogger(__name__)

MAX_FILL = 60  # frames kept from one backward decode, at most
# Reading forward through this many frames more than a seek would decode is still cheaper
# than the seek (cv2 pre-rolls 16 frames before the target).
FORWARD_SLACK = 32
CALIBRATION_FRAMES = 8
# A jump keeps this many frames before the one asked for (when that costs no extra
# decoding), so the first steps back after it are cache hits: ~4 ms each at 1080p.
LOOKBACK = 6
CV2_PREROLL_FRAMES = 16  # cv2 seeks this many of its "frames" (1/fps) before the target

_ROTATE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


class VideoSource:
    """One footage file: metadata, exact frames by time or number, sequential reading.

    Thread-safe (one lock around every seek and read); opens the file on first use.
    ``sha256``, when known, lets the frame-time index come from the user's cache.
    ``pixel_format``: "rgb" (stills, exports) or "bgr", the decoder's own order, which spares
    a full-frame pass per frame (the player: Qt builds its picture from either).
    """

    def __init__(self, path: Path | str, sha256: str | None = None, cache_bytes: int = DEFAULT_CACHE_BYTES,
                 pixel_format: str = "rgb"):
        if pixel_format not in ("rgb", "bgr"):
            raise ValueError(f"pixel_format must be 'rgb' or 'bgr', not {pixel_format!r}")
        self.pixel_format = pixel_format
        self.path = Path(path)
        self.sha256 = sha256
        self._lock = threading.RLock()
        self._info: MediaInfo | None = None
        self._cap: cv2.VideoCapture | None = None
        # PyAV, for jumps to the first frames of a GOP; active while it holds the position.
        self._av: _AvReader | None = None
        self._av_ok: bool | None = None  # its frame times agree with the index (None: untested)
        self._on_av = False
        self._next: int | None = None  # the frame cv2's next grab returns, when known
        self._last = -1  # the frame handed out last (next_frame continues from it)
        # Learnt when cv2 opens the file (see _capture and _calibrate).
        self._rotation: int | None = None
        self._offset_ms = 0.0
        self._times_trusted = True
        self._preroll_ms = CV2_PREROLL_FRAMES * 1000.0 / 25
        self.cache = FrameCache(cache_bytes)
        self.seeks = 0  # cv2 seeks made (tests and benchmarks read these counters)
        self.grabs = 0  # frames decoded by cv2 at our request (grab)
        # Frames cv2 decoded inside its own seeks (its pre-roll from a keyframe up to the
        # target), estimated from the index: grabs + prerolled is the decoding work done.
        self.prerolled = 0
        self.converted = 0  # frames converted to pictures (RGB or BGR)

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

    def close(self) -> None:
        with self._lock:
            if self._cap is not None:
                self._cap.release()
            self._cap = None
            if self._av is not None:
                self._av.release()
            self._av, self._on_av = None, False
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
            self._capture()
            first = i
            if 0 < self._last - i <= MAX_FILL:  # stepping back: keep the run up to i
                first = self._fill_start(i)
            elif not self._forward_is_cheaper(i):  # a jump: keep a few frames before it too
                first = max(i - LOOKBACK, self._same_preroll_start(i))
            frame = self._decode(i, first)
        self._last = i
        return frame

    def _fill_start(self, i: int) -> int:
        """Where to start keeping pictures when a step back to ``i`` misses the cache.

        A seek cv2 makes for frame t decodes from the keyframe before t minus 16 frames'
        worth of time (its pre-roll). Two candidates: keep a full chunk (half the cache, at
        most MAX_FILL), which may drag the pre-roll into the previous GOP; or start at the
        earliest frame whose seek decodes from the same keyframe as ``i`` itself. Take the
        one that costs less per frame kept (a conversion costs about half a decode).
        """
        info = self.info
        fill = min(MAX_FILL, max(1, self.cache.capacity(info.width * info.height * 3) // 2))
        full = max(i - fill + 1, 0)
        lean = min(i, max(full, self._same_preroll_start(i)))

        def cost_per_frame(first: int) -> float:
            kept = i - first + 1
            return (i - self._decoded_from(first) + 0.5 * kept) / kept

        return full if cost_per_frame(full) <= cost_per_frame(lean) else lean

    def _decoded_from(self, first: int) -> int:
        """The keyframe a seek to frame ``first`` starts decoding from."""
        if self._av_covers(first):
            return self.index.keyframe_before(first)
        return self._cv2_decoded_from(first)

    def _cv2_decoded_from(self, first: int) -> int:
        """The keyframe cv2 starts decoding from when asked to seek to frame ``first``."""
        index = self.index
        return index.keyframe_before(index.at(index.times_ms[first] - self._preroll_ms))

    def _av_covers(self, first: int) -> bool:
        """A seek to ``first`` goes through PyAV: cv2's pre-roll would reach the previous GOP."""
        if self._av_ok is False:
            return False
        index = self.index
        key = index.keyframe_before(first)
        return key > 0 and index.times_ms[first] - index.times_ms[key] < self._preroll_ms

    def _same_preroll_start(self, i: int) -> int:
        """The earliest frame whose seek decodes from the same keyframe as a seek to ``i``."""
        if self._av_covers(i):  # PyAV decodes every frame from the keyframe on from it
            return self.index.keyframe_before(i)
        times = self.index.times_ms
        return min(i, bisect.bisect_left(times, times[self._decoded_from(i)] + self._preroll_ms))

    def _active(self):
        """The decoder that holds the position ``_next`` refers to."""
        return self._av if self._on_av else self._cap

    def _decode(self, i: int, first: int) -> Frame:
        """Decode up to frame ``i``, keeping the pictures of frames ``first``..``i``."""
        self._capture()
        cap = self._active()
        current = None  # the frame the decoder holds, grabbed but not yet converted
        if not self._forward_is_cheaper(first):
            current = self._seek(first)
            cap = self._active()  # a rewind may have reopened cv2, or PyAV made the jump
        retries = 0
        while True:
            if current is None:
                current = self._grab(cap)
            if current is None or current > i:
                # The decoder ended early or skipped the frame (cv2's counting after a seek on
                # variable-rate footage can do both): reading from the start is always exact;
                # first by seeking there, then from a freshly opened capture.
                retries += 1
                if retries > 2:
                    raise FootageError(
                        f"Frame {i} of {self.path.name} could not be decoded; the file may be damaged."
                    )
                if retries == 1:
                    self._rewind()
                else:
                    self._reopen()
                cap, current = self._cap, None
                continue
            if current >= first:
                frame = self._retrieve(cap, current)
                self.cache.put(frame)
                if current == i:
                    return frame
            current = None

    def _forward_is_cheaper(self, first: int) -> bool:
        here = self._next
        if here is None or here > first:
            return False
        key = self.index.keyframe_before(first)
        return key <= here or first - here <= first - key + FORWARD_SLACK

    def _seek(self, first: int) -> int | None:
        """Put a decoder at or before ``first``; returns the frame it now holds (None: none yet)."""
        if self._av_covers(first):
            landed = self._seek_av(first)
            if landed is not None:
                return landed
        self._on_av = False
        times = self.index.times_ms
        for target in self._seek_targets(first):
            if target == 0 or not self._times_trusted:
                break
            self.seeks += 1
            self._cap.set(cv2.CAP_PROP_POS_MSEC, times[target] - self._cv2_offset_ms())
            self._next = None
            landed = self._grab(self._cap)
            if landed is not None:
                self.prerolled += max(0, landed - self._cv2_decoded_from(target))
            if landed is not None and landed <= first:
                return landed
            log.debug("seek for frame %d of %s landed at %s", first, self.path.name, landed)
        self._rewind()
        return None

    def _seek_av(self, first: int) -> int | None:
        """PyAV from the keyframe before ``first``: the frame it holds, None if it cannot."""
        try:
            if self._av is None:
                self._av = _AvReader(self.path, self.index)
                self._av_ok = self._av_times_agree()
            if not self._av_ok:
                return None
            self.seeks += 1
            self._av.seek(self.index.keyframe_before(first))
            self._on_av, self._next = True, None
            landed = self._grab(self._av)
            while landed is not None and landed < self.index.keyframe_before(first):
                landed = self._grab(self._av)  # leading pictures of an open GOP: not ours
        except (av.error.FFmpegError, OSError) as exc:
            log.debug("PyAV seek for frame %d of %s failed: %s", first, self.path.name, exc)
            landed = None
        if landed is None or landed > first:
            # Seeking this file with PyAV is not to be relied on: cv2 makes the jumps from now.
            log.info("PyAV seek for frame %d of %s landed at %s; cv2 makes every jump", first, self.path.name, landed)
            self._on_av, self._av_ok = False, False
            return None
        return landed

    def _av_times_agree(self) -> bool:
        """PyAV's first frames carry exactly the index's times (AVI with B-frames need not)."""
        times = self.index.times_ms
        self._av.rewind()
        count = min(CALIBRATION_FRAMES, len(times))
        for j in range(count):
            if not self._av.grab():
                return False
            ms = self._av.index_ms()
            if ms is None or self.index.match(ms) != j:
                log.info("%s: PyAV frame times disagree with the index; cv2 makes every jump", self.path.name)
                return False
        return True

    def _seek_targets(self, first: int) -> list[int]:
        """The frame itself (exact for constant-rate files), then ever further back."""
        index = self.index
        targets = [first]
        span = max(1000.0, 2 * (index.times_ms[first] - index.times_ms[index.keyframe_before(first)]))
        for n in range(3):
            earlier = index.at(index.times_ms[first] - span * 2**n)
            if earlier < targets[-1]:
                targets.append(earlier)
        return targets

    # -- talking to cv2 ------------------------------------------------------------------
    def _capture(self) -> cv2.VideoCapture:
        if self._cap is None:
            info = self.info  # a clear sentence for files that are not video, before cv2
            if not self.path.is_file():
                raise FootageError(f"Footage {self.path} was not found.")
            cap = self._open_capture()
            fps = cap.get(cv2.CAP_PROP_FPS) or info.fps or 25.0
            self._preroll_ms = CV2_PREROLL_FRAMES * 1000.0 / fps
            self._cap = cap
            self._rotation = _ROTATE.get(info.rotation)
            self._calibrate(cap)
        return self._cap

    def _open_capture(self) -> cv2.VideoCapture:
        # FFmpeg's per-packet complaints about damaged footage would otherwise scroll
        # over the reviewer's terminal; damage that matters surfaces as a FootageError.
        # (Read by cv2 when it first opens a file; a value set by the user wins.)
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
        cap = cv2.VideoCapture(os.fspath(self.path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            raise FootageError(f"{self.path.name} could not be opened for decoding.")
        # Rotation is applied here from the probed display matrix, one source of truth
        # for the picture and the width/height that info reports.
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        return cap

    def _calibrate(self, cap: cv2.VideoCapture) -> None:
        """Learn how cv2's frame times relate to the index, from the first frames.

        cv2 counts from the stream's start_time and, where the container has no real
        presentation times (AVI with B-frames), reports the decoder's guess, which runs a
        constant few frames late. Either way the first frames, read in order from the start,
        show the offset; if they disagree with each other, cv2's times cannot identify
        frames and every seek becomes a rewind to the start (slow, still exact).
        """
        times = self.index.times_ms
        offsets = []
        for j in range(min(CALIBRATION_FRAMES, len(times))):
            if not cap.grab():
                break
            self.grabs += 1
            offsets.append(times[j] - cap.get(cv2.CAP_PROP_POS_MSEC))
        self._rewind(counted=False)  # back to the start, ready to play
        self._offset_ms = sorted(offsets)[len(offsets) // 2] if offsets else 0.0
        agree = sum(abs(d - self._offset_ms) <= 0.5 for d in offsets)
        self._times_trusted = agree >= len(offsets) - 1
        if not self._times_trusted:
            log.info("%s: decoder times disagree with the index; seeking by rewinding", self.path.name)

    def _cv2_offset_ms(self) -> float:
        """Index time minus cv2's time (cv2 counts from the stream start, we from frame 0)."""
        return self._offset_ms

    def _reopen(self) -> None:
        self._on_av = False
        self.seeks += 1
        self._cap.release()
        self._cap = self._open_capture()
        self._next = 0

    def _rewind(self, counted: bool = True) -> None:
        self._on_av = False
        self.seeks += counted
        if self._cap.get(cv2.CAP_PROP_FRAME_COUNT) > 1:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)  # seeks to the start without decoding
        else:  # cv2 does not seek at all in a file it believes has one frame
            self._cap.release()
            self._cap = self._open_capture()
        self._next = 0

    def _grab(self, cap: cv2.VideoCapture) -> int | None:
        """Decode the next frame; its number (by its timestamp, else by counting) or None."""
        if not cap.grab():
            self._next = None
            return None
        self.grabs += 1
        found = None
        if isinstance(cap, _AvReader):
            ms = cap.index_ms()
            found = None if ms is None else self.index.match(ms)
        elif self._times_trusted:
            found = self.index.match(cap.get(cv2.CAP_PROP_POS_MSEC) + self._cv2_offset_ms())
        if found is None:
            found = self._next  # a frame without a usable timestamp: count on
        elif self._next is not None and found != self._next:
            log.debug("%s: expected frame %d, decoder says %d", self.path.name, self._next, found)
        self._next = None if found is None else found + 1
        return found

    def _retrieve(self, cap: cv2.VideoCapture, index: int) -> Frame:
        ok, bgr = cap.retrieve()
        if not ok or bgr is None or bgr.ndim != 3:
            raise FootageError(f"Frame {index} of {self.path.name} could not be converted to a picture.")
        self.converted += 1
        return self._picture(bgr, index)

    def _picture(self, bgr: np.ndarray, index: int) -> Frame:
        """A Frame from a freshly decoded BGR array (owned by us: no copy unless needed)."""
        image = bgr
        if self.pixel_format == "rgb":
            image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)  # not in place: OpenCV would clone bgr first
        if self._rotation is not None:
            image = cv2.rotate(image, self._rotation)
        image = np.ascontiguousarray(image)
        image.flags.writeable = False  # shared with the cache: callers copy before drawing
        return Frame(index, self.index.times_ms[index], image, self.pixel_format)
