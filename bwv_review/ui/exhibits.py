"""The exhibits panel: each footage file, its still, wearer, length, clock, hash and coverage.

Hash checks and thumbnails run in worker threads when a case opens; the rows show
"checking…" until each answer comes back. Missing footage can be relinked by choosing the
file again, accepted only when its SHA-256 matches the one taken at import.
"""

from __future__ import annotations

import bisect
from datetime import UTC

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedLayout,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..core.model import Exhibit
from ..core.timecode import format_ms, local, parse_instant
from .table_model import ColumnsModel

# What a reviewer scans for first (is the footage intact, how much is watched) comes
# straight after the ref, so a narrow panel still shows it.
COLUMNS = ("Exhibit", "Footage", "Reviewed", "Wearer", "Duration", "Clock start")
COL_REF, COL_HASH, COL_COVERAGE, COL_WEARER, COL_DURATION, COL_START = range(6)
TIPS = (
    "Exhibit reference (double-click to open it in the player)",
    "verified: SHA-256 matches import; changed: the file differs; missing: not found (select it and Relink…); "
    "refused: its stored path leads outside the case folder or to something that is not a file",
    "Share of seconds you have watched (hover for how much at normal speed)",
    "Officer wearing the camera",
    "Length of the footage",
    "Recording start in the case's time zone (hover for UTC and where it came from)",
)
STATUS_COLOURS = {"verified": "#1e8449", "changed": "#c0392b", "missing": "#c0392b", "refused": "#c0392b",
                 "checking…": "#7f7f7f"}
ExhibitRole = Qt.ItemDataRole.UserRole + 1


class ExhibitsModel(ColumnsModel):
    COLUMNS, TIPS = tuple(COLUMNS), tuple(TIPS)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.exhibits: list[Exhibit] = []
        self.status: dict[int, str] = {}
        self.thumbs: dict[int, QPixmap] = {}
        self.coverage: dict[int, tuple[float, float]] = {}  # id -> (share watched, share at <= 1x)
        self.timezone = "Europe/London"

    def set_exhibits(self, exhibits: list[Exhibit], timezone: str) -> None:
        self.beginResetModel()
        self.exhibits = list(exhibits)
        self.timezone = timezone
        known = {e.id for e in exhibits}
        self.status = {k: v for k, v in self.status.items() if k in known}
        self.endResetModel()

    def apply_changes(self, change, coverage_of) -> None:
        """Show a change set: exhibits added or changed move or repaint their own rows;
        ``coverage_of(exhibit_id)`` gives the seconds watched for those whose coverage changed."""
        for ex_id, ex in change.exhibits().items():
            row = self.row_of(ex_id)
            if ex is None:
                if row is not None:
                    self.beginRemoveRows(QModelIndex(), row, row)
                    del self.exhibits[row]
                    self.endRemoveRows()
            elif row is None:
                at = bisect.bisect_left([e.ref for e in self.exhibits], ex.ref)
                self.beginInsertRows(QModelIndex(), at, at)
                self.exhibits.insert(at, ex)
                self.endInsertRows()
            else:
                self.exhibits[row] = ex
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        for ex_id in change.coverage:
            if self.row_of(ex_id) is not None:
                self.set_coverage(ex_id, coverage_of(ex_id))

    def row_of(self, exhibit_id: int) -> int | None:
        for row, ex in enumerate(self.exhibits):
            if ex.id == exhibit_id:
                return row
        return None

    def _changed(self, exhibit_id: int, col: int) -> None:
        row = self.row_of(exhibit_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, col), self.index(row, col))

    def set_status(self, exhibit_id: int, status: str) -> None:
        self.status[exhibit_id] = status
        self._changed(exhibit_id, COL_HASH)

    def set_thumbnail(self, exhibit_id: int, image: QImage) -> None:
        self.thumbs[exhibit_id] = QPixmap.fromImage(image)
        self._changed(exhibit_id, COL_REF)

    def set_coverage(self, exhibit_id: int, seconds: dict[int, float]) -> None:
        ex = next((e for e in self.exhibits if e.id == exhibit_id), None)
        if ex is None:
            return
        total = max(1, -(-ex.duration_ms // 1000))
        normal = sum(1 for s in seconds.values() if s <= 1.0)
        self.coverage[exhibit_id] = (min(1.0, len(seconds) / total), min(1.0, normal / total))
        self._changed(exhibit_id, COL_COVERAGE)

    # -- Qt model ---------------------------------------------------------------------------
    def row_count(self) -> int:
        return len(self.exhibits)

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self.exhibits)):
            return None
        ex = self.exhibits[index.row()]
        col = index.column()
        if role == ExhibitRole:
            return ex
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(ex, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(ex, col)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_REF:
            return self.thumbs.get(ex.id)
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_HASH:
            return QBrush(QColor(STATUS_COLOURS.get(self.status.get(ex.id, "checking…"), "#7f7f7f")))
        return None

    def _display(self, ex: Exhibit, col: int) -> str:
        if col == COL_REF:
            return ex.ref
        if col == COL_WEARER:
            return ex.wearer or "—"
        if col == COL_DURATION:
            return format_ms(ex.duration_ms)[:-4]
        if col == COL_START:
            if not ex.recording_start:
                return "unknown"
            return local(parse_instant(ex.recording_start), self.timezone).strftime("%Y-%m-%d %H:%M:%S")
        if col == COL_HASH:
            return self.status.get(ex.id, "checking…")
        share = self.coverage.get(ex.id)
        return f"{share[0] * 100:.0f}%" if share else "0%"

    def _tooltip(self, ex: Exhibit, col: int) -> str:
        if col == COL_REF:
            device = f", camera {ex.device}" if ex.device else ""
            return f"Exhibit {ex.ref}{device}\n{ex.path}\n{ex.width}×{ex.height}, {ex.fps:.2f} fps, {ex.codec}"
        if col == COL_START and ex.recording_start:
            utc = parse_instant(ex.recording_start).astimezone(UTC)
            source = {"metadata": "camera metadata", "typed": "typed by a reviewer"}.get(ex.start_source, ex.start_source)
            return f"UTC {utc.strftime('%Y-%m-%d %H:%M:%S')} (from {source or 'unknown source'})"
        if col == COL_HASH:
            return f"SHA-256 {ex.sha256}\n{TIPS[COL_HASH]}"
        if col == COL_COVERAGE:
            share = self.coverage.get(ex.id, (0.0, 0.0))
            return f"{share[0] * 100:.0f}% watched by you, {share[1] * 100:.0f}% at normal speed or slower"
        return TIPS[col]


class ExhibitsPanel(QWidget):
    openRequested = Signal(object)  # Exhibit
    addRequested = Signal()
    relinkRequested = Signal(object)  # Exhibit

    def __init__(self, model: ExhibitsModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.view = QTreeView()
        self.view.setModel(model)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setIconSize(QSize(80, 45))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setToolTip("Footage in this case. Double-click to open; select missing footage and Relink…")
        self.view.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.doubleClicked.connect(self._open)
        self.view.activated.connect(self._open)

        self.add = QPushButton("Add footage…")
        self.add.setToolTip("Add a footage file to the case as a new exhibit; it is hashed first (Ctrl+I)")
        self.add.clicked.connect(self.addRequested)
        self.relink = QPushButton("Relink…")
        self.relink.setToolTip("Point a missing exhibit at its file again (accepted only if the SHA-256 matches)")
        self.relink.clicked.connect(self._relink)
        self.relink.setEnabled(False)

        self.empty = QLabel("No footage yet: drag a file here or use Add footage.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.view)
        self._stack.addWidget(self.empty)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add)
        buttons.addWidget(self.relink)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._stack)
        layout.addLayout(buttons)
        model.modelReset.connect(self._update)
        model.dataChanged.connect(self._update)
        self.view.selectionModel().currentRowChanged.connect(self._update)
        self._update()

    def preferred_width(self) -> int:
        """Wide enough to show every column whole (the window sizes its dock to this)."""
        view = self.view
        view.doItemsLayout()
        columns = sum(max(view.sizeHintForColumn(c), view.header().sectionSizeHint(c))
                      for c in range(self.model.columnCount()))
        if not self.model.thumbs:  # the stills come later, from the footage check
            columns += view.iconSize().width() + 6
        margins = self.layout().contentsMargins()
        return columns + 2 * view.frameWidth() + margins.left() + margins.right() + 4

    def current_exhibit(self) -> Exhibit | None:
        index = self.view.currentIndex()
        return index.data(ExhibitRole) if index.isValid() else None

    def select(self, exhibit_id: int) -> None:
        row = self.model.row_of(exhibit_id)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row, 0))

    def _open(self, index: QModelIndex) -> None:
        ex = index.data(ExhibitRole) if index.isValid() else None
        if ex is not None:
            self.openRequested.emit(ex)

    def _relink(self) -> None:
        ex = self.current_exhibit()
        if ex is not None:
            self.relinkRequested.emit(ex)

    def _update(self, *args) -> None:
        self._stack.setCurrentWidget(self.view if self.model.rowCount() else self.empty)
        ex = self.current_exhibit()
        self.relink.setEnabled(ex is not None and self.model.status.get(ex.id) in ("missing", "changed", "refused"))
