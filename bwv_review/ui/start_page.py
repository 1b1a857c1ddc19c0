"""What the window shows with no case open: start a case, open one, or try the sample."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class StartPage(QWidget):
    newRequested = Signal()
    openRequested = Signal()
    sampleRequested = Signal()
    recentRequested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        title = QLabel("<h1>bwv-review</h1><p>Body-worn video evidence review: frame-exact, "
                       "keyboard-fast, every change audited.</p>")
        title.setWordWrap(True)
        self.new = _big("New case…", "Create a case file, then add the footage (Ctrl+N)")
        self.open = _big("Open case…", "Open an existing .bwvcase file (Ctrl+O)")
        self.sample = _big("Open the sample case", "A short worked example to try the keys on, without touching real evidence")
        self.new.clicked.connect(self.newRequested)
        self.open.clicked.connect(self.openRequested)
        self.sample.clicked.connect(self.sampleRequested)
        buttons = QHBoxLayout()
        for b in (self.new, self.open, self.sample):
            buttons.addWidget(b)
        self.recent = QListWidget()
        self.recent.setToolTip("Cases you opened recently; double-click or Enter to open")
        self.recent.itemActivated.connect(lambda item: self.recentRequested.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.no_recent = QLabel("No recent cases yet.")
        self.no_recent.setEnabled(False)
        hint = QLabel("Tip: drop a .bwvcase file on this window to open it. Help > Keyboard lists every key.")
        hint.setEnabled(False)

        card = QFrame()
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(760)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.addWidget(title)
        inner.addLayout(buttons)
        inner.addSpacing(12)
        inner.addWidget(QLabel("<b>Recent cases</b>"))
        inner.addWidget(self.recent)
        inner.addWidget(self.no_recent)
        inner.addWidget(hint)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 4)
        outer.addStretch(1)

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for p in paths:
            item = QListWidgetItem(f"{Path(p).stem}    —    {Path(p).parent}")
            item.setData(Qt.ItemDataRole.UserRole, p)
            item.setToolTip(p if Path(p).exists() else f"{p}\n(not found: moved or on a drive not connected)")
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.no_recent.setVisible(not paths)


def _big(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setMinimumHeight(44)
    return button
