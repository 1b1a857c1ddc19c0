"""The window's keyboard and menus: every binding in ui.keyboard becomes an action.

A mixin for MainWindow (which owns the widgets and the session); kept apart so the
window module stays a list of docks and wiring.
"""

from __future__ import annotations

import functools

from PySide6.QtGui import QAction, QKeySequence

from . import export_hook
from .keyboard import BINDINGS, sequences

# Bindings handled by the window (they move focus or open dialogs); the rest go straight
# to the ReviewSession.
WINDOW_ONLY = {"toggle_play_and_focus_video", "go_to_time", "focus_search", "export", "add_footage", "close",
               "undo", "redo", "delete_selected", "mark", "set_start_here", "set_end_here"}


class WindowActions:
    """Menus, shortcuts and the handlers of window-level bindings."""

    def _action(self, text: str, slot, shortcut: str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip or text)
        action.setToolTip(tip or text)
        action.triggered.connect(slot)
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
        mark = bar.addMenu("&Mark")
        mark.addActions(by_group["Marking"])
        view = bar.addMenu("&View")
        for dock in (self.exhibits_dock, self.marks_dock, self.editor_dock):
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        view.addAction(self.player.deinterlace_action)
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

    # -- bindings ------------------------------------------------------------------------------------
    def _run_binding(self, name: str, arg) -> None:
        if name in WINDOW_ONLY:
            handler = getattr(self, name)
            handler() if arg is None else handler(arg)
            return
        if self.session is None:
            self.statusBar().showMessage("Open a case first.", 4000)
            return
        handler = getattr(self.session, name)
        handler() if arg is None else handler(arg)

    def toggle_play_and_focus_video(self) -> None:
        focus = self.focusWidget()
        if focus is not None and focus is not self.player:
            focus.clearFocus()  # commits a field being edited (editingFinished / focus out)
        self.player.setFocus()
        self.player.toggle_play()

    def mark(self, key: int) -> None:
        if self.session is None:
            return
        ann = self.session.mark(key)
        if ann is None:
            return
        self.session.selected = ann
        if self.panel is not None and not self.panel.select_annotation(ann.id):
            self.editor.set_annotation(ann)
        self.editor.focus_text()

    def _with_session(self, name: str, *args) -> None:
        if self.session is not None:
            method = getattr(self.session, name)
            if name == "reload":
                method()
            else:
                method(*args)

    def _go_to(self, ann) -> None:
        if self.session is not None:
            self.session.go_to(ann)
            self.player.setFocus()

    def _words_confirmed(self) -> None:
        self.player.setFocus()
        if self.session is not None:
            self.session.words_confirmed()

    def _selected(self, ann) -> None:
        if ann is None and self.editor.text.hasFocus() and self.session is not None and self.session.selected:
            return  # the table was reloaded under a reviewer typing words: keep the mark open
        if self.session is not None:
            self.session.selected = ann
        self.editor.set_annotation(ann)

    def _refresh_editor(self, *args) -> None:
        if self.session is None:
            return
        sel = self.session.selected
        current = self.session.annotations.annotation_by_id(sel.id) if sel is not None else None
        self.session.selected = current
        if current is None or not self.editor.text.hasFocus():
            self.editor.set_annotation(current)
        self.editor.set_speakers(self.session.store.speakers())
        if self.panel is not None:
            self.panel.refresh_choices()

    def _exhibit_opened(self, exhibit) -> None:
        if exhibit is not None and self.exhibits_panel is not None:
            self.exhibits_panel.select(exhibit.id)

    def _case_changed(self) -> None:
        self.editor.set_categories(self.session.store.categories())
        self._refresh_editor()
        selected = self.session.selected
        if selected is not None and self.panel is not None:
            self.panel.select_annotation(selected.id)  # the reload cleared the table's selection

    def undo(self) -> None:
        if self.session is not None:
            self.session.undo.undo()

    def redo(self) -> None:
        if self.session is not None:
            self.session.undo.redo()

    def delete_selected(self) -> None:
        if self.session is not None:
            self.session.delete()

    def set_start_here(self) -> None:
        if self.session is not None:
            self.session.set_start_here()

    def set_end_here(self) -> None:
        if self.session is not None:
            self.session.set_end_here()

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
        export_hook.run_export(self, self.session.store)  # looked up at call time: the export dialog plugs in there
