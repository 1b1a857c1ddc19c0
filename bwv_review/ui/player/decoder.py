"""The decode worker: one QThread owns the footage's VideoSource.

The GUI thread never waits on a decoder. It *posts* a request (open a file, show frame N,
show the frame for the playback clock) into a one-slot mailbox and returns at once; the
worker wakes, takes whatever is in the mailbox at that moment and decodes it. A request
posted while the worker is busy overwrites the one still waiting, so a burst of seeks while
scrubbing decodes the first and the last, never the 48 stale ones between.

While playing, the GUI posts a *stream* instead (``post_stream``): the worker decodes on from
frame N in order, one frame per turn of its event loop, without waiting to be asked for each,
within a window the GUI moves with the clock (``post_window``: never before the frame the
clock is at, never more than the read-ahead past it, so memory stays bounded). Any other
request replaces the stream; its frames carry the serial of the play or seek that asked for
them and the STREAMED flag, so the GUI drops any that arrive after a seek or a pause.

Frames leave the worker as QImages that own their pixels (a converted copy of the numpy
array, never a view onto it), tagged with the generation of the load that asked for them,
so a frame from the previous file can never be shown for the next one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QImage

# Bits of frameReady's ``flags``, defined beside the caption that reads them: what the caption
# must say about the picture, and STREAMED for a frame decoded ahead while playing (shown only
# by the play or seek that asked for it).
from .overlay import DAMAGED, DEINTERLACED, STREAMED

log = logging.getLogger(__name__)


@dataclass
class FrameRequest:
    generation: int
    index: int | None = None  # exact frame number, when the frame-time index is known
    ms: float | None = None  # otherwise the time: the last frame at or before it
    serial: int = 0  # which seek/step/play this answers; handed back with the frame
    keyframe: bool = False  # skimming: the keyframe at or before the frame, decoded alone
    reference: bool = False  # skimming between keyframes: the last reference frame at or before it
    fit: tuple[int, int] | None = None  # playing: the view's pixels; a larger frame comes scaled to fit




@dataclass
class _Stream:
    """Playing: decode frames in order from ``request.index`` within [floor, limit]."""

    request: FrameRequest  # generation, serial and fit; ``index`` is the next frame to decode
    floor: int  # the frame the clock is at: when decoding falls behind, go on from here
    limit: int  # the furthest frame ahead the read-ahead allows
    waiting: bool = False  # reached the limit: post_window wakes the worker again


def to_qimage(rgb: np.ndarray, pixel_format: str = "rgb") -> QImage:
    """A QImage that owns its pixels, made from a uint8 picture: RGB or BGR (H x W x 3), or
    "bgra" (H x W x 4: Qt's RGB32 byte order on little-endian machines).

    The player's source converts each frame straight to RGB32 with swscale, so here it is
    only copied (the worker must hand over pixels it owns). RGB32 is the format the raster
    painter scales fastest (about 4x quicker than RGB888 for 1080p), which keeps the GUI
    thread's share of each frame small. RGB/BGR views state their row stride themselves
    (numpy rows need not be 4-byte aligned) and are converted to RGB32.
    """
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    if pixel_format == "bgra":  # swscale made Qt's RGB32 itself (B, G, R, X bytes): copy only
        return QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB32).copy()
    layout = QImage.Format.Format_BGR888 if pixel_format == "bgr" else QImage.Format.Format_RGB888
    view = QImage(rgb.data, width, height, rgb.strides[0], layout)
    return view.convertToFormat(QImage.Format.Format_RGB32)


def _default_source_factory(path: Path, sha256: str | None):
    from bwv_review.core.footage import Footage

    # The file's one owner; pictures straight in Qt's RGB32 layout (one swscale pass).
    return Footage.shared(path, sha256).video("bgra")


class DecodeWorker(QObject):
    """Lives in the decode thread; talk to it only through ``post_*`` (thread-safe)."""

    opened = Signal(int, object)  # generation, MediaInfo
    frameReady = Signal(int, int, QImage, int, float, int)  # generation, serial, picture, index, time_ms, flags
    endOfFootage = Signal(int)  # generation: playback read past the last frame
    failed = Signal(int, str)  # generation, a sentence for the reviewer
    _wake = Signal()

    def __init__(self, source_factory: Callable | None = None) -> None:
        super().__init__()
        self._factory = source_factory or _default_source_factory
        self._lock = threading.Lock()
        self._open_request: tuple[int, Path | None, str | None] | None = None
        self._frame_request: FrameRequest | None = None
        self._stream: _Stream | None = None
        self._scheduled = False
        self._source = None
        self._generation = 0
        self._deinterlace = False
        self.decodes = 0  # frames decoded and handed over: tests count these
        # Always queued, even if posted from the worker's own thread: _schedule holds the lock.
        self._wake.connect(self._run, Qt.ConnectionType.QueuedConnection)

    # -- called from the GUI thread ----------------------------------------------------
    def post_open(self, generation: int, path: Path | None, sha256: str | None = None) -> None:
        """Open ``path`` (None closes the current file); cancels any frame still waiting."""
        with self._lock:
            self._open_request = (generation, path, sha256)
            self._frame_request = self._stream = None
            self._schedule()

    def post_deinterlace(self, on: bool) -> None:
        """Show interlaced frames deinterlaced (or as decoded); applies from the next frame."""
        with self._lock:
            self._deinterlace = bool(on)

    def post_frame(self, request: FrameRequest | None) -> None:
        """Decode this one frame next (None: nothing); ends any stream."""
        with self._lock:
            self._frame_request, self._stream = request, None
            if request is not None:
                self._schedule()

    def post_stream(self, request: FrameRequest, floor: int, limit: int) -> None:
        """Playing: decode frame ``request.index`` and the frames after it, in order, each
        handed over as it is done, while they lie within [floor, limit] (see post_window)."""
        with self._lock:
            self._frame_request, self._stream = None, _Stream(request, floor, limit)
            self._schedule()

    def post_window(self, serial: int, floor: int, limit: int, fit: tuple[int, int] | None) -> None:
        """Move the stream's window with the clock (a stream of another serial is left alone)."""
        with self._lock:
            stream = self._stream
            if stream is None or stream.request.serial != serial:
                return
            stream.floor, stream.limit = floor, limit
            stream.request.fit = fit
            if stream.waiting and max(stream.request.index, floor) <= limit:
                stream.waiting = False
                self._schedule()

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            self._wake.emit()  # queued: the worker's thread runs _run

    # -- in the decode thread -------------------------------------------------------------
    @Slot()
    def _run(self) -> None:
        with self._lock:
            opening, self._open_request = self._open_request, None
            request, self._frame_request = self._frame_request, None
            stream = self._stream
            self._scheduled = False
        if opening is not None:
            self._open(*opening)
        if request is not None and request.generation == self._generation and self._source:
            self._decode(request)
        elif request is None and stream is not None:
            self._stream_on(stream)

    def _stream_on(self, stream: _Stream) -> None:
        """One frame of the stream, then a turn of the event loop (so a new request, or
        quitting, is seen between any two frames), then the next."""
        with self._lock:
            if self._stream is not stream:
                return
            index = max(stream.request.index, stream.floor)  # behind the clock: on from where it is
            count = self._source.info.frame_count if self._source else 0
            if index > stream.limit or index >= count:
                stream.waiting = True  # post_window wakes it (the end of the footage: never)
                return
            request = replace(stream.request, index=index)
        if request.generation != self._generation or not self._source:
            return
        shown = self._decode(request, STREAMED)
        with self._lock:
            if self._stream is stream:
                if shown is None:
                    self._stream = None  # failed (said so) or ended
                else:
                    stream.request.index = shown + 1
                    self._schedule()

    def _open(self, generation: int, path: Path | None, sha256: str | None) -> None:
        self.release()
        self._generation = generation
        if path is None:
            return
        try:
            self._source = self._factory(Path(path), sha256)
            info = self._source.info
        except Exception as exc:  # noqa: BLE001 - any failure is a sentence for the reviewer
            self.release()
            self.failed.emit(generation, _sentence(exc, Path(path)))
            return
        self.opened.emit(generation, info)

    def _decode(self, request: FrameRequest, flags: int = 0) -> int | None:
        """Decode and hand over the frame asked for; its number (None: failed or the end)."""
        source = self._source
        try:
            frame = self._read(source, request)
        except Exception as exc:  # noqa: BLE001 - a vanished or damaged file must not crash
            log.warning("Decoding %s failed: %s", getattr(source.info, "path", "?"), exc)
            self.release()
            self.failed.emit(request.generation, _sentence(exc, Path(str(getattr(source.info, "path", "")))))
            return None
        if frame is None:
            self.endOfFootage.emit(request.generation)
            return None
        self.decodes += 1
        flags |= DEINTERLACED * bool(getattr(frame, "deinterlaced", False)) + DAMAGED * bool(getattr(frame, "damaged", False))
        self.frameReady.emit(request.generation, request.serial, to_qimage(frame.image, getattr(frame, "pixel_format", "rgb")),
                             frame.index, float(frame.time_ms), flags)
        return frame.index

    def _read(self, source, request: FrameRequest):
        if hasattr(source, "set_deinterlace"):
            source.set_deinterlace(self._deinterlace)
        if request.reference and hasattr(source, "reference_frame_at"):
            return source.reference_frame_at(source.index.times_ms[request.index])
        if request.keyframe and hasattr(source, "keyframe_at"):
            ms = request.ms if request.index is None else source.index.times_ms[request.index]
            return source.keyframe_at(ms)
        # VideoSource decides between reading on and seeking (it reads on when the wanted
        # frame is close ahead, converting only the frame it returns), so playback that
        # skips a few frames costs their decoding but not their conversion.
        if request.index is None:
            return source.frame_at(request.ms or 0.0)
        if request.index >= source.info.frame_count:
            return None
        if request.fit is not None:
            return source.frame(request.index, fit=request.fit)
        return source.frame(request.index)

    @Slot()
    def release(self) -> None:
        """Close the footage; runs in the decode thread (also as the thread finishes)."""
        source, self._source = self._source, None
        if source is not None:
            try:
                source.close()
            except Exception:  # noqa: BLE001 - closing a broken file must not stop shutdown
                log.debug("Closing footage failed", exc_info=True)


def _sentence(exc: Exception, path: Path) -> str:
    name = path.name or "The footage"
    if path and str(path) and not path.exists():
        return f"{name} can no longer be found; it may have been moved, renamed or deleted."
    text = str(exc).strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text or f"{name} could not be read."


class DecodeThread:
    """Starts the worker in its own QThread and joins it on shutdown."""

    def __init__(self, source_factory: Callable | None = None) -> None:
        from ..tasks import hold_gui_collection
        from ..workers import preload_worker_modules

        preload_worker_modules()  # first imports never happen in the decode thread
        hold_gui_collection()  # garbage is never collected (Qt objects freed) in the decode thread
        self._holding = True
        self.thread = QThread()
        self.thread.setObjectName("bwv-decode")
        self.worker = DecodeWorker(source_factory)
        self.worker.moveToThread(self.thread)
        # Runs in the decode thread just before it ends, so the VideoSource is closed by
        # the thread that used it.
        self.thread.finished.connect(self.worker.release, type=Qt.ConnectionType.DirectConnection)
        self.thread.start()

    def shutdown(self) -> None:
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait()
        self.worker.release()
        if self._holding:
            from ..tasks import release_gui_collection

            self._holding = False
            release_gui_collection()

