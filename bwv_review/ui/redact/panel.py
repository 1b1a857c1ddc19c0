"""The Redactions dock: the exhibit's redactions as a table, and what can be done to them."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core.timecode import format_ms

COLUMNS = ("#", "From", "To", "What", "Status", "Reason")
_ROOT = QModelIndex()
HELP = ("Redact mode (Ctrl+R): drag on the picture for a new box (5 s from here); drag a box to move it, its "
        "corners to resize (a moving box: at its keyframe here). K keyframe here, Shift+K remove it, "
        "I / O start / end here, C confirm, E ellipse, S solid, A mute sound from here, T mute / tone, Del delete. "
        "Suggestions (dashed) stay out of copies until confirmed.")


class RedactionsModel(QAbstractTableModel):
    reasonEdited = Signal(int, str)  # redaction id, the new reason

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.items: list = []

    def set_items(self, items: list) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() == 5 else base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        r = self.items[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == 0:
                return r.id
            if col == 1:
                return format_ms(r.start_ms)
            if col == 2:
                return format_ms(r.end_ms)
            if col == 3:
                if r.kind == "sound":
                    return "sound " + ("muted" if r.audio == "mute" else "tone")
                moving = f", {len(r.keyframes)} keyframes" if len(r.keyframes) > 1 else ""
                return f"{r.shape}, {'pixelated' if r.style == 'pixelate' else 'solid'}{moving}"
            if col == 4:
                return r.status + (" (faces)" if r.source.startswith("faces:") else "")
            return r.reason
        if role == Qt.ItemDataRole.ForegroundRole and col == 4 and r.status == "suggested":
            return QColor(180, 120, 0)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{r.describe_where()}, {r.describe_when()}" + (f"\nWhy: {r.reason}" if r.reason else "")
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role == Qt.ItemDataRole.EditRole and index.column() == 5:
            r = self.items[index.row()]
            if str(value) != r.reason:
                self.reasonEdited.emit(r.id, str(value))
            return True
        return False

    def row_of(self, redaction_id: int | None) -> int:
        for row, r in enumerate(self.items):
            if r.id == redaction_id:
                return row
        return -1


class RedactionsPanel(QWidget):
    chosen = Signal(object)  # redaction id or None
    activated = Signal(int)  # redaction id (double-click: go to it)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model = RedactionsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.SelectedClicked)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda idx: self.activated.emit(self.model.items[idx.row()].id))
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for name, text in (("mode", "Redact mode"), ("confirm", "Confirm"), ("delete", "Delete"),
                           ("faces", "Find faces…"), ("export", "Export redacted copy…")):
            button = QPushButton(text)
            self.buttons[name] = button
            row.addWidget(button)
        self.buttons["mode"].setCheckable(True)
        row.addStretch(1)
        self.help = QLabel(HELP)
        self.help.setWordWrap(True)
        self.help.setStyleSheet("color: palette(mid); font-size: 90%;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.help)

    def _current_changed(self, current, _previous) -> None:
        items = self.model.items
        self.chosen.emit(items[current.row()].id if current.isValid() and current.row() < len(items) else None)

    def select(self, redaction_id: int | None) -> None:
        row = self.model.row_of(redaction_id)
        selection = self.table.selectionModel()
        if row < 0:
            selection.clearSelection()
            return
        if self.table.currentIndex().row() != row:
            self.table.selectRow(row)
