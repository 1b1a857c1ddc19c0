"""The reviewer's window. Wiring only: it builds the docks, menus and actions, opens and
closes cases, and connects the parts.

What a reviewer does to a case lives in the Qt-free ``core.session.Session``, adapted for
Qt by ``ui.review.ReviewSession``; the player and timeline follow it through
``ui.screen.Screen``; the table and editor through ``ui.editing.EditingBinding``; long work
runs in the one task pool (``ui.tasks``): footage in ``ui.footage_flow``, the machine
draft in ``ui.transcript_flow``, several cameras in ``ui.multicam``. Keys in ui.keyboard.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QInputDialog,
    QLabel,
    QLayout,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import ReviewError
from . import file_dialogs
from .annotations.editor import AnnotationEditor
from .dialogs.message import SentenceDialog, ask
from .footage_flow import FootageFlow, is_footage
from .keyboard import ListKeys, mark_label
from .multicam import install as install_multicam
from .placeholders import timeline_classes
from .player.widget import PlayerWidget
from .redact import install as install_redact
from .settings import Settings
from .start_page import StartPage
from .tasks import TaskPool
from .transcript_flow import TranscriptFlow
from .window_actions import WindowActions

# The start page needs none of the case machinery: the case file (sqlite_utils, numpy), the
# sample (PyAV, cv2), the review session and its models are imported when a case opens.
if TYPE_CHECKING:
    from .annotations.panel import AnnotationPanel
    from .editing import EditingBinding
    from .exhibits import ExhibitsPanel
    from .review import ReviewSession
    from .screen import Screen

log = logging.getLogger(__name__)
APP_TITLE = "bwv-review"
BANNER_STYLE = "background:#fff3cd; color:#5c4400; padding:6px; border-bottom:1px solid #e0c97f;"


class MainWindow(WindowActions, QMainWindow):
    caseOpened = Signal(object)  # ReviewSession or None

    def __init__(self, settings: Settings | None = None):
        super().__init__()
        self.settings = settings or Settings()
        self.session: ReviewSession | None = None
        self.screen: Screen | None = None
        self.editing: EditingBinding | None = None
        self.last_error = ""
        self._boxes: list[SentenceDialog] = []
        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)
        self.pool = TaskPool(self)
        self.flow = FootageFlow(self.pool, self, self)
        timeline_cls, self.marker_cls = timeline_classes()
        self.player = PlayerWidget()
        self.player.setToolTip("The footage. Space plays and pauses; Help > Keyboard lists every key")
        self.timeline = timeline_cls()
        self.editor = AnnotationEditor()
        self.start_page = StartPage()
        self.banner = QLabel()
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setWordWrap(True)
        self.banner.hide()
        review = QWidget()
        layout = QVBoxLayout(review)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.player, 1)
        layout.addWidget(self.timeline)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.start_page)
        self.stack.addWidget(review)
        self.setCentralWidget(self.stack)
        self.exhibits_dock = self._dock("Exhibits", "exhibits", Qt.DockWidgetArea.LeftDockWidgetArea)
        self.marks_dock = self._dock("Marks", "marks", Qt.DockWidgetArea.BottomDockWidgetArea)
        self.editor_dock = self._dock("Selected mark", "editor", Qt.DockWidgetArea.RightDockWidgetArea)
        self.editor_dock.setWidget(self.editor)
        self.panel: AnnotationPanel | None = None
        self.exhibits_panel: ExhibitsPanel | None = None
        self._list_keys = ListKeys(self)
        self.actions_by_name: dict[str, QAction] = {}
        self._build_menus()
        self.transcript = TranscriptFlow(self.pool, self.player, self.timeline, self.settings, self)
        self._add_transcript_dock()
        install_multicam(self)  # several cameras: watch together, align by sound, link marks
        install_redact(self)  # Redact mode over the player, the Redactions dock, the redacted copy
        self._wire_static()
        self.reviewer_label = QLabel()
        self.present_label = QLabel()  # a server case: who else has it open
        self.statusBar().addPermanentWidget(self.present_label)
        self.statusBar().addPermanentWidget(self.reviewer_label)
        self._connection = ""  # a server case: why it cannot be reached now
        # The window's minimum is set here rather than by its layout constraining the
        # platform window (which the offscreen test platform cannot do, and warns about).
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.setMinimumSize(960, 600)
        geometry, _state = self.settings.window_state()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 900)
        self._show_start()
        self.player.rewind_on_pause_ms = int(self.settings.rewind_on_pause_s * 1000)

    # -- building --------------------------------------------------------------------------------
    def _dock(self, title: str, name: str, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{name}")  # saveState/restoreState find docks by name
        _dock_features(dock)
        self.addDockWidget(area, dock)
        return dock

    def _add_transcript_dock(self) -> None:
        flow = self.transcript
        for dock, area in ((flow.dock, Qt.DockWidgetArea.LeftDockWidgetArea),
                           (flow.suggestions_dock, Qt.DockWidgetArea.BottomDockWidgetArea)):
            _dock_features(dock)
            self.addDockWidget(area, dock)
            dock.hide()
            self.view_menu.addAction(dock.toggleViewAction())
        self.mark_menu.addSeparator()
        self.mark_menu.addActions(flow.actions)
        for action in flow.actions:
            self.addAction(action)

    def _wire_static(self) -> None:
        sp = self.start_page
        sp.newRequested.connect(self.new_case)
        sp.openRequested.connect(self.choose_case)
        sp.sampleRequested.connect(self.open_sample)
        sp.recentRequested.connect(self.open_case)
        status = self.statusBar()
        self.player.notice.connect(lambda text: status.showMessage(text, 5000))
        self.player.errorOccurred.connect(self.show_error)
        self.pool.failed.connect(self.show_error)
        self.pool.cancelled.connect(lambda text: status.showMessage(text, 8000))
        for flow in (self.flow, self.transcript):
            flow.error.connect(self.show_error)
            flow.message.connect(lambda text: status.showMessage(text, 8000))
        self.transcript.markHere.connect(self.mark)
        self.editor.escaped.connect(self.toggle_play_and_focus_video)

    # -- cases -------------------------------------------------------------------------------------
    def open_case(self, path, readonly: bool = False) -> bool:
        """Open a case for review. Writes nothing to it: the reviewer's name joins the case
        with their first change."""
        from ..core import cases
        from ..core.session import Session
        from .annotations.panel import AnnotationPanel
        from .editing import EditingBinding
        from .exhibits import ExhibitsPanel
        from .review import ReviewSession
        from .screen import Screen

        if not self.ensure_reviewer():  # first: an upgrade of an older case is signed as this reviewer
            return False
        server = cases.is_server(path)  # postgresql://...: a team case (File > Open server case…)
        where = path if server else Path(path)
        try:
            store = cases.open_case(where, readonly=readonly, actor=self.settings.reviewer, upgrade=False)
            if store.needs_upgrade and not readonly and self.confirm_upgrade(store):
                store.close()
                store = cases.open_case(where, actor=self.settings.reviewer)
            try:  # reads every mark: a record no app wrote is refused here, in a sentence
                core = Session(store, self.settings.reviewer, reaction_lag_ms=self.settings.reaction_lag_ms)
            except ReviewError:
                store.close()
                raise
        except ReviewError as exc:
            self.show_error(str(exc))
            return False
        self.close_case()
        self.settings.add_recent_case(path if server else str(Path(path).resolve()))
        if server:
            self.settings.add_server_case(path)
        self.session = session = ReviewSession(core, self)
        self.panel = AnnotationPanel(session.annotations)
        self.exhibits_panel = ExhibitsPanel(session.exhibits)
        self.marks_dock.setWidget(self.panel)
        self.exhibits_dock.setWidget(self.exhibits_panel)
        self.panel.table.installEventFilter(self._list_keys)
        self.exhibits_panel.view.installEventFilter(self._list_keys)
        self.screen = Screen(session, self.player, self.timeline, self.marker_cls, self.settings, self)
        self.editing = EditingBinding(session, self.screen, self.editor, self.panel, self.focus_video)
        self._wire_session(session)
        self.flow.set_session(session)
        self.flow.verify()  # audit, records, footage hashes: off the GUI thread, a notice if anything is wrong
        self.transcript.set_session(session)
        case = core.case
        ref = f" ({case.reference})" if case.reference else ""
        self.setWindowTitle(f"{case.title}{ref} — {APP_TITLE}")
        self._set_banner()
        self.reviewer_label.setText(f"{case.title}{ref}  ·  Reviewer: {self.settings.reviewer}  ·  "
                                    + ("read-only" if store.readonly else "every change is saved at once")
                                    + (f"  ·  server case, database role {store.db_role}" if server else ""))
        self.stack.setCurrentIndex(1)
        self._restore_layout()
        self._relabel_marks()
        exhibits = session.exhibits_in_order()
        if exhibits:
            core.open_exhibit(exhibits[0].id)
        self.player.setFocus()
        self.caseOpened.emit(session)
        return True

    def _restore_layout(self) -> None:
        """Docks as this reviewer left them last time (or a sensible first layout)."""
        _geometry, state = self.settings.window_state()
        if state is None or not self.restoreState(state):
            for dock in (self.exhibits_dock, self.marks_dock, self.editor_dock):
                dock.show()
            exhibits_width = min(self.exhibits_panel.preferred_width(), self.width() * 2 // 5)
            self.resizeDocks([self.exhibits_dock, self.editor_dock], [max(430, exhibits_width), 360],
                             Qt.Orientation.Horizontal)
            self.resizeDocks([self.marks_dock], [260], Qt.Orientation.Vertical)
        flow = self.transcript
        if not flow.placed:  # the first time, unless the reviewer's saved layout places them
            placed = bytes(state or b"")
            for dock, beside, orientation, sizes in (
                    (flow.dock, self.exhibits_dock, Qt.Orientation.Vertical, [1, 2]),  # under the exhibits
                    (flow.suggestions_dock, self.marks_dock, Qt.Orientation.Horizontal, [3, 2])):  # beside the marks
                if dock.objectName().encode("utf-16-be") not in placed:
                    self.splitDockWidget(beside, dock, orientation)
                    dock.show()
                    self.resizeDocks([beside, dock], sizes, orientation)
        flow.placed = True

    def _wire_session(self, session: ReviewSession) -> None:
        status = self.statusBar()
        session.error.connect(self.show_error)
        session.message.connect(lambda text: status.showMessage(text, 8000))
        session.exhibitOpened.connect(self._exhibit_opened)
        session.undoChanged.connect(self._undo_changed)
        session.changed.connect(self._changed)
        session.connectionChanged.connect(self._connection_changed)
        session.presentChanged.connect(lambda text: self.present_label.setText(f"{text}  ·"))
        ep = self.exhibits_panel
        ep.openRequested.connect(lambda ex: session.core.open_exhibit(ex.id))
        ep.addRequested.connect(self.add_footage)
        ep.relinkRequested.connect(self.relink)
        self._flow_links = [(self.flow.checked, session.exhibits.set_status),
                            (self.flow.thumbnail, session.exhibits.set_thumbnail),
                            (self.flow.verified, self._verified), (self.flow.added, self._footage_added)]
        for signal, slot in self._flow_links:
            signal.connect(slot)
        self._undo_changed(None, None)

    def close_case(self) -> None:
        """Save what is being typed and watched, then leave nothing of the case on screen."""
        session = self.session
        if session is None:
            return
        self.multicam.close_all()  # their words and coverage go to the session first
        self.settings.save_window_state(self.saveGeometry(), self.saveState())
        self.pool.cancel_all()
        session.close()
        for signal, slot in self._flow_links:
            signal.disconnect(slot)
        self.flow.set_session(None)
        self.transcript.set_session(None)
        self.editing.close()
        self.screen.close()
        self.session = self.screen = self.editing = None
        for dock in (self.marks_dock, self.exhibits_dock):
            widget = dock.widget()
            dock.setWidget(QWidget())
            if widget is not None:
                widget.deleteLater()
        self.panel = self.exhibits_panel = None
        session.deleteLater()
        self._relabel_marks()
        self._undo_changed(None, None)
        self.caseOpened.emit(None)
        self._show_start()

    def _show_start(self) -> None:
        self.setWindowTitle(APP_TITLE)
        self.start_page.set_recent(self.settings.recent_cases())
        self.stack.setCurrentIndex(0)
        self.banner.hide()
        self._problems: list[str] = []
        self.verification: list[str] | None = None  # the open case's problems, once verified
        self.reviewer_label.setText(f"Reviewer: {self.settings.reviewer or 'not set'}")
        self.present_label.setText("")
        self._connection = ""
        for dock in (self.exhibits_dock, self.marks_dock, self.editor_dock, self.transcript.dock,
                     self.transcript.suggestions_dock):
            dock.hide()

    def confirm_upgrade(self, store) -> bool:
        """An older case format: upgrading writes the file (audited, signed, a copy of the old
        file kept beside it); the safe answer, reading it as it is, is the default."""
        return ask(self, "Upgrade this case file?",
                   f"{Path(store.path).name if not hasattr(store, 'url') else store.url} is in an older case format ({store.format_version}). To change it here it "
                   "must be upgraded first: the upgrade is audited and signed by you, and a copy of the file as it "
                   "is now is kept beside it. Without the upgrade it opens read-only and is not touched.",
                   "Upgrade it", "Open read-only")

    def _connection_changed(self, problem: str) -> None:
        self._connection = problem
        if problem:
            self.present_label.setText("")
        self._set_banner()

    def _set_banner(self) -> None:
        lines = [self._connection] if self._connection else []
        if self.session is not None and self.session.store.needs_upgrade:
            lines.append("Read-only: this case file is in an older format and was not upgraded, so it is read as it "
                         "is and cannot be changed here. Open it again and choose Upgrade to work on it.")
        elif self.session is not None and self.session.readonly:
            lines.append("Read-only: this case file cannot be changed here (it was opened read-only, or the file or "
                         "its folder is not writable). You can watch and search; marks cannot be added or edited.")
        if self._problems:
            lines.append(f"Verification found {len(self._problems)} problem(s) with this case: "
                         + " ".join(self._problems[:3]) + (" …" if len(self._problems) > 3 else ""))
        self.banner.setText("\n".join(lines))
        self.banner.setVisible(bool(lines))

    def _verified(self, problems: list) -> None:
        self._problems = self.verification = list(problems)
        self._set_banner()
        if problems:
            self.show_error("This case did not pass verification:\n\n" + "\n".join(f"• {p}" for p in problems)
                            + "\n\nNothing has been changed. `bwv-review verify` gives the same list.")
        else:
            self.statusBar().showMessage("Verified: audit log, records and every exhibit's SHA-256 are intact.", 8000)

    def _relabel_marks(self) -> None:
        keys = self.session.core.key_map() if self.session is not None else {}
        for key in range(1, 10):
            action = self.actions_by_name.get(f"mark:{key}")
            if action is not None:
                cat = keys.get(str(key))
                label = mark_label(key, cat.name if cat else None)
                action.setText(label)
                action.setStatusTip(f"{label} ({cat.description})" if cat and cat.description else label)

    def _changed(self, change) -> None:
        if change.categories():
            self._relabel_marks()

    def choose_server_case(self) -> None:
        from .dialogs.server_case import ServerCaseDialog

        dialog = ServerCaseDialog(self.settings.server_cases(), self)
        if dialog.exec() == ServerCaseDialog.DialogCode.Accepted and dialog.url():
            self.open_case(dialog.url())

    def choose_case(self) -> None:
        path, _ = file_dialogs.getOpenFileName(self, "Open case", str(Path.home()), "bwv-review cases (*.bwvcase);;All files (*)")
        if path:
            self.open_case(path)

    def new_case(self) -> None:
        if not self.ensure_reviewer():
            return
        from ..core.store import CaseStore
        from .dialogs.case import NewCaseDialog

        dialog = NewCaseDialog(Path.home(), self)
        if dialog.exec() != NewCaseDialog.DialogCode.Accepted:
            return
        try:
            store = CaseStore.create(dialog.case_path(), dialog.title.text(), dialog.reference.text(),
                                     reviewer=self.settings.reviewer)
        except ReviewError as exc:
            self.show_error(str(exc))
            return
        path = store.path
        store.close()
        self.open_case(path)

    def open_sample(self) -> None:
        from . import sample

        try:
            path = sample.open_sample()
        except ReviewError as exc:
            self.show_error(str(exc))
            return
        self.open_case(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_cases():
            self.recent_menu.addAction(path, functools.partial(self.open_case, path))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No recent cases").setEnabled(False)

    def ensure_reviewer(self) -> bool:
        """Ask for the reviewer's name once; it goes into the audit log with every change."""
        if self.settings.reviewer:
            return True
        name, ok = QInputDialog.getText(self, "Who is reviewing?", "Your name, as it should appear in the audit log:")
        if ok and name.strip():
            self.settings.reviewer = name
            return True
        return False

    def add_footage(self) -> None:
        if self.session is None:
            self.show_error("Open or create a case before adding footage.")
            return
        paths, _ = file_dialogs.getOpenFileNames(self, "Add footage", str(self.session.store.folder),
                                                "Video (*.mp4 *.mov *.avi *.mkv *.m4v *.mts *.wmv *.3gp *.webm *.mpg);;All files (*)")
        self.flow.add_files([Path(p) for p in paths])

    def relink(self, exhibit) -> None:
        path, _ = file_dialogs.getOpenFileName(self, f"Find the footage of exhibit {exhibit.ref}", str(self.session.store.folder))
        if path:
            self.flow.relink(exhibit, Path(path))

    def _footage_added(self, exhibit) -> None:
        if self.session is not None and self.session.exhibit is None:
            self.session.core.open_exhibit(exhibit.id)

    def _exhibit_opened(self, exhibit) -> None:
        if exhibit is not None and self.exhibits_panel is not None:
            self.exhibits_panel.select(exhibit.id)

    def _undo_changed(self, undo_label, redo_label) -> None:
        for name, label in (("undo", undo_label), ("redo", redo_label)):
            action = self.actions_by_name[name]
            action.setEnabled(label is not None)
            action.setText(f"{name.capitalize()} {label}" if label else name.capitalize())

    # -- dialogs -------------------------------------------------------------------------------------
    def show_error(self, sentence: str) -> None:
        """A sentence in a dialog that does not block the event loop (the video keeps its clock)."""
        log.warning("shown to reviewer: %s", sentence)
        self.last_error = sentence
        box = SentenceDialog(APP_TITLE, sentence, self)
        box.finished.connect(functools.partial(self._forget_box, box))
        self._boxes.append(box)
        box.open()

    def _forget_box(self, box, _result: int) -> None:
        if box in self._boxes:
            self._boxes.remove(box)

    # -- window events ---------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        urls = [u.toLocalFile() for u in event.mimeData().urls()]
        if urls and all(is_footage(Path(u)) or u.endswith(".bwvcase") for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls()]
        cases = [p for p in paths if p.suffix == ".bwvcase"]
        if cases:
            self.open_case(cases[0])
        else:
            self.flow.add_files([p for p in paths if is_footage(p)])
        event.acceptProposedAction()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.close_case()  # saves words being typed, coverage, and the dock layout while docks are in use
        self.settings.save_window_state(self.saveGeometry())
        self.player.shutdown()
        if hasattr(self.timeline, "shutdown"):
            self.timeline.shutdown()  # joins the sound reader's thread
        self.pool.shutdown()
        for box in list(self._boxes):
            box.close()
        super().closeEvent(event)


def _dock_features(dock: QDockWidget) -> None:
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
