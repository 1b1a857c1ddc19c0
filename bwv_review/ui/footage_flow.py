"""Footage work that takes time: checking hashes on open, stills, adding and relinking files.

Each runs as a Task on its own thread; adding and relinking show a progress dialog with
Cancel. Adding opens its own connection to the case file in the worker (the GUI keeps its
own), so the GUI thread never waits on a multi-gigabyte hash.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QProgressDialog, QWidget

from ..core.errors import ReviewError
from ..core.integrity import sha256_file
from .dialogs.footage import AddFootageDialog
from .workers import Task, TaskPool

if TYPE_CHECKING:
    from ..core.model import Exhibit
    from ..core.store import CaseStore

log = logging.getLogger(__name__)


# core.evidence (PyAV, cv2), the case file (sqlite_utils) and the stills decoder are loaded
# by the first footage job, not when the window starts (the start page needs none of them).
def check_footage(*args, **kwargs):
    from ..core.evidence import check_footage as check

    return check(*args, **kwargs)


def import_footage(*args, **kwargs):
    from ..core.evidence import import_footage as do_import

    return do_import(*args, **kwargs)


def decode_thumbnail(*args, **kwargs):
    from .thumbnails import decode_thumbnail as decode

    return decode(*args, **kwargs)


VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".m4v", ".mts", ".wmv", ".3gp", ".webm", ".mpg", ".mpeg"}


class FootageFlow(QObject):
    checked = Signal(int, str)  # exhibit id, verified/changed/missing
    thumbnail = Signal(int, object)  # exhibit id, QImage
    added = Signal(object)  # Exhibit
    relinked = Signal(object)  # Exhibit
    error = Signal(str)
    message = Signal(str)

    def __init__(self, pool: TaskPool, window: QWidget, parent=None):
        super().__init__(parent)
        self.pool = pool
        self.window = window
        self.store: CaseStore | None = None
        self.actor = lambda: ""
        self.progress: QProgressDialog | None = None
        self._check_task: Task | None = None

    # -- on open -----------------------------------------------------------------------------
    def check_all(self, exhibits: list[Exhibit]) -> None:
        """Hash every exhibit, one after another (parallel reads would thrash a disk)."""
        if self._check_task is not None:
            self._check_task.cancel()
        store = self.store
        jobs = list(exhibits)

        def run(progress, cancelled):
            for ex in jobs:
                if cancelled():
                    return None
                result = check_footage(store, ex, cancel=cancelled)  # a refused path is never opened
                relay.checked.emit(ex.id, result.status)
                path = result.path
                if result.status in ("verified", "changed") and path is not None:
                    try:
                        relay.thumbnail.emit(ex.id, decode_thumbnail(path, at_ms=min(1000, ex.duration_ms // 2)))
                    except Exception as exc:  # noqa: BLE001 - a still is a nicety; say why it is absent
                        log.warning("no still for %s: %s", ex.ref, exc)
            return None

        # Emitted from the worker; received by this GUI-thread object, so queued.
        relay = _CheckRelay()
        relay.checked.connect(self.checked)
        relay.thumbnail.connect(self.thumbnail)
        task = Task(run, "check footage")
        task.relay = relay
        task.failed.connect(self.error)
        self._check_task = task
        task.done.connect(self._check_done)
        self.pool.start(task)

    def _check_done(self) -> None:
        self._check_task = None

    # -- adding --------------------------------------------------------------------------------
    def add_files(self, paths: list[Path]) -> None:
        for path in paths:
            self.add_file(Path(path))

    def add_file(self, path: Path) -> None:
        if self.store is None:
            self.error.emit("Open or create a case before adding footage.")
            return
        if self.store.readonly:
            self.error.emit("This case is open read-only; footage cannot be added.")
            return
        dialog = AddFootageDialog(path, suggest_ref(path, [e.ref for e in self.store.exhibits()]), self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        case_path, actor = self.store.path, self.actor()

        def run(progress, cancelled):
            from ..core.store import CaseStore

            with CaseStore.open(case_path) as store:
                return import_footage(store, path, actor=actor, progress=progress, cancel=cancelled, **values)

        task = Task(run, f"add {path.name}")
        self._with_progress(task, f"Hashing {path.name} before adding it as {values['ref']}…")
        task.succeeded.connect(self.added)
        task.succeeded.connect(lambda ex: self.message.emit(f"Added exhibit {ex.ref} (SHA-256 {ex.sha256[:12]}…)"))
        self.pool.start(task)

    # -- relinking -----------------------------------------------------------------------------
    def relink(self, exhibit: Exhibit, path: Path) -> None:
        """Point an exhibit at ``path`` if, and only if, it is the same footage (SHA-256)."""
        store, actor = self.store, self.actor()

        def run(progress, cancelled):
            digest = sha256_file(path, progress=progress, cancel=cancelled)
            if digest != exhibit.sha256:
                raise ReviewError(
                    f"{path.name} is not the footage of exhibit {exhibit.ref}: its SHA-256 differs, "
                    "so it was not linked."
                )
            return digest

        def linked(_digest):
            try:
                ex = store.update_exhibit(exhibit.ref, actor, action="exhibit.relink", path=store.stored_path(path))
            except ReviewError as exc:
                self.error.emit(str(exc))
                return
            self.relinked.emit(ex)
            self.checked.emit(ex.id, "verified")
            self.message.emit(f"Exhibit {ex.ref} relinked to {path.name}; SHA-256 matches.")

        task = Task(run, f"relink {exhibit.ref}")
        self._with_progress(task, f"Checking {path.name} is exhibit {exhibit.ref}…")
        task.succeeded.connect(linked)
        self.pool.start(task)

    # -- progress --------------------------------------------------------------------------------
    def _with_progress(self, task: Task, label: str) -> None:
        dialog = QProgressDialog(label, "Cancel", 0, 0, self.window)
        dialog.setWindowTitle("bwv-review")
        # Not modal: the reviewer can keep watching while a file hashes (and a modal
        # QProgressDialog runs a nested event loop on every setValue).
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(task.cancel)
        task.progress.connect(functools.partial(_show_progress, dialog))
        task.failed.connect(self.error)
        task.cancelled.connect(lambda: self.message.emit("Cancelled; nothing was added or changed."))
        task.done.connect(dialog.deleteLater)
        task.done.connect(dialog.close)
        self.progress = dialog


def _show_progress(dialog: QProgressDialog, done: int, total: int) -> None:
    dialog.setMaximum(max(1, total))
    dialog.setValue(min(done, max(1, total)))


class _CheckRelay(QObject):
    checked = Signal(int, str)
    thumbnail = Signal(int, object)


def suggest_ref(path: Path, taken: list[str]) -> str:
    """A first guess at the exhibit ref from a file name like 'AB-1 clip.mp4' -> 'AB/1'."""
    stem = path.stem.split()[0] if path.stem.split() else path.stem
    guess = stem.replace("-", "/").replace("_", "/").upper() if any(c.isdigit() for c in stem) and len(stem) <= 10 else ""
    return "" if guess.casefold() in {t.casefold() for t in taken} else guess


def is_footage(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES
