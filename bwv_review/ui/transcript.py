"""The transcript pane: an exhibit's machine draft, following playback, to turn into marks.

The draft is shown as what it is: an unverified machine guess (the dock's title says so,
words the model was unsure of have a dotted underline, words a decoding setting told it to
listen for a wavy one). The current word is highlighted
as the video plays; a click on a word (or a segment's time) goes there; the search box
(Ctrl+Shift+F) finds words; select words and press 1-9 to make a draft mark of that
category from them, which the reviewer then listens to and marks verified.

The view is one read-only QTextEdit rather than a widget per word: native drag and
shift-click selection, one layout for hours of words, and char-format tooltips for free.
``spans`` maps each word to its characters in the document.
"""

from __future__ import annotations

import bisect
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedLayout,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.timecode import format_ms

if TYPE_CHECKING:  # core.transcripts loads the case file (sqlite_utils): not needed at start
    from ..core.transcripts import Segment, TranscriptRun, Word

DOCK_TITLE = "Transcript (machine draft \u2014 unverified)"
CURRENT = QColor(255, 213, 79)  # the word being spoken
HIT = QColor(129, 212, 250, 150)  # search results
UNSURE = QColor("#e65100")  # dotted underline under words the model was unsure of
BIASED = QColor("#6a1b9a")  # wavy underline under words a setting (hotwords, prompt) pushed it toward
DIGITS = {getattr(Qt.Key, f"Key_{d}"): d for d in range(1, 10)}


class WordsView(QTextEdit):
    """The draft's words; emits what the reviewer points at and the category keys pressed."""

    wordClicked = Signal(int)  # index into words
    timeClicked = Signal(int)  # a segment's start (ms)
    categoryKey = Signal(int)  # 1-9 pressed here

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setAccessibleName("Machine draft transcript")
        self.words: list[Word] = []
        self.spans: list[tuple[int, int]] = []  # document positions of each word
        self._starts_pos: list[int] = []
        self._starts_ms: list[int] = []
        self._times: list[tuple[int, int, int]] = []  # (pos, end pos, ms) of each segment's time
        self.current: int | None = None
        self.hits: list[int] = []  # word indexes highlighted by the search
        self._press = None

    def set_segments(self, segments: list[Segment]) -> None:
        self.clear()
        self.words, self.spans, self._times = [], [], []
        self.current, self.hits = None, []
        cursor = QTextCursor(self.document())
        plain, time_fmt = QTextCharFormat(), QTextCharFormat()
        time_fmt.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
        time_fmt.setFontFamilies(["monospace"])
        time_fmt.setToolTip("Click to play from the start of this line")
        unsure = QTextCharFormat()
        unsure.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
        unsure.setUnderlineColor(UNSURE)
        biased = QTextCharFormat()
        biased.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        biased.setUnderlineColor(BIASED)
        gap = QTextBlockFormat()
        gap.setBottomMargin(self.fontMetrics().height() * 0.35)
        cursor.setBlockFormat(gap)
        for n, seg in enumerate(segments):
            if n:
                cursor.insertBlock(gap)
            at = cursor.position()
            cursor.insertText(format_ms(seg.start_ms)[:10], time_fmt)
            self._times.append((at, cursor.position(), seg.start_ms))
            cursor.insertText("  ", plain)
            for i, word in enumerate(seg.words):
                if i:
                    cursor.insertText(" ", plain)
                fmt = plain
                tips = []
                if word.biased:
                    fmt = QTextCharFormat(biased)
                    tips.append("The model was told to listen for this word (a decoding setting), so it may "
                                "have heard it because it expected it")
                if word.low_confidence:
                    fmt = QTextCharFormat(unsure)
                    tips.insert(0, f"The model was unsure of this word (probability {word.probability:.2f})")
                if tips:
                    fmt.setToolTip("; ".join(tips) + ": listen before quoting it.")
                start = cursor.position()
                cursor.insertText(word.word, fmt)
                self.words.append(word)
                self.spans.append((start, cursor.position()))
        self._starts_pos = [a for a, _b in self.spans]
        self._starts_ms = [w.start_ms for w in self.words]
        self.moveCursor(QTextCursor.MoveOperation.Start)
        self._decorate()

    # -- positions ------------------------------------------------------------------------
    def word_index_at(self, pos: int) -> int | None:
        """The word at a document position (a word's end counts, so a click on its last half does)."""
        i = bisect.bisect_right(self._starts_pos, pos) - 1
        if i >= 0 and pos <= self.spans[i][1]:
            return i
        return None

    def index_at_ms(self, ms: int) -> int | None:
        i = bisect.bisect_right(self._starts_ms, ms) - 1
        if i >= 0 and ms < max(self.words[i].end_ms, self.words[i].start_ms + 1):
            return i
        return None

    def selected_indexes(self) -> list[int]:
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return []
        a, b = cursor.selectionStart(), cursor.selectionEnd()
        return [i for i, (s, e) in enumerate(self.spans) if e > a and s < b]

    def select_words(self, first: int, last: int) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.spans[first][0])
        cursor.setPosition(self.spans[last][1], QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def word_rect(self, index: int):
        """Where a word is drawn, in viewport coordinates (for tests and scrolling)."""
        start, end = self.spans[index]
        cursor = QTextCursor(self.document())
        cursor.setPosition(start)
        left = self.cursorRect(cursor)
        cursor.setPosition(end)
        return left.united(self.cursorRect(cursor))

    # -- highlighting --------------------------------------------------------------------------
    def set_current(self, index: int | None) -> None:
        if index == self.current:
            return
        self.current = index
        self._decorate()
        if index is not None and not self.textCursor().hasSelection():
            rect = self.word_rect(index)
            bar = self.verticalScrollBar()
            if rect.top() < 0 or rect.bottom() > self.viewport().height():
                bar.setValue(bar.value() + rect.top() - self.viewport().height() // 3)

    def set_hits(self, hits: list[int]) -> None:
        self.hits = hits
        self._decorate()

    def _decorate(self) -> None:
        extras = []
        for i in self.hits:
            extras.append(self._extra(i, HIT))
        if self.current is not None:
            extras.append(self._extra(self.current, CURRENT, bold=True))
        self.setExtraSelections(extras)

    def _extra(self, index: int, colour: QColor, bold: bool = False) -> QTextEdit.ExtraSelection:
        sel = QTextEdit.ExtraSelection()
        sel.cursor = QTextCursor(self.document())
        sel.cursor.setPosition(self.spans[index][0])
        sel.cursor.setPosition(self.spans[index][1], QTextCursor.MoveMode.KeepAnchor)
        sel.format.setBackground(colour)
        sel.format.setForeground(QColor("black"))
        if bold:
            sel.format.setFontWeight(QFont.Weight.Bold)
        return sel

    # -- mouse and keys --------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        moved = press is None or (event.position().toPoint() - press).manhattanLength() \
            >= QApplication.startDragDistance()
        if event.button() != Qt.MouseButton.LeftButton:
            return
        chosen = self.selected_indexes()
        if chosen:  # show exactly the words a key press would use: whole words, no half of one
            self.select_words(chosen[0], chosen[-1])
            return
        if moved:
            return
        pos = self.cursorForPosition(event.position().toPoint()).position()
        for start, end, ms in self._times:
            if start <= pos < end:
                self.timeClicked.emit(ms)
                return
        index = self.word_index_at(pos)
        if index is not None:
            self.wordClicked.emit(index)

    def event(self, event) -> bool:
        # The window's 1-9 actions would otherwise take the key: here it marks the selection.
        if event.type() == QEvent.Type.ShortcutOverride and _digit(event) is not None:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        digit = _digit(event)
        if digit is None:
            super().keyPressEvent(event)
        else:
            self.categoryKey.emit(digit)


def made_at(iso: str) -> str:
    """When a draft was made, in this computer's time zone."""
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%d %b %Y %H:%M")
    except ValueError:
        return iso


def _digit(event: QKeyEvent) -> int | None:
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return DIGITS.get(Qt.Key(event.key())) if mods == Qt.KeyboardModifier.NoModifier else None


class TranscriptPane(QWidget):
    """Search bar, the words, and an empty state saying how to get a draft."""

    seekRequested = Signal(int)
    markWords = Signal(int, list)  # category key, the selected Words
    markHere = Signal(int)  # category key pressed with no words selected: an ordinary mark
    transcribeRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = WordsView()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the draft (Ctrl+Shift+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Find words in the machine draft (case and punctuation ignored); Enter goes to the next")
        self.found = QLabel()
        self.transcribe_button = QToolButton()
        self.transcribe_button.setText("Transcribe again\u2026")
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color:#5c4400; background:#fff3cd; padding:3px;")
        self.empty_text = QLabel()
        self.empty_text.setWordWrap(True)
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_button = QPushButton("Transcribe\u2026")
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.found)
        bar.addWidget(self.transcribe_button)
        page = QWidget()
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(bar)
        col.addWidget(self.info)
        col.addWidget(self.view, 1)
        empty = QWidget()
        ecol = QVBoxLayout(empty)
        ecol.addStretch(1)
        ecol.addWidget(self.empty_text)
        ecol.addWidget(self.empty_button, 0, Qt.AlignmentFlag.AlignHCenter)
        ecol.addStretch(2)
        self.stack = QStackedLayout(self)
        self.stack.addWidget(page)
        self.stack.addWidget(empty)
        self.hit_starts: list[int] = []
        self._hit = -1
        self.view.wordClicked.connect(lambda i: self.seekRequested.emit(self.view.words[i].start_ms))
        self.view.timeClicked.connect(self.seekRequested)
        self.view.categoryKey.connect(self._category_key)
        self.search.textChanged.connect(self._search)
        self.search.returnPressed.connect(self.next_hit)
        for button in (self.transcribe_button, self.empty_button):
            button.clicked.connect(self.transcribeRequested)
        self.show_empty("Open an exhibit to see its machine draft transcript.", can_transcribe=False, tip="")

    @property
    def words(self) -> list[Word]:
        return self.view.words

    def show_draft(self, run: TranscriptRun, segments: list[Segment]) -> None:
        self.view.set_segments(segments)
        from ..core.transcripts import all_words

        words = all_words(segments)
        unsure = sum(w.low_confidence for w in words)
        biased = sum(w.biased for w in words)
        steered = f", {biased} the model was told to listen for (wavy)" if biased else ""
        self.info.setText(f"Model {run.model}, {made_at(run.finished)}: {len(words)} words, "
                          f"{unsure} unsure (dotted){steered}. Not evidence until a reviewer has listened.")
        self.info.setToolTip("Select words and press 1-9 to make a draft mark from them, then listen to it, "
                             "correct the words and mark it verified. Click a word to play from it.")
        self.stack.setCurrentIndex(0)
        self._search(self.search.text())

    def show_empty(self, sentence: str, can_transcribe: bool, tip: str) -> None:
        self.view.set_segments([])
        self.hit_starts = []
        self.empty_text.setText(sentence)
        self.empty_button.setEnabled(can_transcribe)
        self.empty_button.setToolTip(tip)
        self.stack.setCurrentIndex(1)

    def set_can_transcribe(self, enabled: bool, tip: str) -> None:
        for button in (self.transcribe_button, self.empty_button):
            button.setEnabled(enabled)
            button.setToolTip(tip)

    def set_position(self, ms: int) -> None:
        if self.view.words:
            self.view.set_current(self.view.index_at_ms(ms))

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- search -------------------------------------------------------------------------------
    def _search(self, text: str) -> None:
        from ..core.transcripts import search

        self.hit_starts = search(self.view.words, text)
        n = len([t for t in text.split() if t.strip()])
        self.view.set_hits([i + k for i in self.hit_starts for k in range(n)])
        self._hit = -1
        if not text.strip():
            self.found.setText("")
        elif not self.hit_starts:
            self.found.setText("not in the draft")
        else:
            self.found.setText(f"{len(self.hit_starts)} found")

    def next_hit(self) -> None:
        if not self.hit_starts:
            return
        self._hit = (self._hit + 1) % len(self.hit_starts)
        index = self.hit_starts[self._hit]
        self.found.setText(f"{self._hit + 1} of {len(self.hit_starts)}")
        self.view.set_current(None)
        self.seekRequested.emit(self.view.words[index].start_ms)

    # -- marking ------------------------------------------------------------------------------
    def _category_key(self, key: int) -> None:
        chosen = [self.view.words[i] for i in self.view.selected_indexes()]
        if chosen:
            self.markWords.emit(key, chosen)
        else:
            self.markHere.emit(key)
