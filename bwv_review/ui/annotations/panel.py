"""The annotation table with its search box and filters."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core.model import STATUSES, Annotation
from .model import (
    COL_CATEGORY,
    COL_CLOCK,
    COL_EXHIBIT,
    COL_FILE,
    COL_SPEAKER,
    COL_STATUS,
    COL_TEXT,
    AnnotationTableModel,
)
from .proxy import AnnotationFilterProxy

ALL = "__all__"


class AnnotationPanel(QWidget):
    selected = Signal(object)  # Annotation or None
    activated = Signal(object)  # Annotation: seek the player to it

    def __init__(self, model: AnnotationTableModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.proxy = AnnotationFilterProxy(self)
        self.proxy.setSourceModel(model)

        self.search = QLineEdit()
        self.search.setProperty("escLeaves", True)  # Esc leaves the box for the video (it does not play)
        self.search.setPlaceholderText("Search words, speaker and notes (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Search as you type through the words, speakers and notes of every mark")
        self.category = _combo("Any category", "Show only marks of this category")
        self.speaker = _combo("Any speaker", "Show only marks by this speaker")
        self.status = _combo("Any status", "Show only marks with this status")
        for s in STATUSES:
            self.status.addItem(s, s)
        self.exhibit = _combo("All exhibits", "Show marks on all exhibits or only one")
        self.count = QLabel()
        self.count.setToolTip("Marks shown / marks in the case")

        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        for w in (self.category, self.speaker, self.status, self.exhibit):
            bar.addWidget(w, 1)
        bar.addWidget(self.count)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setToolTip("Every mark in the case, in chronological order. Double-click to go to it in the video")
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.table.horizontalHeader()
        hh.setStretchLastSection(False)
        bold = QFont(self.table.font())
        bold.setBold(True)
        status = QFontMetrics(bold).horizontalAdvance("UNTRUSTED") + 16  # the widest status, never cut
        widths = {COL_FILE: 100, COL_CLOCK: 170, COL_EXHIBIT: 60, COL_CATEGORY: 130, COL_SPEAKER: 150,
                  COL_STATUS: max(70, status)}
        for col, width in widths.items():
            self.table.setColumnWidth(col, width)
        hh.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.table)
        self._stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addLayout(self._stack)

        # Typing is filtered after a short pause so fast typists do not refilter per letter.
        self._search_timer = QTimer(self, singleShot=True, interval=120)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.category.activated.connect(lambda _i: self._set("category_id", self.category.currentData()))
        self.speaker.activated.connect(lambda _i: self._set("speaker", self.speaker.currentData()))
        self.status.activated.connect(lambda _i: self._set("status", self.status.currentData()))
        self.exhibit.activated.connect(lambda _i: self._set("exhibit_id", self.exhibit.currentData()))
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(self._double_clicked)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._update_empty)
        self.proxy.modelReset.connect(self._update_empty)
        self._update_empty()

    # -- filters -------------------------------------------------------------------------
    def refresh_choices(self) -> None:
        """Fill the filter lists from the case (after opening or reloading it)."""
        _refill(self.category, [(c.name, c.id) for c in self.model.categories.values()])
        speakers = sorted({r.annotation.speaker for r in self.model.rows if r.annotation.speaker}, key=str.casefold)
        _refill(self.speaker, [(s, s) for s in speakers])
        _refill(self.exhibit, [(e.ref, e.id) for e in sorted(self.model.exhibits.values(), key=lambda e: e.ref)])

    def apply_search(self) -> None:
        self._search_timer.stop()
        self._set("text", self.search.text())

    def _set(self, field: str, value) -> None:
        keep = self.current_annotation()
        self.proxy.set_filter(**{field: None if value == ALL else value})
        if keep is not None:
            self.select_annotation(keep.id)
        self._update_empty()

    # -- selection ------------------------------------------------------------------------
    def current_annotation(self) -> Annotation | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.annotation_at(self.proxy.mapToSource(index).row())

    def select_annotation(self, annotation_id: int) -> bool:
        row = self.proxy.proxy_row_of(annotation_id)
        if row is None:
            return False
        index = self.proxy.index(row, COL_FILE)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.selected.emit(self.model.annotation_at(self.proxy.mapToSource(current).row()) if current.isValid() else None)

    def _double_clicked(self, index: QModelIndex) -> None:
        ann = self.model.annotation_at(self.proxy.mapToSource(index).row())
        if ann is not None:
            self.activated.emit(ann)

    def _update_empty(self, *args) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        self.count.setText(f"{shown} / {total}")
        if total == 0:
            self.empty.setText("No marks yet.\n\nPlay the footage and press 1-9 to mark a moment "
                               "(1 = disclosure); type the words, then Enter.")
            self._stack.setCurrentWidget(self.empty)
        elif shown == 0:
            self.empty.setText("No marks match the search and filters.")
            self._stack.setCurrentWidget(self.empty)
        else:
            self._stack.setCurrentWidget(self.table)


def _combo(all_label: str, tip: str) -> QComboBox:
    combo = QComboBox()
    combo.addItem(all_label, ALL)
    combo.setToolTip(tip)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


def _refill(combo: QComboBox, items: list[tuple[str, object]]) -> None:
    current = combo.currentData()
    while combo.count() > 1:
        combo.removeItem(1)
    for label, data in items:
        combo.addItem(label, data)
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else 0)
