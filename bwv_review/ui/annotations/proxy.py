"""Search and filters over the annotation table.

Search-as-you-type looks through text, speaker and note (case-insensitive); filters narrow
by category, speaker, status and exhibit. The proxy's mapping is a plain list of the source
rows that pass, in source (chronological) order. When the filter changes, that list is made
in one comprehension over the rows' prepared search text (a few ms for 100,000 rows) and
the proxy is reset once: Qt never calls back into Python row by row to rebuild a mapping,
as a QSortFilterProxyModel's filterAcceptsRow would. Rows inserted, removed or changed later
(a new mark, an edit, a delete) are checked one at a time and the list is patched.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractProxyModel, QModelIndex, QObject, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    from .model import AnnotationTableModel, Row


@dataclass
class Filter:
    text: str = ""
    category_id: int | None = None
    speaker: str | None = None  # exact, case-insensitive
    status: str | None = None
    exhibit_id: int | None = None

    def is_empty(self) -> bool:
        return not self.text and self.category_id is None and self.speaker is None \
            and self.status is None and self.exhibit_id is None


class AnnotationFilterProxy(QAbstractProxyModel):
    """A flat, filtering proxy over AnnotationTableModel (which has no children).

    ``_rows`` is None while nothing is filtered (every source row shows, identity mapping);
    otherwise the ascending list of source rows shown, so proxy row -> source row is a list
    lookup and source row -> proxy row a bisect.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.filter = Filter()
        self._rows: list[int] | None = None
        self._needle = ""
        self._speaker = None
        self._links: list = []

    def setSourceModel(self, model: AnnotationTableModel) -> None:  # noqa: N802 - Qt name
        self.beginResetModel()
        old = self.sourceModel()
        if old is not None:
            for signal, slot in self._links:
                signal.disconnect(slot)
        self._links = []
        super().setSourceModel(model)
        if model is not None:
            self._links = [
                (model.modelAboutToBeReset, self.beginResetModel),
                (model.modelReset, self._source_reset),
                (model.layoutAboutToBeChanged, self._source_layout_about),
                (model.layoutChanged, self._source_reset),
                (model.rowsAboutToBeInserted, self._rows_about_to_be_inserted),
                (model.rowsInserted, self._rows_inserted),
                (model.rowsAboutToBeRemoved, self._rows_about_to_be_removed),
                (model.rowsRemoved, self._rows_removed),
                (model.dataChanged, self._data_changed),
                (model.headerDataChanged, self.headerDataChanged),
            ]
            for signal, slot in self._links:
                signal.connect(slot)
        self._rows = self._passing()
        self.endResetModel()

    def source(self) -> AnnotationTableModel:
        return self.sourceModel()

    # -- changing the filter -------------------------------------------------------------
    def set_filter(self, **changes) -> None:
        for key, value in changes.items():
            setattr(self.filter, key, value)
        self._refilter()

    def set_search(self, text: str) -> None:
        self.set_filter(text=text)

    def _refilter(self) -> None:
        rows = self._passing()
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def _passing(self) -> list[int] | None:
        """Source rows that pass the filter (None: all of them), in one pass over the rows."""
        f = self.filter
        self._needle = f.text.strip().casefold()
        self._speaker = f.speaker.casefold() if f.speaker is not None else None
        source = self.source()
        if source is None or f.is_empty() and not self._needle:
            return None
        only_text = f.category_id is None and self._speaker is None and f.status is None
        if only_text and f.exhibit_id is None:
            if not self._needle:  # spaces only: everything passes
                return None
            needle = self._needle  # the common case: typing in search
            return [i for i, hay in enumerate(source.haystacks()) if needle in hay]
        if only_text and not self._needle:
            exhibit_id = f.exhibit_id
            return [i for i, r in enumerate(source.rows) if r.entry.annotation.exhibit_id == exhibit_id]
        accepts = self._accepts
        return [i for i, r in enumerate(source.rows) if accepts(r)]

    def _accepts(self, row: Row) -> bool:
        f = self.filter
        ann = row.entry.annotation
        if self._needle and self._needle not in row.haystack:
            return False
        if f.category_id is not None and ann.category_id != f.category_id:
            return False
        if self._speaker is not None and ann.speaker.casefold() != self._speaker:
            return False
        if f.status is not None and ann.status != f.status:
            return False
        return f.exhibit_id is None or ann.exhibit_id == f.exhibit_id

    def _accepts_source_row(self, source_row: int) -> bool:
        if self._rows is None:
            return True
        return self._accepts(self.source().rows[source_row])

    # -- following the source ---------------------------------------------------------------
    def _source_reset(self) -> None:
        # Also the end of a source layout change (the model never emits one; a reset is
        # the safe answer). beginResetModel came from modelAboutToBeReset/layoutAboutToBeChanged.
        self._rows = self._passing()
        self.endResetModel()

    def _source_layout_about(self, *_args) -> None:
        self.beginResetModel()

    def _rows_about_to_be_inserted(self, parent, first: int, last: int) -> None:
        # Unfiltered, every new row shows; filtered, nothing shown changes until the rows
        # exist and can be tested (in _rows_inserted).
        if not parent.isValid() and self._rows is None:
            self.beginInsertRows(QModelIndex(), first, last)

    def _rows_inserted(self, parent, first: int, last: int) -> None:
        if parent.isValid():
            return
        count = last - first + 1
        if self._rows is None:
            self.endInsertRows()
            return
        rows = self._rows
        at = bisect.bisect_left(rows, first)
        if at < len(rows):
            rows[at:] = [r + count for r in rows[at:]]
        new = [r for r in range(first, last + 1) if self._accepts_source_row(r)]
        if new:
            self.beginInsertRows(QModelIndex(), at, at + len(new) - 1)
            rows[at:at] = new
            self.endInsertRows()

    def _rows_about_to_be_removed(self, parent, first: int, last: int) -> None:
        # Proxy rows go while the source still has them (as QSortFilterProxyModel does);
        # the rows after them are renumbered once the source has removed its rows.
        if parent.isValid():
            return
        if self._rows is None:
            self.beginRemoveRows(QModelIndex(), first, last)
            return
        lo = bisect.bisect_left(self._rows, first)
        hi = bisect.bisect_right(self._rows, last)
        if hi > lo:
            self.beginRemoveRows(QModelIndex(), lo, hi - 1)
            del self._rows[lo:hi]
            self.endRemoveRows()

    def _rows_removed(self, parent, first: int, last: int) -> None:
        if parent.isValid():
            return
        if self._rows is None:
            self.endRemoveRows()
            return
        count = last - first + 1
        rows = self._rows
        at = bisect.bisect_left(rows, first)
        if at < len(rows):
            rows[at:] = [r - count for r in rows[at:]]

    def _data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles=()) -> None:
        first, last = top_left.row(), bottom_right.row()
        left, right = top_left.column(), bottom_right.column()
        if self._rows is None:
            self.dataChanged.emit(self.index(first, left), self.index(last, right), list(roles))
            return
        for source_row in range(first, last + 1):
            rows = self._rows
            at = bisect.bisect_left(rows, source_row)
            shown = at < len(rows) and rows[at] == source_row
            passes = self._accepts_source_row(source_row)
            if shown and passes:
                self.dataChanged.emit(self.index(at, left), self.index(at, right), list(roles))
            elif shown:
                self.beginRemoveRows(QModelIndex(), at, at)
                del rows[at]
                self.endRemoveRows()
            elif passes:
                self.beginInsertRows(QModelIndex(), at, at)
                rows.insert(at, source_row)
                self.endInsertRows()

    # -- the Qt model -----------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 - Qt's own signature
        if parent.isValid():
            return 0
        if self._rows is not None:
            return len(self._rows)
        source = self.sourceModel()
        return source.rowCount() if source is not None else 0

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802
        source = self.sourceModel()
        return 0 if parent.isValid() or source is None else source.columnCount()

    def hasChildren(self, parent=QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self.rowCount() > 0 and self.columnCount() > 0

    def index(self, row: int, column: int, parent=QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not (0 <= row < self.rowCount()) or not (0 <= column < self.columnCount()):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, child=None):
        if child is None:  # QObject.parent()
            return QObject.parent(self)
        return QModelIndex()

    def sibling(self, row: int, column: int, index) -> QModelIndex:
        return self.index(row, column)

    def mapToSource(self, proxy_index: QModelIndex | QPersistentModelIndex) -> QModelIndex:  # noqa: N802
        source = self.sourceModel()
        if source is None or not proxy_index.isValid():
            return QModelIndex()
        row = proxy_index.row()
        if self._rows is not None:
            if not 0 <= row < len(self._rows):
                return QModelIndex()
            row = self._rows[row]
        return source.index(row, proxy_index.column())

    def mapFromSource(self, source_index: QModelIndex | QPersistentModelIndex) -> QModelIndex:  # noqa: N802
        if not source_index.isValid():
            return QModelIndex()
        row = self._proxy_row(source_index.row())
        return QModelIndex() if row is None else self.index(row, source_index.column())

    def _proxy_row(self, source_row: int) -> int | None:
        rows = self._rows
        if rows is None:
            return source_row
        at = bisect.bisect_left(rows, source_row)
        return at if at < len(rows) and rows[at] == source_row else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        return self.sourceModel().data(self.mapToSource(index), role)

    def flags(self, index: QModelIndex | QPersistentModelIndex):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return self.sourceModel().flags(self.mapToSource(index))

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        source = self.sourceModel()
        if source is None:
            return None
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return source.headerData(section, orientation, role)

    # -- mapping by annotation id ----------------------------------------------------------
    def proxy_row_of(self, annotation_id: int) -> int | None:
        row = self.source().row_of(annotation_id)
        return None if row is None else self._proxy_row(row)
