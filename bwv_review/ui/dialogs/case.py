"""New case: title, reference and where the case file goes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core.store import CASE_SUFFIX
from .. import file_dialogs


class NewCaseDialog(QDialog):
    def __init__(self, folder: Path, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New case")
        self.title = QLineEdit()
        self.title.setPlaceholderText("e.g. Operation Example")
        self.title.setToolTip("The case's name, shown on every export")
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("e.g. IOPC 2019/0001")
        self.reference.setToolTip("Your organisation's reference for the investigation")
        self.folder = QLineEdit(str(folder))
        self.folder.setToolTip("The case file is created here; keep footage beside it so the folder can move")
        browse = QPushButton("Choose…")
        browse.setToolTip("Choose the folder for the case file")
        browse.clicked.connect(self._browse)
        host = QWidget()
        row = QHBoxLayout(host)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c0392b;")
        self.problem.hide()
        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("Reference", self.reference)
        form.addRow("Folder", host)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create case")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def _browse(self) -> None:
        chosen = file_dialogs.getExistingDirectory(self, "Folder for the case file", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def case_path(self) -> Path:
        safe = "".join(c if c.isalnum() or c in " -_." else "_" for c in self.title.text().strip())
        return Path(self.folder.text()) / f"{safe or 'case'}{CASE_SUFFIX}"

    def accept(self) -> None:
        if not self.title.text().strip():
            self.problem.setText("A case needs a title.")
            self.problem.show()
            return
        super().accept()
