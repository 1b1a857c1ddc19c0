"""The one background-task helper: long work off the GUI thread, with progress, Cancel and a
sentence when it fails (after Anki's QueryOp).

A task is a plain function ``fn(progress, cancelled)`` from the core (hashing footage,
checking it, the waveform, transcription, export, aligning by sound, importing).
``Task`` is the GUI-side handle: it lives on the GUI thread, so anything connected to its
signals (even a lambda) runs on the GUI thread. The worker it drives lives on the task's
thread and only emits. ``TaskPool`` (one per window) starts each on its own thread, can
show a progress window with Cancel, passes every failure sentence on through its
``failed`` signal, and joins every thread on shutdown (tests fail on threads left running).
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

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


class _GuiThreadCollection:
    """Python's cyclic garbage collector runs in whichever thread happens to allocate. When a
    worker allocating heavily (a PDF being set, a 200,000-row import) sets it off, it frees
    whatever Qt objects sit in reference cycles (a closed dialog, a model) on that worker's
    thread, and Qt crashes: the export dialog's worker segfaulted in plain Python code about
    one run in three after other windows had been closed. So while any task runs, automatic
    collection is off and the GUI thread collects on a timer instead, generation by
    generation as the automatic collector would (pyqtgraph and calibre do the same)."""

    INTERVAL_MS = 100

    def __init__(self) -> None:
        self.holders = 0
        self.timer: QTimer | None = None
        self.was_enabled = True

    def hold(self) -> None:
        """A worker is about to start (called on the GUI thread)."""
        if self.holders == 0:
            self.was_enabled = gc.isenabled()
            gc.disable()
            self.timer = QTimer()
            self.timer.setInterval(self.INTERVAL_MS)
            self.timer.timeout.connect(self.collect)
            self.timer.start()
        self.holders += 1

    def release(self) -> None:
        """A worker's thread has ended (called on the GUI thread)."""
        self.holders -= 1
        if self.holders == 0:
            self.timer.stop()
            self.timer = None
            # The young garbage the run left (cheap to collect) goes here, not on some thread later.
            gc.collect(0)
            if self.was_enabled:
                gc.enable()

    @staticmethod
    def collect() -> None:
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):  # the oldest generation due also collects the younger ones
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return


_collection = _GuiThreadCollection()


def hold_gui_collection() -> None:
    """A thread of our own (decoding, the sound reader, server notices) is starting: while it
    runs, Python's garbage is collected on the GUI thread only (see _GuiThreadCollection).
    Call on the GUI thread; pair with ``release_gui_collection`` once the thread has ended."""
    _collection.hold()


def release_gui_collection() -> None:
    _collection.release()


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
        self.progress.emit(*fitted(done, total))


QT_INT_MAX = 2**31 - 1


def fitted(done: float, total: float) -> tuple[int, int]:
    """(done, total) in the task's own unit (bytes, frames, ms), scaled down only where the
    total would not fit a Qt int (the bytes of a file over 2 GB)."""
    if total <= QT_INT_MAX:
        return int(done), int(total)
    return int(done * QT_INT_MAX / total), QT_INT_MAX


class Task(QObject):
    """Runs ``fn(progress, cancelled)`` once on its own thread; signals arrive on the GUI thread."""

    progress = Signal(int, int)  # done, total, in the task's own unit (see fitted)
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
        # `done` is emitted by the pool once the thread has been joined (see TaskPool._on_done).
        for signal in ("progress", "succeeded", "failed", "cancelled"):
            getattr(self.worker, signal).connect(getattr(self, signal))

    def cancel(self) -> None:
        self._cancel.set()

    def detach(self) -> None:
        """Cancel, and let go: whoever started it is gone (a dialog closed), so nothing it
        connected hears from it again. The pool still joins its thread."""
        self.cancel()
        dialog = getattr(self, "dialog", None)
        if dialog is not None:
            dialog.close()
        self.blockSignals(True)

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()


class TaskPool(QObject):
    """Starts tasks on their own threads, shows their progress, and can join them all."""

    failed = Signal(str)  # any task's failure, as a sentence for the reviewer
    cancelled = Signal(str)  # "Cancelled; nothing was ..." for the status bar

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._running: dict[Task, QThread] = {}
        self._by_worker: dict[QObject, Task] = {}
        self._finished: list[Task] = []

    def start(self, task: Task, progress: str | None = None, parent: QWidget | None = None,
              cancelled: str = "Cancelled; nothing was changed.", report_failure: bool = True,
              at_once: bool = False) -> Task:
        """Run ``task``; with ``progress``, show that sentence in a progress window with Cancel
        (not modal: the reviewer can keep watching), after a moment or, for work the reviewer
        asked for and waits on (``at_once``), straight away. Failures go to ``failed`` (unless
        the caller says them itself: ``report_failure=False``)."""
        if report_failure:
            task.failed.connect(self.failed)
        task.cancelled.connect(lambda: self.cancelled.emit(cancelled))
        if progress is not None:
            task.dialog = _progress_window(task, progress, parent)
            if at_once:
                task.dialog.setMinimumDuration(0)
                task.dialog.show()
        thread = QThread()
        thread.setObjectName(task.name)
        task.worker.moveToThread(thread)
        thread.started.connect(task.worker.run)
        # The worker's own `done` (not the task's, which a detached task no longer emits),
        # delivered on the GUI thread, so the join is from outside the thread.
        task.worker.done.connect(self._on_done)
        self._running[task] = thread
        self._by_worker[task.worker] = task
        _collection.hold()
        thread.start()
        return task

    @Slot()
    def _on_done(self) -> None:
        """The worker is done: join its thread, then say so (``task.done``, always last), so
        whoever waits on ``done`` finds the thread ended."""
        task = self._by_worker.pop(self.sender(), None)
        thread = self._running.pop(task, None)
        if thread is not None:
            thread.quit()
            thread.wait()
            _collection.release()
            task.worker.deleteLater()
            thread.deleteLater()
            # If the caller lets go of the task in its `done` slot, dropping our reference too
            # would delete it mid-emission (a use-after-free that segfaulted the export dialog
            # now and then). Keep it until the event loop is past the emission.
            self._finished.append(task)
            QTimer.singleShot(0, self._forget_finished)
            task.done.emit()

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
            if thread.wait(timeout_ms):
                _collection.release()
            else:  # collection stays with the GUI thread: better than a crash
                log.error("thread %s did not stop in time", task.name)
            self._running.pop(task, None)
            self._by_worker.pop(task.worker, None)


def _progress_window(task: Task, label: str, parent: QWidget | None) -> QProgressDialog:
    dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
    dialog.setWindowTitle("bwv-review")
    # Not modal: the reviewer can keep watching while a file hashes (and a modal
    # QProgressDialog runs a nested event loop on every setValue).
    dialog.setWindowModality(Qt.WindowModality.NonModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(task.cancel)
    task.progress.connect(lambda done, total: show_progress(dialog, done, total))
    task.done.connect(dialog.close)
    task.done.connect(dialog.deleteLater)
    return dialog


def show_progress(dialog: QProgressDialog, done: int, total: int) -> None:
    dialog.setMaximum(max(1, total))
    dialog.setValue(min(done, max(1, total)))
