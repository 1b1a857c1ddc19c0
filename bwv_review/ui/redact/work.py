"""Redact mode's long work, as tasks in the window's pool with progress and Cancel: face
suggestions over an exhibit, and the redacted copy with its disclosure report (asked for in
CopyDialog). The footage and the case are read on the task's thread; results come back as
signals on the GUI thread, where Redact mode turns suggestions into a change."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from ...core.errors import ReviewError
from ..tasks import Task, TaskPool, preload_worker_modules
from .copy_dialog import CopyDialog

log = logging.getLogger(__name__)
WORKER_MODULES = ("bwv_review.core.redact.copy", "bwv_review.core.redact.faces", "bwv_review.core.redact.detector",
                  "bwv_review.core.redact.tracks", "bwv_review.core.redact.disclose", "bwv_review.core.redact.report",
                  "bwv_review.core.redact.records", "bwv_review.core.redact.label", "bwv_review.core.redact.plan",
                  "bwv_review.core.reading")


class RedactWork(QObject):
    facesFound = Signal(object, list)  # the session it was asked for, the suggestions (not yet added)
    message = Signal(str, int)  # a sentence for the status bar, how long to show it (ms)

    def __init__(self, pool: TaskPool, parent_widget: QWidget, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = pool
        self.parent_widget = parent_widget
        self.task: Task | None = None
        self.copy_dialog: CopyDialog | None = None

    def _start(self, fn, name: str, label: str, done) -> None:
        if self.task is not None:
            self.message.emit("Already busy with redaction work.", 4000)
            return
        preload_worker_modules(*WORKER_MODULES)
        task = self.task = Task(fn, name)
        task.succeeded.connect(done)
        task.done.connect(self._task_done)
        # Failures and Cancel are said by the pool; the reviewer asked for this and waits on it.
        self.pool.start(task, label, self.parent_widget, at_once=True)

    def _task_done(self) -> None:
        self.task = None

    # -- faces -------------------------------------------------------------------------------------
    def find_faces(self, session) -> None:
        ex = session.exhibit
        try:
            path = session.store.footage_path(ex)
        except ReviewError as exc:  # a stored path this computer will not follow
            self.message.emit(str(exc), 10000)
            return

        def work(progress, cancelled):
            from ...core.footage import Footage  # noqa: PLC0415
            from ...core.redact.faces import suggest_faces  # noqa: PLC0415

            return suggest_faces(Footage.shared(path, ex.sha256), ex.id, progress=progress, cancel=cancelled)

        self._start(work, f"faces {ex.ref}", f"Looking for faces in exhibit {ex.ref}\u2026",
                    lambda suggestions: self.facesFound.emit(session, list(suggestions or [])))

    # -- the redacted copy -------------------------------------------------------------------------
    def export_copy(self, session, items: list) -> None:
        """Ask where and how (window-modal, without blocking the player), then make the copy."""
        if self.copy_dialog is not None:
            self.copy_dialog.raise_()
            return
        from ...core.export.files import safe_filename  # noqa: PLC0415
        from ...core.redact.disclose import label_for  # noqa: PLC0415
        from ...core.timecode import local, now_utc  # noqa: PLC0415

        ex = session.exhibit
        statuses = [r.status for r in items]
        dialog = self.copy_dialog = CopyDialog(
            ex.ref, (session.store.folder / f"{safe_filename(ex.ref)} redacted.mp4").resolve(),
            label_for(ex.ref, local(now_utc(), session.store.case().timezone)),
            statuses.count("confirmed"), statuses.count("suggested"), self.parent_widget)
        dialog.finished.connect(lambda result: self._copy_chosen(session, ex, dialog, result))
        dialog.open()

    def _copy_chosen(self, session, ex, dialog: CopyDialog, result: int) -> None:
        self.copy_dialog = None
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted or session.core.closed:
            return
        chosen = dialog.choices()
        case_path, actor = session.store.path, session.actor()

        def work(progress, cancelled):
            from ...core import cases  # noqa: PLC0415
            from ...core.redact.disclose import make_copy  # noqa: PLC0415

            # Its own connection: SQLite connections stay on the thread that made them.
            with cases.open_case(case_path) as store:
                return make_copy(store, ex.ref, chosen.out, actor, include_suggested=chosen.include_suggested,
                                 burn_in=chosen.burn_in, report=chosen.report, force=chosen.force,
                                 progress=lambda _stage, done, total: progress(done, total), cancel=cancelled)

        def made(result) -> None:
            if not session.core.closed and result.change is not None:
                session.core.adopt(result.change)  # made on the task's connection: ours, not another program's
            for warning in result.warnings:
                self.message.emit(warning, 8000)
            self.message.emit(f"Redacted copy written: {result.path.name} (SHA-256 {result.copy['sha256'][:16]}\u2026), "
                              f"report {result.report.name}", 12000)

        self._start(work, f"redacted copy {ex.ref}", f"Making the redacted copy of {ex.ref}\u2026", made)
