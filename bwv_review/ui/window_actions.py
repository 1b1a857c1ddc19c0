"""The window's keyboard and menus: every binding in ui.keyboard becomes an action.

A mixin for MainWindow (which owns the widgets and the session); kept apart so the
window module stays a list of docks and wiring. Playback keys go to the ``Screen`` (the
exhibit on screen); changes to the case go to the review session.
"""

from __future__ import annotations

import functools

from PySide6.QtGui import QAction

from . import export_hook
from .keyboard import BINDINGS, make_action, sequences

# Bindings handled by the window (they move focus, open dialogs or change the case); the
# rest (playback) go straight to the Screen.
WINDOW_ONLY = {"toggle_play_and_focus_video", "go_to_time", "focus_search", "export", "add_footage", "close",
               "undo", "redo", "delete_selected", "mark", "set_start_here", "set_end_here"}


class WindowActions:
    """Menus, shortcuts and the handlers of window-level bindings."""

    def _action(self, text: str, slot, shortcut: str | None = None, tip: str = "") -> QAction:
        action = make_action(self, text, slot, shortcut, tip)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        for b in BINDINGS:
            action = QAction(b.label, self)
            action.setShortcuts(sequences(b))
            action.setStatusTip(b.label)
            action.triggered.connect(functools.partial(self._run_binding, b.name, b.arg))
            self.addAction(action)
            self.actions_by_name.setdefault(b.name if b.arg is None else f"{b.name}:{b.arg}", action)
            self.actions_by_name.setdefault(b.name, action)
        by_group: dict[str, list[QAction]] = {}
        for b in BINDINGS:
            key = b.name if b.arg is None else f"{b.name}:{b.arg}"
            act = self.actions_by_name[key]
            if act not in by_group.setdefault(b.group, []):
                by_group[b.group].append(act)
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addAction(self._action("New case…", self.new_case, "Ctrl+N", "Create a new case file"))
        file.addAction(self._action("Open case…", self.choose_case, "Ctrl+O", "Open a .bwvcase file"))
        file.addAction(self._action("Open server case…", self.choose_server_case, "Ctrl+Shift+O",
                                    "Open a team case on a PostgreSQL server (postgresql://...)"))
        self.recent_menu = file.addMenu("Open recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file.addAction(self._action("Open the sample case", self.open_sample, tip="Open the worked example case"))
        file.addSeparator()
        for name in ("add_footage", "export"):
            file.addAction(self.actions_by_name[name])
        self.close_case_action = self._action("Close case", self.close_case, "Ctrl+W", "Close this case (everything is already saved)")
        file.addAction(self.close_case_action)
        file.addSeparator()
        file.addAction(self.actions_by_name["close"])
        edit = bar.addMenu("&Edit")
        for name in ("undo", "redo", "delete_selected", "focus_search"):
            edit.addAction(self.actions_by_name[name])
        edit.addSeparator()
        edit.addAction(self._action("Settings…", self.edit_settings, "Ctrl+,", "Reviewer name, reaction lag, rewind, speed, theme"))
        playback = bar.addMenu("&Playback")
        playback.addActions(by_group["Playback"])
        self.mark_menu = bar.addMenu("&Mark")
        self.mark_menu.addActions(by_group["Marking"])
        self.view_menu = bar.addMenu("&View")
        for dock in (self.exhibits_dock, self.marks_dock, self.editor_dock):
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.player.deinterlace_action)
        helpm = bar.addMenu("&Help")
        helpm.addAction(self._action("Keyboard", self.show_keyboard, "F1", "Every key, on one sheet"))
        helpm.addAction(self._action("Open log folder", self.open_log_folder, tip="Where bwv-review writes its log files"))
        helpm.addAction(self._action("About bwv-review", self.show_about, tip="Version and where this copy keeps its files"))

    def open_log_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from .. import paths

        folder = paths.log_dir()
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.statusBar().showMessage(f"Log files are in {folder}", 10_000)

    def show_about(self) -> None:
        from PySide6.QtWidgets import QStyle

        from .. import __version__, paths
        from .dialogs.message import SentenceDialog

        box = SentenceDialog(
            "About bwv-review",
            f"bwv-review {__version__}: evidence review for police body-worn video.\n\n"
            f"Settings: {paths.config_dir()}\nLogs: {paths.log_dir()}\nData (sample case, backups): {paths.data_dir()}",
            self, icon=QStyle.StandardPixmap.SP_MessageBoxInformation)
        box.open()
        self._about_box = box

    def edit_settings(self) -> None:
        from PySide6.QtWidgets import QApplication

        from .dialogs.settings import SettingsDialog
        from .theme import apply_theme

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            apply_theme(QApplication.instance(), self.settings.theme)
            self.player.rewind_on_pause_ms = int(self.settings.rewind_on_pause_s * 1000)
            self.reviewer_label.setText(f"Reviewer: {self.settings.reviewer}")
            if self.session is not None:
                self.session.core.reviewer = self.settings.reviewer  # from the next change on

    def show_keyboard(self) -> None:
        from .dialogs.keyboard_sheet import KeyboardSheet

        self._sheet = KeyboardSheet(self)
        self._sheet.open()

    # -- bindings ------------------------------------------------------------------------------------
    def _run_binding(self, name: str, arg) -> None:
        if name in WINDOW_ONLY:
            handler = getattr(self, name)
            handler() if arg is None else handler(arg)
            return
        if self.screen is None:
            self.statusBar().showMessage("Open a case first.", 4000)
            return
        handler = getattr(self.screen, name)
        handler() if arg is None else handler(arg)

    def focus_video(self) -> None:
        self.player.setFocus()

    def toggle_play_and_focus_video(self) -> None:
        """Esc: from the words, save them and play/pause; from a search box, just leave it."""
        focus = self.focusWidget()
        leave_only = focus is not None and bool(focus.property("escLeaves"))
        if focus is not None and focus is not self.player:
            focus.clearFocus()  # commits a field being edited (editingFinished / focus out)
        self.player.setFocus()
        if not leave_only:
            self.player.toggle_play()

    def mark(self, key: int) -> None:
        if self.screen is None:
            self.statusBar().showMessage("Open a case first.", 4000)
            return
        if self.screen.mark(key) is not None:
            self.editor.focus_text()

    def undo(self) -> None:
        if self.session is not None:
            self.session.core.undo()

    def redo(self) -> None:
        if self.session is not None:
            self.session.core.redo()

    def delete_selected(self) -> None:
        if self.session is not None:
            self.session.core.delete()

    def set_start_here(self) -> None:
        if self.screen is not None:
            self.screen.set_start_here()

    def set_end_here(self) -> None:
        if self.screen is not None:
            self.screen.set_end_here()

    def go_to_time(self) -> None:
        self.player.focus_goto()

    def focus_search(self) -> None:
        if self.panel is not None:
            self.marks_dock.show()
            self.panel.search.setFocus()
            self.panel.search.selectAll()

    def export(self) -> None:
        if self.session is None:
            self.statusBar().showMessage("Open a case first.", 4000)
            return
        self.session.flush_coverage()
        # Looked up at call time: the export dialog plugs in there. Kept while it is shown.
        self.export_dialog = export_hook.run_export(self, self.session.store, pool=self.pool)
