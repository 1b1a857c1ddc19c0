"""A sentence for the reviewer in a small window-modal dialog that never blocks the event loop.

Used instead of QMessageBox so the video's clock and workers keep running while it is
shown. Its size is set from its contents once, rather than by the layout constraining
the window, which also keeps headless test platforms (offscreen) quiet.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QStyle,
    QVBoxLayout,
)


class SentenceDialog(QDialog):
    def __init__(self, title: str, sentence: str, parent=None, icon=QStyle.StandardPixmap.SP_MessageBoxWarning,
                 buttons: QDialogButtonBox | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picture = QLabel()
        picture.setPixmap(self.style().standardIcon(icon).pixmap(40, 40))
        picture.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel(sentence)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setMinimumWidth(380)
        if buttons is None:
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(picture)
        row.addWidget(self.text, 1)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.resize(max(440, self.sizeHint().width()), self.sizeHint().height() + 8)


def ask(parent, title: str, sentence: str, yes: str, no: str) -> bool:
    """A question whose safe answer (``no``) is the default: Enter or Esc chooses it."""
    buttons = QDialogButtonBox()
    do = buttons.addButton(yes, QDialogButtonBox.ButtonRole.AcceptRole)
    keep = buttons.addButton(no, QDialogButtonBox.ButtonRole.RejectRole)
    do.setAutoDefault(False)
    keep.setDefault(True)
    box = SentenceDialog(title, sentence, parent, QStyle.StandardPixmap.SP_MessageBoxQuestion, buttons)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    keep.setFocus()
    try:
        return box.exec() == QDialog.DialogCode.Accepted
    finally:
        box.deleteLater()
