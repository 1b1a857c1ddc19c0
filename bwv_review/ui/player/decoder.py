"""The decode worker: one QThread owns the footage's VideoSource.

The GUI thread never waits on a decoder. It *posts* a request (open a file, show frame N,
show the frame for the playback clock) into a one-slot mailbox and returns at once; the
worker wakes, takes whatever is in the mailbox at that moment and decodes it. A request
posted while the worker is busy overwrites the one still waiting, so a burst of seeks while
scrubbing decodes the first and the last, never the 48 stale ones between.

Frames leave the worker as QImages that own their pixels (a converted copy of the numpy
array, never a view onto it), tagged with the generation of the load that asked for them,
so a frame from the previous file can never be shown for the next one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)


@dataclass
class FrameRequest:
    generation: int
    index: int | None = None  # exact frame number, when the frame-time index is known
    ms: float | None = None  # otherwise the time: the last frame at or before it
    serial: int = 0  # which seek/step/play this answers; handed back with the frame
    keyframe: bool = False  # skimming: the keyframe at or before the frame, decoded alone
    reference: bool = False  # skimming between keyframes: the last reference frame at or before it


# Bits of frameReady's ``flags``: what the caption must say about the picture.
DEINTERLACED, DAMAGED = 1, 2


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
            self._frame_request = None
            self._schedule()

    def post_deinterlace(self, on: bool) -> None:
        """Show interlaced frames deinterlaced (or as decoded); applies from the next frame."""
        with self._lock:
            self._deinterlace = bool(on)

    def post_frame(self, request: FrameRequest) -> None:
        with self._lock:
            self._frame_request = request
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
            self._scheduled = False
        if opening is not None:
            self._open(*opening)
        if request is not None and request.generation == self._generation and self._source:
            self._decode(request)

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

    def _decode(self, request: FrameRequest) -> None:
        source = self._source
        try:
            frame = self._read(source, request)
        except Exception as exc:  # noqa: BLE001 - a vanished or damaged file must not crash
            log.warning("Decoding %s failed: %s", getattr(source.info, "path", "?"), exc)
            self.release()
            self.failed.emit(request.generation, _sentence(exc, Path(str(getattr(source.info, "path", "")))))
            return
        if frame is None:
            self.endOfFootage.emit(request.generation)
            return
        self.decodes += 1
        flags = DEINTERLACED * bool(getattr(frame, "deinterlaced", False)) + DAMAGED * bool(getattr(frame, "damaged", False))
        self.frameReady.emit(request.generation, request.serial, to_qimage(frame.image, getattr(frame, "pixel_format", "rgb")),
                             frame.index, float(frame.time_ms), flags)

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

