"""Reads a footage file's sound once, in a worker thread, for the timeline.

The analysis (core.audio: waveform envelope and speech regions, cached per file hash) can
take a while on an hour of footage, so it runs in its own QThread with progress, and a new
request or shutdown cancels the one under way.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


class _SoundJob(QObject):
    progress = Signal(int, int, int)  # job, done, total (ms of sound, or bytes while hashing)
    finished = Signal(int, object, object)  # job, analysis (has .envelope), speech regions
    failed = Signal(int, str)  # job, a sentence ("" when there is simply no sound track)

    def __init__(self) -> None:
        super().__init__()
        self.cancelled = threading.Event()
        self.latest = 0  # set by the GUI thread before it queues a job

    @Slot(int, str, str)
    def run(self, job: int, path: str, sha256: str) -> None:
        from bwv_review.core import audio
        from bwv_review.core.errors import Cancelled, FootageError

        if job != self.latest:
            return  # a newer job is queued behind this one
        self.cancelled.clear()

        def cancel() -> bool:
            return self.cancelled.is_set() or job != self.latest

        try:
            if not sha256:
                from bwv_review.core.integrity import sha256_file

                sha256 = sha256_file(path, cancel=cancel)
            from bwv_review.core.footage import Footage

            analysis = Footage.shared(Path(path), sha256).analyse_sound(
                progress=lambda d, t: self.progress.emit(job, d, t), cancel=cancel)
            regions = [(int(a), int(b)) for a, b in analysis.speech_regions()]
        except Cancelled:
            return
        except audio.NoSoundError:
            self.failed.emit(job, "")
            return
        except (FootageError, OSError) as exc:
            self.failed.emit(job, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a broken sound track must not crash the app
            log.warning("Reading the sound of %s failed", path, exc_info=True)
            self.failed.emit(job, f"The sound could not be read ({exc}).")
            return
        self.finished.emit(job, analysis, regions)


class SoundReader(QObject):
    """Owns the thread; ``read(path, sha256)`` starts a job, newest job wins."""

    progress = Signal(int, int)
    finished = Signal(object, object)  # analysis, speech regions
    failed = Signal(str)
    _start = Signal(int, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = 0
        self._thread: QThread | None = None
        self._worker: _SoundJob | None = None

    def _ensure(self) -> _SoundJob:
        if self._thread is None:
            from ..tasks import hold_gui_collection
            from ..workers import preload_worker_modules

            preload_worker_modules()  # first imports never happen in the sound thread
            hold_gui_collection()  # garbage is never collected (Qt objects freed) in the sound thread
            self._thread = QThread()
            self._thread.setObjectName("bwv-sound")
            self._worker = _SoundJob()
            self._worker.moveToThread(self._thread)
            self._start.connect(self._worker.run)
            self._worker.progress.connect(self._on_progress)
            self._worker.finished.connect(self._on_finished)
            self._worker.failed.connect(self._on_failed)
            self._thread.start()
            app = QCoreApplication.instance()
            if app is not None:  # a safety net: the window should call shutdown() itself
                app.aboutToQuit.connect(self.shutdown)
        return self._worker

    def read(self, path: Path, sha256: str | None) -> None:
        worker = self._ensure()
        self._job += 1
        worker.latest = self._job  # the job under way sees it is stale and stops
        self._start.emit(self._job, str(path), sha256 or "")

    def cancel(self) -> None:
        self._job += 1
        if self._worker is not None:
            self._worker.latest = self._job
            self._worker.cancelled.set()

    def shutdown(self) -> None:
        self.cancel()
        if self._thread is not None:
            from ..tasks import release_gui_collection

            self._thread.quit()
            self._thread.wait()
            self._thread = None
            release_gui_collection()

    def _on_progress(self, job: int, done: int, total: int) -> None:
        if job == self._job:
            self.progress.emit(done, total)

    def _on_finished(self, job: int, analysis, regions) -> None:
        if job == self._job:
            self.finished.emit(analysis, regions)

    def _on_failed(self, job: int, message: str) -> None:
        if job == self._job:
            self.failed.emit(message)
