"""The reviewer's window. Thin: it builds the docks, menus and actions and wires signals.

What happens to the case lives in ReviewSession (ui.review); long footage work in
FootageFlow (ui.footage_flow); keys in ui.keyboard; models in ui.annotations/ui.exhibits.
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
    QFileDialog,
    QInputDialog,
    QLabel,
    QLayout,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import ReviewError
from .annotations.editor import AnnotationEditor
from .dialogs.message import SentenceDialog
from .footage_flow import FootageFlow, is_footage
from .keyboard import ListKeys
from .multicam import install as install_multicam
from .placeholders import timeline_classes
from .player.widget import PlayerWidget
from .redact import install as install_redact
from .settings import Settings
from .start_page import StartPage
from .transcript_flow import TranscriptFlow
from .window_actions import WindowActions
from .workers import TaskPool

# The start page needs none of the case machinery: the case file (sqlite_utils, numpy), the
# sample (PyAV, cv2), the review session and its models are imported when a case opens.
if TYPE_CHECKING:
    from .annotations.panel import AnnotationPanel
    from .exhibits import ExhibitsPanel
    from .review import ReviewSession

log = logging.getLogger(__name__)
APP_TITLE = "bwv-review"


class MainWindow(WindowActions, QMainWindow):
    caseOpened = Signal(object)  # ReviewSession or None

    def __init__(self, settings: Settings | None = None):
        super().__init__()
        self.settings = settings or Settings()
        self.session: ReviewSession | None = None
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
        self.banner.setStyleSheet("background:#fff3cd; color:#5c4400; padding:6px; border-bottom:1px solid #e0c97f;")
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
        self._wire_static()
        self.transcript = TranscriptFlow(self)  # the machine draft's dock, menu items and runs
        install_multicam(self)  # several cameras: watch together, align by sound, link marks
        install_redact(self)  # Redact mode over the player, the Redactions dock, the redacted copy
        self.reviewer_label = QLabel()
        self.present_label = QLabel()  # a server case: who else has it open
        self.statusBar().addPermanentWidget(self.present_label)
        self.statusBar().addPermanentWidget(self.reviewer_label)
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
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _wire_static(self) -> None:
        sp = self.start_page
        sp.newRequested.connect(self.new_case)
        sp.openRequested.connect(self.choose_case)
        sp.sampleRequested.connect(self.open_sample)
        sp.recentRequested.connect(self.open_case)
        self.player.notice.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.player.errorOccurred.connect(self.show_error)
        self.flow.error.connect(self.show_error)
        self.flow.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.flow.added.connect(self._footage_added)
        self.flow.relinked.connect(functools.partial(self._with_session, "reload"))
        ed = self.editor
        ed.editRequested.connect(lambda rid, changes: self._with_session("edit", rid, changes, ed.base))
        ed.setStartToCurrent.connect(functools.partial(self._with_session, "set_start_here"))
        ed.setEndToCurrent.connect(functools.partial(self._with_session, "set_end_here"))
        ed.deleteRequested.connect(functools.partial(self._with_session, "delete"))
        ed.confirmed.connect(self._words_confirmed)
        ed.escaped.connect(self.toggle_play_and_focus_video)

    # -- cases -------------------------------------------------------------------------------------
    def open_case(self, path, readonly: bool = False) -> bool:
        from ..core import cases
        from .annotations.panel import AnnotationPanel
        from .exhibits import ExhibitsPanel
        from .review import ReviewSession

        server = cases.is_server(path)
        try:
            store = cases.open_case(path if server else Path(path), readonly=readonly,
                                    actor=self.settings.reviewer or None)
        except ReviewError as exc:
            self.show_error(str(exc))
            return False
        self.close_case()
        if not self.ensure_reviewer():
            store.close()
            return False
        if not store.readonly:
            try:
                store.add_reviewer(self.settings.reviewer)
            except ReviewError as exc:
                log.warning("reviewer not recorded on the case: %s", exc)
        self.settings.add_recent_case(path if server else str(Path(path).resolve()))
        if server:
            self.settings.add_server_case(path)
        self.session = session = ReviewSession(store, self.settings, self.player, self.timeline, self.marker_cls, self)
        self.panel = AnnotationPanel(session.annotations)
        self.exhibits_panel = ExhibitsPanel(session.exhibits)
        self.marks_dock.setWidget(self.panel)
        self.exhibits_dock.setWidget(self.exhibits_panel)
        self.panel.table.installEventFilter(self._list_keys)
        self.exhibits_panel.view.installEventFilter(self._list_keys)
        self._wire_session(session)
        self.editor.set_categories(store.categories())
        self.editor.set_speakers(store.speakers())
        self.editor.set_annotation(None)
        self.panel.refresh_choices()
        self.flow.store, self.flow.actor = store, session.actor
        self.flow.check_all(store.exhibits())
        case = store.case()
        ref = f" ({case.reference})" if case.reference else ""
        self.setWindowTitle(f"{case.title}{ref} — {APP_TITLE}")
        self.banner.setText("Read-only: this case file cannot be changed here (it was opened read-only, or the file "
                            "or its folder is not writable). You can watch and search; marks cannot be added or edited.")
        self.banner.setVisible(store.readonly)
        self.reviewer_label.setText(f"{case.title}{ref}  ·  Reviewer: {self.settings.reviewer}  ·  "
                                    + ("read-only" if store.readonly else "every change is saved at once")
                                    + (f"  ·  server case, database role {store.db_role}" if server else ""))
        self.stack.setCurrentIndex(1)
        self._restore_layout()
        exhibits = store.exhibits()
        if exhibits:
            session.open_exhibit(exhibits[0])
            self.exhibits_panel.select(exhibits[0].id)
        self.player.setFocus()
        self.caseOpened.emit(session)
        return True

    def _restore_layout(self) -> None:
        """Docks as this reviewer left them last time (or a sensible first layout)."""
        _geometry, state = self.settings.window_state()
        if state is None or not self.restoreState(state):
            for dock in (self.exhibits_dock, self.marks_dock, self.editor_dock):
                dock.show()
            self.resizeDocks([self.exhibits_dock, self.editor_dock], [430, 360], Qt.Orientation.Horizontal)
            self.resizeDocks([self.marks_dock], [260], Qt.Orientation.Vertical)

    def _wire_session(self, session: ReviewSession) -> None:
        session.error.connect(self.show_error)
        session.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        session.caseChanged.connect(self._case_changed)
        session.connectionChanged.connect(self._connection_changed)
        session.presentChanged.connect(self.present_label.setText)
        session.exhibitOpened.connect(self._exhibit_opened)
        session.undo.indexChanged.connect(self._refresh_editor)
        self.panel.selected.connect(self._selected)
        self.panel.activated.connect(self._go_to)
        ep = self.exhibits_panel
        ep.openRequested.connect(session.open_exhibit)
        ep.addRequested.connect(self.add_footage)
        ep.relinkRequested.connect(self.relink)
        self.flow.checked.connect(session.exhibits.set_status)
        self.flow.thumbnail.connect(session.exhibits.set_thumbnail)
        for name, signal in (("undo", session.undo.canUndoChanged), ("redo", session.undo.canRedoChanged)):
            action = self.actions_by_name[name]
            action.setEnabled(False)
            signal.connect(action.setEnabled)

    def _connection_changed(self, problem: str) -> None:
        """A server case's connection lost (``problem``, shown until it is back) or back ("")."""
        store = self.session.store if self.session else None
        self.banner.setText(problem)
        self.banner.setVisible(bool(problem) or bool(store and store.readonly))
        if problem:
            self.present_label.setText("")
        if not problem and store is not None and store.readonly:
            self.banner.setText("Read-only: this case cannot be changed here. You can watch and search.")

    def close_case(self) -> None:
        session, self.session = self.session, None
        if session is None:
            return
        for signal in (self.flow.checked, self.flow.thumbnail):
            signal.disconnect()
        self.settings.save_window_state(self.saveGeometry(), self.saveState())
        session.close()
        self.pool.cancel_all()
        self.player.unload()
        self.editor.set_annotation(None)
        for dock in (self.marks_dock, self.exhibits_dock):
            widget = dock.widget()
            dock.setWidget(QWidget())
            if widget is not None:
                widget.deleteLater()
        self.panel = self.exhibits_panel = None
        session.store.close()
        session.deleteLater()
        self.caseOpened.emit(None)
        self._show_start()

    def _show_start(self) -> None:
        self.setWindowTitle(APP_TITLE)
        self.start_page.set_recent(self.settings.recent_cases())
        self.stack.setCurrentIndex(0)
        self.banner.hide()
        self.reviewer_label.setText(f"Reviewer: {self.settings.reviewer or 'not set'}")
        self.present_label.setText("")
        for dock in (self.exhibits_dock, self.marks_dock, self.editor_dock):
            dock.hide()

    def choose_case(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open case", str(Path.home()), "bwv-review cases (*.bwvcase);;All files (*)")
        if path:
            self.open_case(path)

    def choose_server_case(self) -> None:
        from .dialogs.server_case import ServerCaseDialog

        dialog = ServerCaseDialog(self.settings.server_cases(), self)
        if dialog.exec() == ServerCaseDialog.DialogCode.Accepted and dialog.url():
            self.open_case(dialog.url())

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
        paths, _ = QFileDialog.getOpenFileNames(self, "Add footage", str(self.session.store.folder),
                                                "Video (*.mp4 *.mov *.avi *.mkv *.m4v *.mts *.wmv *.3gp *.webm *.mpg);;All files (*)")
        self.flow.add_files([Path(p) for p in paths])

    def relink(self, exhibit) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Find the footage of exhibit {exhibit.ref}", str(self.session.store.folder))
        if path:
            self.flow.relink(exhibit, Path(path))

    def _footage_added(self, exhibit) -> None:
        if self.session is None:
            return
        self.session.reload()
        self.flow.check_all(self.session.store.exhibits())
        if self.session.exhibit is None:
            self.session.open_exhibit(self.session.store.exhibit_by_id(exhibit.id))

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

    def edit_settings(self) -> None:
        from PySide6.QtWidgets import QApplication

        from .dialogs.settings import SettingsDialog
        from .theme import apply_theme

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            apply_theme(QApplication.instance(), self.settings.theme)
            self.player.rewind_on_pause_ms = int(self.settings.rewind_on_pause_s * 1000)
            self.reviewer_label.setText(f"Reviewer: {self.settings.reviewer}")

    def show_keyboard(self) -> None:
        from .dialogs.keyboard_sheet import KeyboardSheet

        self._sheet = KeyboardSheet(self)
        self._sheet.open()

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
        self.close_case()  # saves the dock layout while the docks are in use
        self.settings.save_window_state(self.saveGeometry())
        self.player.shutdown()
        if hasattr(self.timeline, "shutdown"):
            self.timeline.shutdown()  # joins the sound reader's thread
        self.pool.shutdown()
        for box in list(self._boxes):
            box.close()
        super().closeEvent(event)
