"""Footage work that takes time: verifying a case on open, adding and relinking files.

Each runs through the task helper (ui.tasks) on its own thread, with its own connection to
the case file, so the GUI thread never waits on a multi-gigabyte hash. What they change
comes back as a change set the review session adopts, like any other change.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from ..core.errors import ReviewError
from .dialogs.footage import AddFootageDialog
from .tasks import Task, TaskPool

if TYPE_CHECKING:
    from ..core.model import Exhibit
    from .review import ReviewSession

log = logging.getLogger(__name__)


# core.evidence (PyAV, cv2), the case file (sqlite_utils) and the stills decoder are loaded
# by the first footage job, not when the window starts (the start page needs none of them).
def check_integrity(*args, **kwargs):
    from ..core.evidence import check_integrity as check

    return check(*args, **kwargs)


def check_footage(*args, **kwargs):
    from ..core.evidence import check_footage as check

    return check(*args, **kwargs)


def add_footage(*args, **kwargs):
    from ..core.operations import add_footage as add

    return add(*args, **kwargs)


def sha256_file(*args, **kwargs):
    from ..core.integrity import sha256_file as digest

    return digest(*args, **kwargs)


def decode_thumbnail(*args, **kwargs):
    from .thumbnails import decode_thumbnail as decode

    return decode(*args, **kwargs)


def _open_store(path: Path | str, readonly: bool):
    from ..core import cases  # a file path or a server case's address

    return cases.open_case(path, readonly=readonly)


VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".m4v", ".mts", ".wmv", ".3gp", ".webm", ".mpg", ".mpeg"}


class FootageFlow(QObject):
    checked = Signal(int, str)  # exhibit id, verified/changed/missing
    thumbnail = Signal(int, object)  # exhibit id, QImage
    verified = Signal(object)  # list: every problem the case's verification found (sentences); [] when sound
    added = Signal(object)  # Exhibit
    error = Signal(str)
    message = Signal(str)

    def __init__(self, pool: TaskPool, parent_widget: QWidget, parent=None):
        super().__init__(parent)
        self.pool = pool
        self.parent_widget = parent_widget
        self.session: ReviewSession | None = None
        self._check_task: Task | None = None

    def set_session(self, session: ReviewSession | None) -> None:
        if self._check_task is not None:
            self._check_task.cancel()
        self.session = session

    # -- on open: the core's verify, off the GUI thread ---------------------------------------------
    def verify(self) -> Task | None:
        """Check the audit log, the records and every exhibit's hash (one after another: parallel
        reads would thrash a disk); each exhibit's status and still as it is done, then every
        problem found."""
        if self.session is None:
            return None
        path = self.session.store.path

        def run(progress, cancelled):
            def each(check) -> None:
                relay.checked.emit(check.exhibit.id, check.status)
                if check.status in ("verified", "changed") and check.path is not None:  # a refused path is never opened
                    try:
                        relay.thumbnail.emit(check.exhibit.id, decode_thumbnail(
                            check.path, at_ms=min(1000, check.exhibit.duration_ms // 2)))
                    except Exception as exc:  # noqa: BLE001 - a still is a nicety; say why it is absent
                        log.warning("no still for %s: %s", check.exhibit.ref, exc)

            with _open_store(path, readonly=True) as store:
                # The case file first (fast: audit chain, signatures, records, drafts), then each
                # exhibit's footage, its status shown as soon as it is known.
                integrity = check_integrity(store)
                relay.untrusted.emit(None if integrity.untrusted_all else frozenset(integrity.untrusted_annotations))
                problems = [str(p) for p in integrity.problems]
                for exhibit in store.exhibits():
                    if cancelled():
                        break
                    check = check_footage(store, exhibit, cancel=cancelled)
                    each(check)
                    if check.problem:
                        problems.append(check.problem)
                return problems

        relay = _CheckRelay()  # emitted from the worker, received on the GUI thread (queued)
        relay.checked.connect(self.checked)
        relay.thumbnail.connect(self.thumbnail)
        relay.untrusted.connect(self.session.annotations.set_untrusted)
        task = Task(run, "verify case")
        task.relay = relay
        task.succeeded.connect(self.verified)
        task.done.connect(self._check_done)
        self._check_task = task
        return self.pool.start(task, cancelled="Verification stopped.")

    def _check_done(self) -> None:
        self._check_task = None

    # -- adding ------------------------------------------------------------------------------------
    def add_files(self, paths: list[Path]) -> None:
        for path in paths:
            self.add_file(Path(path))

    def add_file(self, path: Path) -> Task | None:
        session = self.session
        if session is None:
            self.error.emit("Open or create a case before adding footage (File > New case or Open case).")
            return None
        if session.readonly:
            self.error.emit("This case is open read-only; footage cannot be added.")
            return None
        taken = [e.ref for e in session.core.exhibits.values()]
        dialog = AddFootageDialog(path, suggest_ref(path, taken), self.parent_widget)
        if dialog.exec() != QDialog.DialogCode.Accepted or self.session is not session:
            return None
        values = dialog.values()
        case_path, actor = session.store.path, session.actor()

        def run(progress, cancelled):
            with _open_store(case_path, readonly=False) as store:
                return add_footage(store, path, values.pop("ref"), actor, progress=progress, cancel=cancelled,
                                   **values)

        task = Task(run, f"add {path.name}")
        task.succeeded.connect(lambda change: self._added(session, change))
        return self.pool.start(task, f"Hashing {path.name} before adding it as {values['ref']}…", self.parent_widget,
                               cancelled="Cancelled; nothing was added or changed.")

    def _added(self, session: ReviewSession, change) -> None:
        if session is not self.session:
            return  # added to a case since closed; it is in that case file
        session.core.adopt(change)
        for ex in change.exhibits().values():
            if ex is not None:
                self.checked.emit(ex.id, "verified")  # hashed just now
                self._thumbnail(ex)
                self.message.emit(f"Added exhibit {ex.ref} (SHA-256 {ex.sha256[:12]}…)")
                self.added.emit(ex)

    def _thumbnail(self, ex: Exhibit) -> None:
        try:
            path = self.session.store.footage_path(ex)
        except ReviewError as exc:  # a stored path this computer refuses to follow: no still
            log.warning("no still for %s: %s", ex.ref, exc)
            return
        task = Task(lambda progress, cancelled: decode_thumbnail(path, at_ms=min(1000, ex.duration_ms // 2)),
                    f"still of {ex.ref}")
        task.succeeded.connect(lambda image: self.thumbnail.emit(ex.id, image))
        task.failed.connect(lambda why: log.warning("no still for %s: %s", ex.ref, why))  # a nicety
        self.pool.start(task, report_failure=False)

    # -- relinking -----------------------------------------------------------------------------------
    def relink(self, exhibit: Exhibit, path: Path) -> Task:
        """Point an exhibit at ``path`` if, and only if, it is the same footage (SHA-256)."""
        session = self.session
        task = Task(lambda progress, cancelled: sha256_file(path, progress=progress, cancel=cancelled),
                    f"relink {exhibit.ref}")

        def hashed(digest: str) -> None:
            if session is not self.session or session.core.relink(exhibit.ref, path, digest) is None:
                return
            self.checked.emit(exhibit.id, "verified")
            self.message.emit(f"Exhibit {exhibit.ref} relinked to {path.name}; SHA-256 matches.")

        task.succeeded.connect(hashed)
        return self.pool.start(task, f"Checking {path.name} is exhibit {exhibit.ref}…", self.parent_widget)


class _CheckRelay(QObject):
    checked = Signal(int, str)
    thumbnail = Signal(int, object)
    untrusted = Signal(object)  # marks verification cannot vouch for: a frozenset of ids, None for all


def suggest_ref(path: Path, taken: list[str]) -> str:
    """A first guess at the exhibit ref from a file name like 'AB-1 clip.mp4' -> 'AB/1'."""
    stem = path.stem.split()[0] if path.stem.split() else path.stem
    guess = stem.replace("-", "/").replace("_", "/").upper() if any(c.isdigit() for c in stem) and len(stem) <= 10 else ""
    return "" if guess.casefold() in {t.casefold() for t in taken} else guess


def is_footage(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES
