"""Long work off the GUI thread: one QObject worker per task, moved to its own QThread.

A task is a plain function ``fn(progress, cancelled)`` from the core (hashing, a still,
checking footage). ``Task`` is the GUI-side handle: it lives on the GUI thread, so
anything connected to its signals (even a lambda) runs on the GUI thread. The worker it
drives lives on the task's thread and only emits. ``TaskPool`` keeps every thread it
started and joins them on shutdown (tests fail on threads left running).
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from ..core.errors import Cancelled, ReviewError

log = logging.getLogger(__name__)

# Modules that code running in worker threads uses. Each is imported here, on the GUI
# thread, before any worker starts: a module's *first* import in a QThread runs through
# shiboken's import hook, which can crash the interpreter (segfault in
# shibokensupport.feature while the GUI thread runs the event loop; seen in an export).
WORKER_MODULES = (
    "bwv_review.core.evidence",
    "bwv_review.core.media",
    "bwv_review.core.footage",
    "bwv_review.core.frames",
    "bwv_review.core.audio",
    "bwv_review.core.speech",
    "bwv_review.core.align",
    "bwv_review.core.stills",
    "bwv_review.core.transcripts",
    "bwv_review.core.export.docx_export",
    "bwv_review.core.export.pdf_export",
    "bwv_review.core.export.html_export",
    "bwv_review.core.export.tables",
    "bwv_review.core.export.json_export",
    "bwv_review.core.export.subtitles",
    "bwv_review.core.export.eaf_export",
    "bwv_review.ui.thumbnails",
)
_preloaded = False


def preload_worker_modules(*optional: str) -> None:
    """Import what worker threads will use, on the calling (GUI) thread; ``optional``
    names modules to import if installed (e.g. the transcription extra's)."""
    global _preloaded
    if not _preloaded:
        for name in WORKER_MODULES:
            importlib.import_module(name)
        _preloaded = True
    for name in optional:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


class _Worker(QObject):
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, fn: Callable, name: str, cancel: threading.Event):
        super().__init__()
        self.fn = fn
        self.name = name
        self._cancel = cancel
        self._last_report = 0.0

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn(self._report, self._cancel.is_set)
        except Cancelled:
            self.cancelled.emit()
        except ReviewError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug in a worker must reach the reviewer, not vanish
            log.exception("%s failed", self.name)
            self.failed.emit(f"{self.name} failed unexpectedly: {exc}")
        else:
            if self._cancel.is_set():
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)
        finally:
            self.done.emit()

    def _report(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise Cancelled("Cancelled.")
        now = time.monotonic()
        if now - self._last_report < 0.05 and done < total:
            return  # a progress bar needs ~20 updates a second, not one per block
        self._last_report = now
        # Totals pass 2**31 for big files: report in KiB to stay inside a Qt int.
        self.progress.emit(int(done // 1024), int(total // 1024))


class Task(QObject):
    """Runs ``fn(progress, cancelled)`` once on its own thread; signals arrive on the GUI thread."""

    progress = Signal(int, int)  # done, total (KiB)
    succeeded = Signal(object)
    failed = Signal(str)  # a sentence for the reviewer
    cancelled = Signal()
    done = Signal()  # always last, whatever happened

    def __init__(self, fn: Callable, name: str = "task"):
        super().__init__()
        preload_worker_modules()
        self.name = name
        self._cancel = threading.Event()
        self.worker = _Worker(fn, name, self._cancel)
        for signal in ("progress", "succeeded", "failed", "cancelled", "done"):
            getattr(self.worker, signal).connect(getattr(self, signal))

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()


class TaskPool(QObject):
    """Starts tasks on their own threads and can join them all."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._running: dict[Task, QThread] = {}
        self._finished: list[Task] = []

    def start(self, task: Task) -> Task:
        thread = QThread()
        thread.setObjectName(task.name)
        task.worker.moveToThread(thread)
        thread.started.connect(task.worker.run)
        task.done.connect(self._on_done)  # on the GUI thread, so the join is from outside
        self._running[task] = thread
        thread.start()
        return task

    @Slot()
    def _on_done(self) -> None:
        task = self.sender()
        thread = self._running.pop(task, None)
        if thread is not None:
            thread.quit()
            thread.wait()
            task.worker.deleteLater()
            thread.deleteLater()
            # This slot runs inside the task's own `done` emission: if the caller has
            # already let go of the task, dropping our reference here would delete it
            # mid-emission (a use-after-free that segfaulted the export dialog now and then).
            # Keep it until the event loop is past the emission.
            self._finished.append(task)
            QTimer.singleShot(0, self._forget_finished)

    @Slot()
    def _forget_finished(self) -> None:
        self._finished.clear()

    def running(self) -> int:
        return len(self._running)

    def cancel_all(self) -> None:
        for task in list(self._running):
            task.cancel()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel everything and wait for every thread to end (on window close)."""
        self.cancel_all()
        for task, thread in list(self._running.items()):
            thread.quit()
            if not thread.wait(timeout_ms):
                log.error("thread %s did not stop in time", task.name)
            self._running.pop(task, None)
