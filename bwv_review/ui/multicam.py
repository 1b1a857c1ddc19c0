"""Several cameras on one clock, in the reviewer's window: the menu items and their handlers.

``install(window)`` adds "View > Watch cameras together", "Mark > Align cameras by sound…"
and "Edit > Link selected marks as one event" (and its Unlink) to a MainWindow, so the
window itself needs one line. It uses only the window's public face (menus, ``session``,
``panel``, ``player``, ``settings``, ``caseOpened``). Marks made and seconds watched in
Watch cameras together go to the review session like the case window's own. Windows
opened from here close (and join their threads) when the case closes or the window does.
Everything behind them (the store, numpy, PyAV) is imported when first used, so the start
page stays quick to appear.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction

from ..core.timecode import format_ms


def _menu(window, title: str):
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == title:
            return action.menu()
    return window.menuBar().addMenu(title)


class MultiCamera(QObject):
    """Owns the synced view and alignment dialog opened from one window."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.open_windows: list = []
        self.actions: dict[str, QAction] = {}
        self._add(_menu(window, "View"), "watch", "Watch cameras together", self.watch_together,
                  "Play two to four exhibits side by side on the case's clock, sound from one")
        self._add(_menu(window, "Mark"), "align", "Align cameras by sound\u2026", self.align,
                  "Find where one exhibit sits on another's clock by their shared sound, check it, store it")
        edit = _menu(window, "Edit")
        self._add(edit, "link", "Link selected marks as one event", self.link,
                  "The same words heard on several cameras: quoted once in a statement, citing each exhibit")
        self._add(edit, "unlink", "Unlink mark from its event", self.unlink,
                  "Take the selected mark out of its linked event")
        window.caseOpened.connect(lambda _session: self.close_all())
        window.installEventFilter(self)

    def _add(self, menu, name: str, text: str, slot, tip: str) -> None:
        action = QAction(text, self.window)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.actions[name] = action

    def _store(self):
        session = getattr(self.window, "session", None)
        if session is None:
            self.window.statusBar().showMessage("Open a case first.", 4000)
            return None
        return session.store

    def _keep(self, win) -> None:
        self.open_windows.append(win)
        win.destroyed.connect(lambda *_a, w=win: self.open_windows.remove(w) if w in self.open_windows else None)

    def link(self):
        from .linking import link_selected  # noqa: PLC0415 - loaded when first used

        return link_selected(self.window.session, self.window.panel, self.window)

    def unlink(self) -> None:
        from .linking import unlink_selected  # noqa: PLC0415

        unlink_selected(self.window.session, self.window.panel)

    def watch_together(self):
        session = self.window.session
        if self._store() is None:
            return None
        from ..core.session import MAIN_VIEW  # noqa: PLC0415
        from ..core.timecode import clock_at  # noqa: PLC0415
        from .synced import open_synced_view  # noqa: PLC0415

        self.window.player.pause()  # one sound at a time
        view = open_synced_view(self.window, session.store)
        self._keep(view)
        core = session.core
        view.watched.connect(lambda ex, a, b, speed: core.watched(ex, a, b, speed, view="synced"))
        view.visibleChanged.connect(lambda visible: core.coverage.set_visible("synced", visible))
        view.markRequested.connect(lambda *args: self._mark(view, *args))
        view.wordsTyped.connect(core.type_words)
        view.wordsLeft.connect(core.commit_words)
        view.wordsConfirmed.connect(lambda: core.words_confirmed() and view.play())
        # Open at the moment being watched in the window, when that exhibit is on the clock.
        shown = core.exhibit
        when = clock_at(shown.recording_start, self.window.player.position_ms()) if shown is not None else None
        if when is not None and view.panes:
            view.seek_to(when)
        core.coverage.set_visible(MAIN_VIEW, True)
        return view

    def _mark(self, view, key: int, exhibit_id: int, file_ms: int, playing: bool, speed: float) -> None:
        core = self.window.session.core if self.window.session is not None else None
        if core is None:
            return
        core.reaction_lag_ms = self.window.settings.reaction_lag_ms
        made = core.mark(key, file_ms, playing=playing, speed=speed, exhibit_id=exhibit_id)
        if made is not None:
            cat, ex = core.categories[made.category_id], core.exhibits[exhibit_id]
            view.show_words_for(f"{cat.name} on {ex.ref} at {format_ms(made.start_ms)}:")

    def align(self):
        store = self._store()
        if store is None:
            return None
        if len(store.exhibits()) < 2:
            self.window.statusBar().showMessage("Aligning needs two exhibits of the same scene.", 6000)
            return None
        from .dialogs.align import AlignDialog  # noqa: PLC0415 - numpy and PyAV only when aligning

        session = self.window.session
        dialog = AlignDialog(self.window, store, self.window.settings, pool=self.window.pool,
                             store_start=session.core.align)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applied.connect(lambda ref: self.window.statusBar().showMessage(
            f"Recording start of {ref} stored (audited; Ctrl+Z undoes it).", 8000))
        self._keep(dialog)
        dialog.open()
        return dialog

    def close_all(self) -> None:
        for win in list(self.open_windows):
            win.close()
        self.open_windows.clear()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.close_all()
        return False


def install(window) -> MultiCamera:
    """Add the several-camera menu items to ``window`` (a MainWindow)."""
    window.multicam = MultiCamera(window)
    return window.multicam
