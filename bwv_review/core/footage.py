"""One owner per footage file: the only place in the program that reads it.

``Footage`` holds what is known about one file (the probe: metadata and frame-time index,
from the user's cache when the file was seen before) and the one decoder of its pictures.
Frames for the player, stills for the CLI and exports, thumbnails for the exhibits list
and the keyframes shown while skimming all come from that decoder; sound and waveform come
from PyAV too, timed from the same index origin. Work that reads a whole file once in
order (the redacted copy, the face search) takes a pass (``read_through``) that names each
frame exactly as that decoder does. Nothing else in the program decodes: it asks this.

Within a process one owner serves every user of a file (``Footage.shared``), so opening
an exhibit reads its container once for the pictures and once for the sound, not once per
feature. All methods are thread-safe (the picture decoder has one lock around seek and
decode); the sound is decoded by its own PyAV handle, so a waveform being drawn never
stalls playback.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FootageError
from .frame_index import MediaInfo
from .frames import DEFAULT_CACHE_BYTES, Frame
from .index_cache import load_info
from .media import VideoSource

if TYPE_CHECKING:
    import numpy as np

    from .reading import Pass

THUMB_HEIGHT = 45


class Footage:
    """A footage file: probe, frame index, frames, stills, thumbnails, sound, waveform."""

    _owners: weakref.WeakValueDictionary[str, Footage] = weakref.WeakValueDictionary()
    _owners_lock = threading.Lock()

    def __init__(self, path: Path | str, sha256: str | None = None):
        self.path = Path(path)
        self.sha256 = sha256
        self._lock = threading.RLock()
        self._info: MediaInfo | None = None
        self._video: VideoSource | None = None

    @classmethod
    def shared(cls, path: Path | str, sha256: str | None = None) -> Footage:
        """The owner of ``path`` in this process (made on first use, kept while in use)."""
        key = str(Path(path).resolve())
        with cls._owners_lock:
            owner = cls._owners.get(key)
            if owner is None:
                owner = cls(path, sha256)
                cls._owners[key] = owner
            elif sha256 and not owner.sha256:
                owner.sha256 = sha256
            return owner

    # -- what the file is ------------------------------------------------------------------
    @property
    def info(self) -> MediaInfo:
        if self._info is None:
            with self._lock:
                if self._info is None:
                    self._info = load_info(self.path, self.sha256)
        return self._info

    # -- pictures ----------------------------------------------------------------------------
    def video(self, pixel_format: str = "rgb") -> VideoSource:
        """The one picture decoder of this file, giving pictures in ``pixel_format``."""
        with self._lock:
            if self._video is None:
                info = self.info
                # The player (RGB32) keeps its own read-ahead: 5 frames here are for stepping
                # back while paused, and keep a 1080p exhibit's memory in bounds.
                cache = 5 * info.width * info.height * 4 if pixel_format == "bgra" else DEFAULT_CACHE_BYTES
                self._video = VideoSource(self.path, self.sha256, cache_bytes=cache, pixel_format=pixel_format,
                                          info=info)
                self._video.owner = self  # the owner lives as long as its decoder is in use
            elif self._video.pixel_format != pixel_format:
                with self._video._lock:
                    self._video.pixel_format = pixel_format
                    self._video.cache.clear()
            return self._video

    def still(self, *, at_ms: float | None = None, frame: int | None = None,
              deinterlace: bool = False) -> Frame:
        """The exact frame at a file time or number, RGB, as decoded (or deinterlaced on request)."""
        source = self.video("rgb")
        with source._lock:
            before = source.deinterlace
            source.set_deinterlace(deinterlace)
            try:
                return source.frame(frame) if frame is not None else source.frame_at(at_ms or 0.0)
            finally:
                source.set_deinterlace(before)

    def still_png(self, *, at_ms: float | None = None, frame: int | None = None,
                  deinterlace: bool = False) -> tuple[int, float, bool, bool, bytes]:
        """(frame number, time ms, deinterlaced, damaged, PNG bytes) of the exact frame,
        encoded by FFmpeg straight from the decoded frame: the fastest way to a still."""
        from .media import deinterlaced_frame
        from .stills import encode_png

        source = self.video("rgb")
        with source._lock:
            number = int(frame) if frame is not None else source.index.at(float(at_ms or 0.0))
            picture = source.decoded(number)
            damaged = bool(picture.is_corrupt)
            done = bool(deinterlace and picture.interlaced_frame)
            if done:
                picture = deinterlaced_frame(picture)
            data = encode_png(picture, rotation=self.info.rotation)
            return number, source.index.times_ms[number], done, damaged, data

    def thumbnail(self, at_ms: float = 0.0, height: int = THUMB_HEIGHT) -> np.ndarray:
        """A small RGB picture of the keyframe at or before ``at_ms`` (exhibit lists)."""
        info = self.info
        width = max(1, round(info.width * height / max(1, info.height)))
        source = self.video(self.video_format())
        return source.thumbnail(at_ms, width, height)

    def read_through(self, first: int = 0, last: int | None = None, sound: bool = False,
                     every_frame: bool = True) -> Pass:
        """A pass through frames ``first`` to ``last`` in order (with the sound decoded alongside
        when ``sound``), on a handle of its own so the player is never held up (core.reading)."""
        from .reading import Pass

        return Pass(self.path, self.info, first, last, sound=sound, every_frame=every_frame)

    def video_format(self) -> str:
        return self._video.pixel_format if self._video is not None else "rgb"

    # -- sound -------------------------------------------------------------------------------
    def sound(self, rate: int | None = None, start_ms: float = 0, end_ms: float | None = None,
              progress: Callable[[int, int], None] | None = None,
              cancel: Callable[[], bool] | None = None) -> Iterator[np.ndarray]:
        """Mono float32 chunks of the sound (core.audio.iter_mono), timed from frame 0."""
        from . import audio

        return audio.iter_mono(self.path, rate or audio.ANALYSIS_RATE, start_ms, end_ms, progress=progress,
                               cancel=cancel, origin_s=self._origin_s())

    def analyse_sound(self, progress: Callable[[int, int], None] | None = None,
                      cancel: Callable[[], bool] | None = None):
        """Waveform and speech features (core.audio.analyse), cached by the file's SHA-256."""
        from . import audio

        if not self.sha256:
            raise FootageError(f"{self.path.name}: the waveform cache needs the file's SHA-256.")
        return audio.analyse(self.path, self.sha256, progress=progress, cancel=cancel, origin_s=self._origin_s())

    def _origin_s(self) -> float | None:
        index = self.info.index
        return index.origin_s if index is not None else None

    def close(self) -> None:
        with self._lock:
            if self._video is not None:
                self._video.close()
