"""The editor for the selected mark: category, speaker, verbatim words, note, status, times.

The editor never writes to the case itself: it says what changed (``editRequested``) and
the window's binding hands that to the review session. The words go to the session as
they are typed (``wordsTyped``): the session saves them on Enter (Shift+Enter for a new
line), on leaving the field, on choosing another mark, and when the case or the app
closes, so words typed are never lost. They are kept exactly as typed: no trimming, no
"smart" quotes.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import ReviewError
from ...core.model import STATUSES, Annotation, Category
from ...core.timecode import format_ms, parse_time


class VerbatimEdit(QPlainTextEdit):
    """Multi-line words; Enter confirms, Shift+Enter breaks the line, Esc hands back to the video."""

    confirmed = Signal()
    escaped = Signal()
    left = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.confirmed.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.left.emit()


class AnnotationEditor(QWidget):
    editRequested = Signal(int, object)  # annotation id, {field: new value}
    wordsTyped = Signal(str)  # the words as they stand, on every keystroke (not saved yet)
    wordsLeft = Signal()  # the words field lost focus: save what was typed
    setStartToCurrent = Signal(int)
    setEndToCurrent = Signal(int)
    deleteRequested = Signal(int)
    confirmed = Signal()  # Enter in the words: save them, back to the video
    escaped = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.annotation: Annotation | None = None
        self._loading = False
        self._stack = QStackedLayout(self)
        self.empty = QLabel("No mark selected.\n\nPress 1-9 while watching to mark a moment,\n"
                            "or select a row in the table to edit it.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self._stack.addWidget(self.empty)
        form_host = QWidget()
        outer = QVBoxLayout(form_host)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)  # fields stay together at the top of a tall panel
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.category = QComboBox()
        self.category.setToolTip("What kind of moment this is (keys 1-9 mark these while watching)")
        self.speaker = QComboBox()
        self.speaker.setEditable(True)
        self.speaker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.speaker.setToolTip("Who is speaking: pick one used before in this case or type a new name")
        self.speaker.lineEdit().setPlaceholderText("e.g. the woman, PC Smith")
        self.text = VerbatimEdit()
        self.text.setPlaceholderText("Type the words exactly as said. Enter saves, Shift+Enter adds a line.")
        self.text.setToolTip("Verbatim words, kept exactly as typed. Enter saves and returns to the video")
        self.text.setTabChangesFocus(True)
        lines = self.fontMetrics().lineSpacing()
        self.text.setMinimumHeight(lines * 3 + 12)
        self.text.setMaximumHeight(lines * 9 + 12)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Reviewer's note (not part of the quote)")
        self.note.setToolTip("Your own note: context, doubts, what to check")
        self.status = QComboBox()
        self.status.addItems(STATUSES)
        self.status.setToolTip("draft: not yet checked; verified: checked against the sound; "
                               "disputed: contested; inaudible: words cannot be made out")
        self.start = QLineEdit()
        self.start.setToolTip("Start, as file time HH:MM:SS.mmm (press I to set it from the video)")
        self.end = QLineEdit()
        self.end.setPlaceholderText("no end (a moment)")
        self.end.setToolTip("End, as file time HH:MM:SS.mmm; leave empty for a moment (press O to set)")
        wide = self.fontMetrics().horizontalAdvance("00:00:00.0000") + 16
        self.start.setMinimumWidth(wide)
        self.end.setMinimumWidth(wide)
        self.start_now = QPushButton("Set to current position")
        self.start_now.setToolTip("Start this mark at the video's current position (I)")
        self.end_now = QPushButton("Set to current position")
        self.end_now.setToolTip("End this mark at the video's current position (O)")
        self.delete = QPushButton("Delete mark")
        self.delete.setToolTip("Delete this mark (it can be undone with Ctrl+Z; the audit log keeps it)")
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c0392b;")
        self.problem.setWordWrap(True)
        self.problem.hide()

        form.addRow("Category", self.category)
        form.addRow("Speaker", self.speaker)
        form.addRow("Words", self.text)
        form.addRow("Note", self.note)
        form.addRow("Status", self.status)
        self.setMinimumWidth(340)
        form.addRow("Start", _row(self.start, self.start_now))
        form.addRow("End", _row(self.end, self.end_now))
        form.addRow("", self.problem)
        form.addRow("", self.delete)
        self._stack.addWidget(form_host)

        self.category.activated.connect(lambda _i: self._emit("category_id", self.category.currentData()))
        self.status.activated.connect(lambda _i: self._emit("status", self.status.currentText()))
        self.speaker.activated.connect(lambda _i: self._emit("speaker", self.speaker.currentText()))
        self.speaker.lineEdit().editingFinished.connect(lambda: self._emit("speaker", self.speaker.currentText()))
        self.note.editingFinished.connect(lambda: self._emit("note", self.note.text()))
        self.text.confirmed.connect(self.confirmed)
        self.text.left.connect(self.wordsLeft)
        self.text.textChanged.connect(self._typed)
        self.start.editingFinished.connect(lambda: self._emit_time("start_ms", self.start.text()))
        self.end.editingFinished.connect(lambda: self._emit_time("end_ms", self.end.text()))
        self.start_now.clicked.connect(lambda: self._emit_id(self.setStartToCurrent))
        self.end_now.clicked.connect(lambda: self._emit_id(self.setEndToCurrent))
        self.delete.clicked.connect(lambda: self._emit_id(self.deleteRequested))
        for field in (self.text, self.note, self.start, self.end, self.speaker.lineEdit()):
            field.installEventFilter(self)
        self.set_annotation(None)

    # -- content ----------------------------------------------------------------------
    def set_categories(self, categories: list[Category]) -> None:
        self._loading = True
        self.category.clear()
        for cat in categories:
            label = f"{cat.key}  {cat.name}" if cat.key else cat.name
            self.category.addItem(label, cat.id)
            self.category.setItemData(self.category.count() - 1, cat.description, Qt.ItemDataRole.ToolTipRole)
        self._loading = False

    def set_speakers(self, speakers: list[str]) -> None:
        current = self.speaker.currentText()
        self._loading = True
        self.speaker.clear()
        self.speaker.addItems(speakers)
        self.speaker.setEditText(current)
        self._loading = False

    def set_annotation(self, ann: Annotation | None, words: str | None = None) -> None:
        """Show a mark (or the empty state), with ``words`` typed into it and not yet saved;
        writes nothing."""
        typing = self.text.hasFocus() and ann is not None and self.annotation is not None \
            and self.annotation.id == ann.id
        self.annotation = ann
        self.problem.hide()
        if ann is None:
            self._stack.setCurrentIndex(0)
            return
        self._stack.setCurrentIndex(1)
        self._loading = True
        self.category.setCurrentIndex(max(0, self.category.findData(ann.category_id)))
        self.speaker.setEditText(ann.speaker)
        shown = ann.text if words is None else words
        if self.text.toPlainText() != shown and not typing:  # never wipe words being typed
            self.text.setPlainText(shown)
        self.note.setText(ann.note)
        self.note.setCursorPosition(0)  # show how the note starts (e.g. "From the machine draft")
        self.status.setCurrentText(ann.status)
        self.start.setText(format_ms(ann.start_ms))
        self.end.setText(format_ms(ann.end_ms))
        self._loading = False
        self.setEnabled(True)

    def set_position_allowed(self, allowed: bool, why: str = "") -> None:
        """"Set to current position" only for a mark on the exhibit on screen."""
        for button, tip in ((self.start_now, "Start this mark at the video's current position (I)"),
                            (self.end_now, "End this mark at the video's current position (O)")):
            button.setEnabled(allowed)
            button.setToolTip(tip if allowed else why)

    def show_problem(self, sentence: str) -> None:
        self.problem.setText(sentence)
        self.problem.show()

    def focus_text(self) -> None:
        self.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.text.moveCursor(self.text.textCursor().MoveOperation.End)

    # -- emitting edits -----------------------------------------------------------------
    def _emit_id(self, signal) -> None:
        if self.annotation is not None:
            signal.emit(self.annotation.id)

    def _emit(self, field: str, value) -> None:
        if self._loading or self.annotation is None or value is None:
            return
        if getattr(self.annotation, field) != value:
            # Remember it as sent, so leaving the field after Enter does not send it twice.
            self.annotation = dataclasses.replace(self.annotation, **{field: value})
            self.editRequested.emit(self.annotation.id, {field: value})

    def _emit_time(self, field: str, text: str) -> None:
        if self._loading or self.annotation is None:
            return
        try:
            value = None if (field == "end_ms" and not text.strip()) else parse_time(text)
        except ReviewError as exc:
            self.show_problem(str(exc))
            return
        self.problem.hide()
        if getattr(self.annotation, field) != value:
            self.annotation = dataclasses.replace(self.annotation, **{field: value})
            self.editRequested.emit(self.annotation.id, {field: value})

    def _typed(self) -> None:
        if not self._loading and self.annotation is not None:
            self.wordsTyped.emit(self.text.toPlainText())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            if watched is self.text:
                self.wordsLeft.emit()
            elif watched is self.note:
                self._emit("note", self.note.text())
            self.escaped.emit()
            return True
        return super().eventFilter(watched, event)


def _row(*widgets) -> QWidget:
    host = QWidget()
    layout = QHBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w)
    return host
