"""Redact mode in the reviewer's window: ``install(window)`` adds it with one line.

A Redactions dock (the exhibit's redactions, confirm, delete, find faces, export the copy),
Mark > Redact mode (Ctrl+R) and its keys, the overlay on the player (preview, outlines,
drawing) and the redactions' spans on the timeline. Every change is a core operation
(core.operations) run through the review session, so it is undone and redone on the same
stack as marks and audited as they are. Long work (faces, the copy) runs in the window's
task pool with progress and cancel; the case file, numpy and PyAV load when first needed.
"""

from __future__ import annotations

import functools
import logging

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from ...core.timecode import format_ms
from ..player.timeline_data import RedactionSpan
from .overlay import RedactOverlay
from .panel import RedactionsPanel
from .work import RedactWork

log = logging.getLogger(__name__)


def _operations():
    """core.operations, loaded with the first redaction: it brings the case file (sqlite_utils,
    numpy), which the start page must not wait for."""
    from ...core import operations  # noqa: PLC0415

    return operations


NEW_BOX_MS = 5000
NEW_SOUND_MS = 3000
# Keys of the marks that mean something else for a redaction while Redact mode is on.
TAKEN_OVER = ("set_start_here", "set_end_here", "delete_selected")


def install(window) -> RedactMode:
    window.redact = RedactMode(window)
    return window.redact


class RedactMode(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.player = window.player
        self.timeline = window.timeline
        self.overlay = RedactOverlay(window.player.view)
        self.panel = RedactionsPanel()
        self.dock = QDockWidget("Redactions", window)
        self.dock.setObjectName("dock-redactions")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.items: list = []
        self.selected_id: int | None = None
        self.work = RedactWork(window.pool, window, self)
        self.work.facesFound.connect(self._faces_found)
        self.work.message.connect(lambda text, ms: self.window.statusBar().showMessage(text, ms))
        self.actions: dict[str, QAction] = {}
        self._build_actions()
        self.overlay.boxDrawn.connect(self.add_box)
        self.overlay.boxEdited.connect(self.edit_box)
        self.overlay.selected.connect(self.select)
        self.panel.chosen.connect(self.select)
        self.panel.activated.connect(self.go_to)
        self.panel.model.reasonEdited.connect(self.set_reason)
        buttons = self.panel.buttons
        buttons["mode"].toggled.connect(self.actions["mode"].setChecked)
        buttons["confirm"].clicked.connect(self.confirm)
        buttons["delete"].clicked.connect(self.delete)
        buttons["faces"].clicked.connect(self.find_faces)
        buttons["export"].clicked.connect(self.export_copy)
        self.player.frameShown.connect(lambda *_a: self.refresh_frame())
        self.timeline.redactionClicked.connect(self.go_to)
        window.caseOpened.connect(self._case_opened)

    # -- menus and keys ------------------------------------------------------------------------
    def _build_actions(self) -> None:
        menu = next((a.menu() for a in self.window.menuBar().actions()
                     if a.menu() is not None and a.text().replace("&", "") == "Mark"), None)
        menu = menu or self.window.menuBar().addMenu("&Mark")
        menu.addSeparator()
        spec = [
            ("mode", "Redact mode", "Ctrl+R", self.set_active, "Draw and adjust redactions over the picture"),
            ("confirm", "Confirm redaction", "C", self.confirm, "Confirm the selected suggestion (or those on this frame)"),
            ("keyframe", "Keyframe here", "K", self.keyframe_here, "Pin the selected box's place at this frame"),
            ("unkey", "Remove keyframe here", "Shift+K", self.remove_keyframe, "Remove the selected box's keyframe here"),
            ("start", "Redaction starts here", "I", functools.partial(self.set_time, "start_ms"), "Start = now"),
            ("end", "Redaction ends here", "O", functools.partial(self.set_time, "end_ms"), "End = now"),
            ("ellipse", "Box / ellipse", "E", functools.partial(self.toggle, "shape", ("box", "ellipse")), "Toggle shape"),
            ("solid", "Pixelated / solid", "S", functools.partial(self.toggle, "style", ("pixelate", "solid")), "Toggle fill"),
            ("sound", "Mute sound from here", "A", self.add_sound, "A sound redaction from now (set its end with O)"),
            ("tone", "Mute / tone", "T", functools.partial(self.toggle, "audio", ("mute", "tone"), "sound"),
             "Switch the selected sound redaction between silence and a 1 kHz tone"),
            ("delete", "Delete redaction", "Del", self.delete, "Delete the selected redaction"),
            ("faces", "Find faces\u2026", "", self.find_faces, "Suggest face redactions over this exhibit"),
            ("export", "Export redacted copy\u2026", "Ctrl+Shift+E", self.export_copy, "The copy for disclosure, with its report"),
        ]
        for name, text, key, slot, tip in spec:
            action = QAction(text, self.window)
            if key:
                action.setShortcut(QKeySequence(key))
            action.setStatusTip(tip)
            if name == "mode":
                action.setCheckable(True)
                action.toggled.connect(slot)
            else:
                action.triggered.connect(slot)
            self.window.addAction(action)
            if name in ("mode", "faces", "export", "confirm", "keyframe", "sound", "tone"):
                menu.addAction(action)
            self.actions[name] = action
        self.window.menuBar()  # keep the View menu's toggle in the same place as the others
        self._enable_keys(False)

    def _enable_keys(self, on: bool) -> None:
        for name, action in self.actions.items():
            if name not in ("mode", "faces", "export"):
                action.setEnabled(on)
        for name in TAKEN_OVER:
            action = self.window.actions_by_name.get(name)
            if action is not None:
                action.setEnabled(not on)

    @property
    def session(self):
        return getattr(self.window, "session", None)

    def set_active(self, on: bool) -> None:
        if on and (self.session is None or self.session.exhibit is None):
            self.actions["mode"].setChecked(False)
            self.window.statusBar().showMessage("Open an exhibit first.", 4000)
            return
        self.panel.buttons["mode"].setChecked(on)
        self.overlay.set_active(on)
        self._enable_keys(on)
        if on:
            self.player.pause()
            if self.dock.isHidden():  # beside the mark editor, as a tab: the full height for the list
                self.window.tabifyDockWidget(self.window.editor_dock, self.dock)
            self.dock.show()
            self.dock.raise_()
            self.player.setFocus()
            self.window.statusBar().showMessage("Redact mode: drag on the picture to cover a region.", 6000)
        self.refresh_frame()

    # -- the case ------------------------------------------------------------------------------
    def _case_opened(self, session) -> None:
        self.actions["mode"].setChecked(False)
        self.items, self.selected_id = [], None
        if session is not None:
            session.exhibitOpened.connect(lambda _ex: self.reload())
            session.changed.connect(self._changed)
        self.reload()

    def _changed(self, change) -> None:
        """A change set (here, an undo, another program): redraw if it touched redactions."""
        if change.touches("redaction", "exhibit"):
            self.reload()

    def _records(self):
        from ...core.redact import records  # noqa: PLC0415

        return records

    def reload(self) -> None:
        session = self.session
        exhibit = session.exhibit if session is not None else None
        self.items = self._records().redactions(session.store, exhibit.id) if exhibit is not None else []
        self.panel.model.set_items(self.items)
        if self.selected_id not in {r.id for r in self.items}:
            self.selected_id = None
        self.panel.select(self.selected_id)
        self._show_spans()
        self.refresh_frame()

    def _show_spans(self) -> None:
        self.timeline.set_redactions([RedactionSpan(r.id, r.start_ms, r.end_ms, r.kind, r.status == "suggested",
                                                    f"Redaction {r.id}: {r.describe_where()}")
                                      for r in self.items], self.selected_id)

    def refresh_frame(self) -> None:
        """The regions on the frame shown now, as the copy will cover them."""
        times = self.player.frame_times()
        n = self.player.current_frame_index()
        regions = []
        if self.items and times and 0 <= n < len(times):
            from ...core.redact.plan import Plan  # noqa: PLC0415
            from ...core.redact.render import Orientation  # noqa: PLC0415

            image = self.player.view.image()
            if image is not None and not image.isNull():
                plan = Plan(self.items, times, self.player.duration_ms(), Orientation(image.width(), image.height()))
                regions = plan.boxes(n)
        self.overlay.selected_id = self.selected_id
        self.overlay.set_regions(regions)

    def now(self) -> int:
        return self.player.position_ms()

    def selected(self):
        return next((r for r in self.items if r.id == self.selected_id), None)

    def select(self, redaction_id) -> None:
        self.selected_id = redaction_id
        self.panel.select(redaction_id)
        self.overlay.selected_id = redaction_id
        self.overlay.update()
        self._show_spans()

    def go_to(self, redaction_id: int) -> None:
        r = next((x for x in self.items if x.id == redaction_id), None)
        if r is not None:
            self.select(r.id)
            self.player.seek(r.start_ms)

    def _push(self, operation, *args, **kwargs):
        """Run a redaction operation as the reviewer's undoable change (None if refused: said why)."""
        session = self.session
        if session is None or session.readonly:
            self.window.show_error("This case is open read-only; redactions cannot be changed here.")
            return None
        core = session.core
        return core.change(lambda: operation(core.store, *args, core.reviewer, **kwargs))

    def _edit(self, redaction_id: int, changes: dict, label: str, action: str | None = None):
        operations = _operations()
        action = action or operations.REDACTION_UPDATE
        # From the redaction as shown here: refused, naming who, if another reviewer changed it since.
        shown = next((r for r in self.items if r.id == redaction_id), None)
        return self._push(lambda store, actor: operations.edit_redaction(store, redaction_id, actor, changes,
                                                                         action=action, label=label, expected=shown))

    def _add(self, items: list, label: str, action: str | None = None):
        operations = _operations()
        action = action or operations.REDACTION_ADD
        change = self._push(lambda store, actor: operations.add_redactions(store, items, actor, action=action,
                                                                           label=label))
        return [i for i, r in (change.redactions().items() if change else []) if r is not None]

    # -- changes -------------------------------------------------------------------------------
    def add_box(self, box) -> None:
        from ...core.redact import model  # noqa: PLC0415

        ex = self.session.exhibit
        start = self.now()
        end = min(ex.duration_ms, start + NEW_BOX_MS)
        r = model.picture(ex.id, start, max(start, end), box)
        made = self._add([r], f"Add redaction box at {format_ms(start)}")
        self.select(made[0] if made else None)

    def add_sound(self) -> None:
        from ...core.redact import model  # noqa: PLC0415

        ex = self.session.exhibit
        start = self.now()
        r = model.sound(ex.id, start, min(ex.duration_ms, start + NEW_SOUND_MS))
        made = self._add([r], f"Mute sound from {format_ms(start)}")
        self.select(made[0] if made else None)

    def edit_box(self, redaction_id: int, box) -> None:
        r = next((x for x in self.items if x.id == redaction_id), None)
        if r is None or r.kind != "picture":
            return
        if len(r.keyframes) == 1:  # a still box moves whole
            keys = [type(r.keyframes[0])(r.keyframes[0].time_ms, box)]
        else:
            keys = r.with_keyframe(self._key_time(r), box).keyframes
        self._edit(r.id, {"keyframes": keys}, f"Move redaction {r.id}", action="redaction.move")

    def _key_time(self, r) -> float:
        """The current frame's time, held inside the redaction's interval."""
        return float(min(max(self.now(), r.start_ms), r.end_ms))

    def keyframe_here(self) -> None:
        r = self.selected()
        if r is None or r.kind != "picture":
            return
        t = self._key_time(r)
        keys = r.with_keyframe(t, r.box_at(t)).keyframes
        if len(keys) == 1 and len(r.keyframes) == 1 and keys[0].time_ms == r.keyframes[0].time_ms:
            return
        if len(r.keyframes) == 1 and abs(r.keyframes[0].time_ms - t) > 0.5:
            keys = sorted([*r.keyframes, type(r.keyframes[0])(t, r.box_at(t))], key=lambda k: k.time_ms)
        self._edit(r.id, {"keyframes": keys}, f"Keyframe at {format_ms(t)}", action="redaction.keyframe")

    def remove_keyframe(self) -> None:
        r = self.selected()
        if r is None or r.kind != "picture" or len(r.keyframes) < 2:
            return
        t = self._key_time(r)
        keys = [k for k in r.keyframes if abs(k.time_ms - t) > 0.5]
        if len(keys) != len(r.keyframes):
            self._edit(r.id, {"keyframes": keys}, f"Remove keyframe at {format_ms(t)}", action="redaction.unkeyframe")

    def set_time(self, field: str) -> None:
        r = self.selected()
        if r is None:
            return
        now = self.now()
        changes = {field: now}
        if field == "start_ms" and r.end_ms < now:
            changes["end_ms"] = now
        if field == "end_ms" and r.start_ms > now:
            changes["start_ms"] = now
        self._edit(r.id, changes, f"Redaction {r.id} {field[:-3]} {format_ms(now)}", action=f"redaction.set-{field[:-3]}")

    def toggle(self, field: str, values: tuple[str, str], kind: str = "picture") -> None:
        r = self.selected()
        if r is None or r.kind != kind:
            return
        new = values[1] if getattr(r, field) == values[0] else values[0]
        self._edit(r.id, {field: new}, f"Redaction {r.id}: {new}")

    def set_reason(self, redaction_id: int, reason: str) -> None:
        self._edit(redaction_id, {"reason": reason}, f"Reason of redaction {redaction_id}")

    def confirm(self) -> None:
        r = self.selected()
        if r is not None:
            ids = [r.id] if r.status == "suggested" else []
        else:
            ids = [x.id for x, _ in self.overlay.regions if x.status == "suggested"]
        if ids and self._push(_operations().confirm_redactions, ids) is not None:
            self.window.statusBar().showMessage(f"Confirmed {len(ids)} redaction(s).", 4000)

    def delete(self) -> None:
        r = self.selected()
        if r is not None and self._push(_operations().delete_redaction, r.id, expected=r) is not None:
            self.select(None)

    # -- long work (faces, the copy) -------------------------------------------------------------
    def find_faces(self) -> None:
        if self.session is not None and self.session.exhibit is not None:
            self.work.find_faces(self.session)

    def export_copy(self) -> None:
        if self.session is not None and self.session.exhibit is not None:
            self.work.export_copy(self.session, self.items)

    def _faces_found(self, session, suggestions: list) -> None:
        if self.session is not session or not suggestions:
            self.window.statusBar().showMessage("No faces found.", 6000)
            return
        self._add(suggestions, f"Add {len(suggestions)} face suggestion(s)", action=_operations().REDACTION_SUGGEST)
        self.window.statusBar().showMessage(
            f"{len(suggestions)} face suggestion(s) added (dashed); confirm each with C.", 8000)
