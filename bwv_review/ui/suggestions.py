"""The risk-factor suggestions list: where the machine draft may hold a disclosure.

Each row is a suggestion from core.risk: the time, the risk factor, the draft's words and
why. Enter (or a double click) goes there; M makes a draft mark of the factor's category
from those words, for the reviewer to check against the sound. The pane always says, above
the list, that suggestions can miss things and the whole recording must still be watched.
Suggestions are never stored: the list is worked out from the draft each time it changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core.timecode import format_ms

if TYPE_CHECKING:
    from ..core.risk import Suggestion

DOCK_TITLE = "Risk-factor suggestions (from the machine draft \u2014 not marks)"
CAVEAT = ("Suggestions only: they come from an unverified machine draft and can miss a disclosure "
          "(the model may mishear it or not hear it at all). Watch the whole recording; "
          "a suggestion is never a mark and is never exported.")
HEADERS = ("Time", "Risk factor, the draft's words, why")
UNSURE = QColor("#e65100")
_ROOT = QModelIndex()


class SuggestionsModel(QAbstractTableModel):
    """The suggestions of the current exhibit's draft, in time order (read-only)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[Suggestion] = []

    def set_items(self, items: list[Suggestion]) -> None:
        self.beginResetModel()  # a new draft is a new list: nothing to keep row by row
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent=_ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=_ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        s, col = self.items[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return format_ms(s.start_ms)[:10]
            return (f"{s.name}" + ("  (listen: unsure words)" if s.unsure else "")
                    + f"\n\u201c{s.words}\u201d\n{s.why}")
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{s.name} at {format_ms(s.start_ms)}\n\u201c{s.words}\u201d\n\n{s.reason}\n\n" \
                   "Enter: go there.  M: make a draft mark from these words."
        if role == Qt.ItemDataRole.ForegroundRole and col == 0 and s.unsure:
            return UNSURE
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{s.name} at {format_ms(s.start_ms)}: {s.words}"
        return None


class SuggestionsView(QTableView):
    """Enter goes to the selected suggestion, M marks it; list keys stay with the list."""

    activatedRow = Signal(int)
    markRow = Signal(int)
    OWN = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home,
           Qt.Key.Key_End, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_M}

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.setAccessibleName("Risk-factor suggestions")
        self.doubleClicked.connect(lambda index: self.activatedRow.emit(index.row()))

    def current_row(self) -> int | None:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        return rows[0].row() if rows else None

    def event(self, event) -> bool:
        # The window's keys (M, Up/Down seek, Enter) would otherwise take these from the list.
        if event.type() == QEvent.Type.ShortcutOverride and self._own(event):
            event.accept()
            return True
        return super().event(event)

    def _own(self, event: QKeyEvent) -> bool:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        return mods == Qt.KeyboardModifier.NoModifier and Qt.Key(event.key()) in self.OWN

    def keyPressEvent(self, event) -> None:  # noqa: N802
        row = self.current_row()
        key = Qt.Key(event.key())
        if self._own(event) and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_M):
            if row is not None:
                (self.markRow if key == Qt.Key.Key_M else self.activatedRow).emit(row)
            return
        super().keyPressEvent(event)


class SuggestionsPane(QWidget):
    """The caveat, a one-line summary, the list and its two buttons (or an empty state)."""

    seekRequested = Signal(int)
    markRequested = Signal(object)  # a core.risk.Suggestion

    def __init__(self, parent=None):
        super().__init__(parent)
        self.caveat = QLabel(CAVEAT)
        self.caveat.setWordWrap(True)
        self.caveat.setStyleSheet("color:#5c4400; background:#fff3cd; padding:4px; font-weight:600;")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = SuggestionsModel(self)
        self.view = SuggestionsView()
        self.view.setModel(self.model)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.go_button = QPushButton("Go there (Enter)")
        self.mark_button = QPushButton("Make a draft mark (M)")
        self.mark_button.setToolTip("A draft mark of the factor's category from these words: listen, correct "
                                    "the words and mark it verified")
        buttons = QHBoxLayout()
        buttons.addWidget(self.go_button)
        buttons.addWidget(self.mark_button)
        buttons.addStretch(1)
        page = QWidget()
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.summary)
        col.addWidget(self.view, 1)
        col.addLayout(buttons)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        holder = QWidget()
        self.stack = QStackedLayout(holder)
        self.stack.addWidget(page)
        self.stack.addWidget(self.empty)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 2, 2, 2)
        outer.addWidget(self.caveat)
        outer.addWidget(holder, 1)
        self.view.activatedRow.connect(self._go)
        self.view.markRow.connect(self._mark)
        self.go_button.clicked.connect(lambda: self._go(self.view.current_row()))
        self.mark_button.clicked.connect(lambda: self._mark(self.view.current_row()))
        self.show_empty("Open an exhibit with a machine draft to see risk-factor suggestions.")

    @property
    def items(self) -> list[Suggestion]:
        return self.model.items

    def show_suggestions(self, items: list[Suggestion], summary: str, can_mark: bool) -> None:
        self.model.set_items(items)
        self.summary.setText(summary)
        self.mark_button.setEnabled(can_mark and bool(items))
        self.go_button.setEnabled(bool(items))
        if items:
            self.stack.setCurrentIndex(0)
            self.view.selectRow(0)
        else:
            self.show_empty(summary)

    def show_empty(self, sentence: str) -> None:
        self.model.set_items([])
        self.empty.setText(sentence)
        self.stack.setCurrentIndex(1)

    def select(self, row: int) -> None:
        self.view.selectRow(row)
        self.view.setFocus()

    def _go(self, row: int | None) -> None:
        if row is not None and 0 <= row < len(self.items):
            self.seekRequested.emit(self.items[row].start_ms)

    def _mark(self, row: int | None) -> None:
        if row is not None and 0 <= row < len(self.items):
            self.markRequested.emit(self.items[row])
