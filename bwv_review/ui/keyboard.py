"""Every keyboard binding in one table: the window installs them, Help > Keyboard shows them.

Habits from mpv, VLC and oTranscribe. Bindings are window-wide actions, so a text field
that has focus still gets the keys it types with (Qt lets a focused line edit claim Space,
digits, letters and arrows first); Esc and Ctrl+Space work from anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from .player.clock import SPEEDS as _SPEEDS


@dataclass(frozen=True)
class Binding:
    name: str  # the Workspace/Window method it calls
    keys: tuple[str, ...]
    label: str
    group: str
    arg: object = None


SPEEDS = _SPEEDS  # the player's own list (8x and 16x skim keyframes), defined once

BINDINGS: tuple[Binding, ...] = (
    Binding("toggle_play", ("Space",), "Play / pause", "Playback"),
    Binding("toggle_play_and_focus_video", ("Esc",), "Play / pause and return to the video (from a text field)", "Playback"),
    Binding("toggle_play", ("Ctrl+Space",), "Play / pause, staying in the text field", "Playback"),
    Binding("skip", ("Left",), "Back 5 seconds", "Playback", -5000),
    Binding("skip", ("Right",), "Forward 5 seconds", "Playback", 5000),
    Binding("skip", ("Shift+Left",), "Back 1 second", "Playback", -1000),
    Binding("skip", ("Shift+Right",), "Forward 1 second", "Playback", 1000),
    Binding("skip", ("Down",), "Back 60 seconds", "Playback", -60000),
    Binding("skip", ("Up",), "Forward 60 seconds", "Playback", 60000),
    Binding("step", (",",), "One frame back", "Playback", -1),
    Binding("step", (".",), "One frame forward", "Playback", 1),
    Binding("speed_step", ("[",), "Slower", "Playback", -1),
    Binding("speed_step", ("]",), "Faster", "Playback", 1),
    Binding("reset_speed", ("Backspace",), "Back to the default speed", "Playback"),
    Binding("go_to_time", ("Ctrl+G",), "Go to a time", "Playback"),
    Binding("speech_region", ("N",), "Next speech", "Playback", 1),
    Binding("speech_region", ("P",), "Previous speech", "Playback", -1),
    # Relabelled with the open case's own category for each key (see mark_label).
    *(Binding("mark", (str(d),), f"Mark category {d} here", "Marking", d) for d in range(1, 10)),
    Binding("set_start_here", ("I",), "Start of the selected mark = now", "Marking"),
    Binding("set_end_here", ("O",), "End of the selected mark = now", "Marking"),
    Binding("undo", ("Ctrl+Z",), "Undo (saved and audited)", "Editing"),
    Binding("redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo", "Editing"),
    Binding("delete_selected", ("Del",), "Delete the selected mark", "Editing"),
    Binding("focus_search", ("Ctrl+F",), "Search the marks", "Editing"),
    Binding("export", ("Ctrl+E",), "Export", "Case"),
    Binding("add_footage", ("Ctrl+I",), "Add footage", "Case"),
    Binding("close", ("Ctrl+Q",), "Quit", "Case"),
)

TEXT_HELP = (
    ("Enter (in the words)", "Save the words and go back to the video (playback resumes if it was playing)"),
    ("Shift+Enter (in the words)", "New line inside the words"),
    ("Tab", "Next field in the editor"),
    ("Ctrl+Shift+F", "Search the machine draft transcript"),
    ("1-9 (in the transcript)", "Make a draft mark from the selected words (then listen and mark it verified)"),
    ("Ctrl+Shift+R", "Risk-factor suggestions from the machine draft (suggestions only: watch it all)"),
    ("Enter / M (in the suggestions)", "Go to the suggestion / make a draft mark of its risk factor from its words"),
)


def mark_label(key: int, category_name: str | None) -> str:
    """The Mark menu's item for a key: the category it marks in this case."""
    return f"Mark {category_name} here" if category_name else f"Mark category {key} here"


def make_action(parent, text: str, slot, shortcut: str | None = None, tip: str = "") -> QAction:
    """A menu item with its key and a tip (the status bar shows the tip)."""
    action = QAction(text, parent)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip or text)
    action.setToolTip(tip or text)
    action.triggered.connect(slot)
    return action


def sequences(binding: Binding) -> list[QKeySequence]:
    return [QKeySequence(k) for k in binding.keys]


def native(binding: Binding) -> str:
    return ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in binding.keys)


class ListKeys(QObject):
    """Lets a table or list keep Up/Down/Page/Home/End for moving its selection.

    Without this the window's Up/Down (seek 60 s) would win while a table has focus.
    """

    KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End}

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in self.KEYS \
                and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            event.accept()
            return True
        return False
