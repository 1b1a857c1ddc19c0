"""The review session in the window: the Qt face of ``core.session.Session``.

The core session holds the state and makes every change (through core operations); this
adapter turns its events into Qt signals, keeps the table and exhibits models up to date
by applying each change set (never resetting them), and runs the timers the core has none
of: looking for another program's writes every second (``PRAGMA data_version``, then the
audit rows since; on a server case also at once when its NOTIFY arrives, ui/notices.py)
and saving the coverage gathered every few seconds.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from ..core import session as core_session
from ..core.model import Annotation, Exhibit
from .annotations.model import AnnotationTableModel
from .exhibits import ExhibitsModel

log = logging.getLogger(__name__)
POLL_MS = 1000
COVERAGE_EVERY = 3  # polls between coverage writes


class ReviewSession(QObject):
    message = Signal(str)  # for the status bar
    error = Signal(str)  # a sentence for a dialog
    changed = Signal(object)  # ChangeSet, already shown by the models
    exhibitOpened = Signal(object)  # Exhibit or None: the exhibit on screen
    selectionChanged = Signal(object)  # Annotation or None
    undoChanged = Signal(object, object)  # label to undo, label to redo (None: nothing)
    closed = Signal()
    connectionChanged = Signal(str)  # a server case: why it cannot be reached now, or "" once it is back
    presentChanged = Signal(str)  # a server case: who else has it open

    def __init__(self, core: core_session.Session, parent: QObject | None = None):
        super().__init__(parent)
        self.core = core
        self.store = core.store
        self.applying = False  # True while models move rows for a change set
        self.annotations = AnnotationTableModel(parent=self)
        self.annotations.set_session(core)
        self.exhibits = ExhibitsModel(self)
        self.exhibits.set_exhibits(sorted(core.exhibits.values(), key=lambda e: e.ref), core.case.timezone)
        for ex in core.exhibits.values():
            self.exhibits.set_coverage(ex.id, core.coverage.current(ex.id))
        core.subscribe(self._on_event)
        self._ticks = 0
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._notices = None
        if core.team is not None:  # a server case: other reviewers' changes as soon as they commit
            from .notices import Notices

            self._notices = Notices(core.store, self)
            self._notices.heard.connect(self.core.poll)

    @classmethod
    def open(cls, path: Path | str, reviewer: str, readonly: bool = False, reaction_lag_ms: int = 0,
             parent: QObject | None = None) -> ReviewSession:
        """Open a case for review; ReviewError (a sentence) when it cannot be. Writes nothing."""
        from ..core import cases  # sqlite_utils (or psycopg) loads with the first case

        store = cases.open_case(path if cases.is_server(path) else Path(path), readonly=readonly)
        try:
            core = core_session.Session(store, reviewer, reaction_lag_ms=reaction_lag_ms)
        except BaseException:
            store.close()
            raise
        return cls(core, parent)

    # -- what the window asks ---------------------------------------------------------------
    @property
    def readonly(self) -> bool:
        return self.core.readonly

    @property
    def exhibit(self) -> Exhibit | None:
        return self.core.exhibit

    @property
    def selected(self) -> Annotation | None:
        return self.core.selected

    def actor(self) -> str:
        return self.core.reviewer

    def exhibits_in_order(self) -> list[Exhibit]:
        return list(self.exhibits.exhibits)

    # -- core events -> Qt ---------------------------------------------------------------------
    def _on_event(self, event: core_session.Event) -> None:
        kind, value = event.kind, event.value
        if kind == core_session.CHANGED:
            self.applying = True
            try:
                self.annotations.apply_changes(value)
                self.exhibits.apply_changes(value, self.core.coverage.current)
            finally:
                self.applying = False
            self.changed.emit(value)
        elif kind == core_session.EXHIBIT:
            self.exhibitOpened.emit(value)
        elif kind == core_session.SELECTED:
            self.selectionChanged.emit(value)
        elif kind == core_session.UNDO:
            self.undoChanged.emit(*value)
        elif kind == core_session.MESSAGE:
            self.message.emit(value)
        elif kind == core_session.ERROR:
            self.error.emit(value)
        elif kind == core_session.CLOSED:
            self.closed.emit()
        elif kind == core_session.CONNECTION:
            self.connectionChanged.emit(value)
        elif kind == core_session.PRESENT:
            self.presentChanged.emit(value)

    def _tick(self) -> None:
        self._ticks += 1
        self.core.poll()
        if self._ticks % COVERAGE_EVERY == 0:
            self.core.flush_coverage()

    def flush_coverage(self) -> None:
        self.core.flush_coverage()

    def close(self) -> None:
        """Save the words being typed and the coverage gathered; close the case file."""
        self._timer.stop()
        if self._notices is not None:
            self._notices.stop()
        self.core.close()
