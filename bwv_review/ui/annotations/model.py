"""The case's annotations as a table, in the chronology every view and export shares.

Rows are built once from ``core.chronology`` (open a case of 100,000 marks in well under a
second): display strings are formatted only when the view asks for a visible row, and each
row keeps the lower-cased text the search looks through, so filtering never formats
anything. Single changes (a new mark, an edit, an undo) move just the rows they touch.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...core import alloc, chronology
from ...core.model import Annotation, Category, Exhibit
from ...core.timecode import clock_at, format_ms, local
from ..table_model import ColumnsModel

if TYPE_CHECKING:  # the case file (sqlite_utils) loads when a case opens
    from ...core.store import CaseStore

COLUMNS = ("File time", "Clock time", "Exhibit", "Category", "Speaker", "Text", "Status")
COL_FILE, COL_CLOCK, COL_EXHIBIT, COL_CATEGORY, COL_SPEAKER, COL_TEXT, COL_STATUS = range(7)
COLUMN_TIPS = (
    "Time into the footage file (HH:MM:SS.mmm), as VLC shows it",
    "Wall-clock time in the case's time zone (hover a cell for UTC)",
    "Exhibit reference of the footage",
    "What kind of moment this mark records",
    "Who is speaking",
    "The verbatim words, exactly as said",
    "draft until checked against the sound; verified once checked",
)
AnnotationRole = Qt.ItemDataRole.UserRole + 1  # the Annotation dataclass
IdRole = Qt.ItemDataRole.UserRole + 2  # its id


@dataclass(slots=True)
class Row:
    entry: chronology.Entry
    _hay: str | None = None  # text, speaker and note, case-folded (made when first needed)
    _key: tuple | None = None

    @property
    def annotation(self) -> Annotation:
        return self.entry.annotation

    @property
    def haystack(self) -> str:
        """Text, speaker and note, case-folded, for search."""
        if self._hay is None:
            self._hay = _haystack(self.entry.annotation)
        return self._hay

    @property
    def key(self) -> tuple:
        """The chronology's sort key, worked out only when a single change needs it."""
        if self._key is None:
            self._key = chronology.sort_key(self.entry)
        return self._key


def _haystack(ann: Annotation) -> str:
    hay = f"{ann.text}\n{ann.speaker}\n{ann.note}"
    return hay.lower() if hay.isascii() else hay.casefold()  # the same for ASCII, and faster


class AnnotationTableModel(ColumnsModel):
    COLUMNS, TIPS = tuple(COLUMNS), tuple(COLUMN_TIPS)

    def __init__(self, store: CaseStore | None = None, parent=None):
        super().__init__(parent)
        self.store: CaseStore | None = None
        self.rows: list[Row] = []
        self._keys: list[tuple] | None = None
        self._row_of: dict[int, int] = {}
        self._haystacks: list[str] | None = None
        self.exhibits: dict[int, Exhibit] = {}
        self.categories: dict[int, Category] = {}
        self.timezone = "Europe/London"
        self._swatches: dict[int, QColor] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._untrusted: frozenset[int] | None = frozenset()  # None: verification vouches for none
        if store is not None:
            self.set_store(store)

    # -- loading --------------------------------------------------------------------
    def set_store(self, store: CaseStore | None) -> None:
        self.store = store
        self.reload()

    def reload(self) -> None:
        """Everything from the case file (a model used on its own, without a session)."""
        if self.store is None:
            self._fill([], {}, {}, self.timezone)
        else:
            self._fill(chronology.build(self.store), {e.id: e for e in self.store.exhibits()},
                       {c.id: c for c in self.store.categories()}, self.store.case().timezone)

    def set_session(self, session) -> None:
        """Rows from the review session's chronology (loaded once), then kept up by its change sets."""
        self.store = session.store
        self._fill(session.entries, dict(session.exhibits), dict(session.categories), session.case.timezone)

    def _fill(self, entries: list[chronology.Entry], exhibits: dict, categories: dict, timezone: str) -> None:
        self.beginResetModel()
        self.exhibits, self.categories, self.timezone = exhibits, categories, timezone
        # The search text in comprehensions, with no Python call per row: lower() is
        # casefold() for ASCII text, and about twice as fast.
        with alloc.bulk():  # 100,000 rows and their search text: no collector passes meanwhile
            hays = [f"{e.annotation.text}\n{e.annotation.speaker}\n{e.annotation.note}" for e in entries]
            hays = [h.lower() if h.isascii() else h.casefold() for h in hays]
            self.rows = [Row(e, h) for e, h in zip(entries, hays, strict=True)]
            self._row_of = {r.entry.annotation.id: i for i, r in enumerate(self.rows)}
        self._swatches = {cid: QColor(c.colour or "#7f7f7f") for cid, c in self.categories.items()}
        self._keys = None  # sort keys are built on the first single change
        self._haystacks = hays
        self.endResetModel()

    def apply_changes(self, change) -> None:
        """Show a change set (an operation here, or another program's writes): only the rows it
        touches move or repaint; the model is never reset."""
        categories, exhibits = change.categories(), change.exhibits()
        for cat_id, cat in categories.items():
            if cat is not None:
                self.categories[cat_id] = cat
                self._swatches[cat_id] = QColor(cat.colour or "#7f7f7f")
        touched = dict(change.annotations())
        for ex_id, ex in exhibits.items():
            if ex is not None:
                self.exhibits[ex_id] = ex
                # A new recording start moves every mark of the exhibit on the clock.
                touched.update({r.annotation.id: r.annotation for r in self.rows if r.annotation.exhibit_id == ex_id
                                and r.annotation.id not in touched})
        for ann_id, ann in touched.items():
            self.apply(ann_id, ann)
        if (categories or change.case_changed) and self.rows:
            if change.case_changed and self.store is not None:
                self.timezone = self.store.case().timezone
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1))

    def _reindex(self) -> None:
        self._keys = None  # sort keys are built on the first single change
        self._haystacks = None  # the rows' search text as one list, made again when needed
        self._row_of = {r.annotation.id: i for i, r in enumerate(self.rows)}

    def _entry(self, ann: Annotation) -> chronology.Entry:
        ex = self.exhibits.get(ann.exhibit_id)
        if ex is None:  # an exhibit added by another program since we loaded
            self.exhibits = {e.id: e for e in self.store.exhibits()}
            ex = self.exhibits[ann.exhibit_id]
        cat = self.categories.get(ann.category_id)
        if cat is None:
            self.categories = {c.id: c for c in self.store.categories()}
            self._swatches = {cid: QColor(c.colour or "#7f7f7f") for cid, c in self.categories.items()}
            cat = self.categories[ann.category_id]
        return chronology.Entry(ann, ex, cat, clock_at(ex.recording_start, ann.start_ms),
                                clock_at(ex.recording_start, ann.end_ms))

    # -- single changes (from change sets) ------------------------------------------------
    def apply(self, annotation_id: int, annotation: Annotation | None) -> None:
        """Show one mark's new state: ``None`` means it is gone."""
        old = self._row_of.get(annotation_id)
        if annotation is None:
            if old is not None:
                self.beginRemoveRows(QModelIndex(), old, old)
                del self.rows[old]
                self._row_of.pop(annotation_id, None)
                self._reindex_after_change(old)
                self.endRemoveRows()
            return
        entry = self._entry(annotation)
        row = Row(entry)
        if old is not None and self.rows[old].key == row.key:
            self.rows[old] = row
            if self._haystacks is not None:
                self._haystacks[old] = row.haystack
            self.dataChanged.emit(self.index(old, 0), self.index(old, len(COLUMNS) - 1))
            return
        if old is not None:
            self.beginRemoveRows(QModelIndex(), old, old)
            del self.rows[old]
            self._row_of.pop(annotation_id, None)
            self._reindex_after_change(old)
            self.endRemoveRows()
        if self._keys is None:
            self._keys = [r.key for r in self.rows]
        at = bisect.bisect_left(self._keys, row.key)
        self.beginInsertRows(QModelIndex(), at, at)
        self.rows.insert(at, row)
        self._reindex_after_change(at)
        self.endInsertRows()

    def _reindex_after_change(self, start: int) -> None:
        self._keys = [r.key for r in self.rows]  # O(n) but only list building: ~5 ms at 100,000
        self._haystacks = None
        for i in range(start, len(self.rows)):
            self._row_of[self.rows[i].annotation.id] = i

    # -- lookups ----------------------------------------------------------------------
    def haystacks(self) -> list[str]:
        """Every row's search text, in row order (text, speaker and note, case-folded);
        reused by every search until a mark changes."""
        if self._haystacks is None:
            self._haystacks = [r.haystack for r in self.rows]
        return self._haystacks

    def row_of(self, annotation_id: int) -> int | None:
        return self._row_of.get(annotation_id)

    def annotation_at(self, row: int) -> Annotation | None:
        return self.rows[row].annotation if 0 <= row < len(self.rows) else None

    def annotation_by_id(self, annotation_id: int) -> Annotation | None:
        row = self._row_of.get(annotation_id)
        return None if row is None else self.rows[row].annotation

    def annotations_for(self, exhibit_id: int) -> list[Annotation]:
        return [r.annotation for r in self.rows if r.annotation.exhibit_id == exhibit_id]

    # -- Qt model ---------------------------------------------------------------------
    def row_count(self) -> int:
        return len(self.rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        entry = self.rows[index.row()].entry
        ann = entry.annotation
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, col)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_CATEGORY:
            return self._swatches.get(ann.category_id)
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_STATUS and self.untrusted(ann):
            return QBrush(QColor("#c62828"))
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_STATUS and ann.status != "verified":
            return QBrush(QColor("#b35900")) if ann.status == "draft" else None
        if role == Qt.ItemDataRole.FontRole and col == COL_STATUS and (ann.status == "verified" or self.untrusted(ann)):
            return self._bold
        if role == Qt.ItemDataRole.FontRole and col in (COL_TEXT, COL_STATUS) and getattr(ann, "source", None) \
                and ann.status == "draft":
            return self._italic
        if role == AnnotationRole:
            return ann
        if role == IdRole:
            return ann.id
        return None

    def set_untrusted(self, ids: frozenset[int] | None) -> None:
        """Marks whose stored words verification cannot vouch for (None: all), shown UNTRUSTED,
        never as verified, as every export shows them."""
        self._untrusted = ids
        if self.rows:
            self.dataChanged.emit(self.index(0, COL_STATUS), self.index(len(self.rows) - 1, COL_STATUS))

    def untrusted(self, ann) -> bool:
        return self._untrusted is None or ann.id in self._untrusted

    def _display(self, entry: chronology.Entry, col: int) -> str:
        ann = entry.annotation
        if col == COL_FILE:
            return format_ms(ann.start_ms)
        if col == COL_CLOCK:
            when = local(entry.clock_start, self.timezone)
            return when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d}" if when else "—"
        if col == COL_EXHIBIT:
            return entry.exhibit.ref
        if col == COL_CATEGORY:
            return entry.category.name
        if col == COL_SPEAKER:
            return ann.speaker
        if col == COL_TEXT:
            return ann.text.replace("\n", " ⏎ ")
        if self.untrusted(ann):
            return "UNTRUSTED"
        source = getattr(ann, "source", None)
        if source and ann.status == "draft":
            # A machine's guess must never look like words a reviewer has checked.
            return "machine draft" if source == "machine-draft" else f"draft ({source})"
        return ann.status

    def _tooltip(self, entry: chronology.Entry, col: int) -> str | None:
        ann = entry.annotation
        if col == COL_FILE:
            end = f" to {format_ms(ann.end_ms)}" if ann.end_ms is not None else ""
            return f"{format_ms(ann.start_ms)}{end} into exhibit {entry.exhibit.ref}"
        if col == COL_CLOCK:
            if entry.clock_start is None:
                return f"Exhibit {entry.exhibit.ref} has no known recording start, so no clock time"
            utc = entry.clock_start
            return f"UTC {utc.strftime('%Y-%m-%d %H:%M:%S.')}{utc.microsecond // 1000:03d} ({self.timezone} shown)"
        if col == COL_CATEGORY:
            return entry.category.description or entry.category.name
        if col == COL_TEXT:
            note = f"\n\nNote: {ann.note}" if ann.note else ""
            return (ann.text or "(no words yet)") + note
        if col == COL_STATUS:
            source = getattr(ann, "source", None)
            origin = {None: "typed by a reviewer", "machine-draft": "drafted by the transcriber, not yet checked"}.get(
                source, f"from {source}")
            distrust = ("UNTRUSTED: verification found these words may not be what the signed audit log says; "
                        "stored status ") if self.untrusted(ann) else ""
            return f"{distrust}{ann.status} ({origin}); last changed {ann.updated} by {ann.reviewer}"
        return None
