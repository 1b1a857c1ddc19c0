"""Asking for an exhibit's details before its footage is hashed and added."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from ...core.errors import ReviewError
from ...core.timecode import parse_instant


class AddFootageDialog(QDialog):
    """Exhibit ref, wearer, camera and (optionally) the recording start for one file."""

    def __init__(self, path: Path, suggested_ref: str = "", parent=None):
        super().__init__(parent)
        self.setWindowTitle("Add footage")
        self.path = Path(path)
        self.ref = QLineEdit(suggested_ref)
        self.ref.setPlaceholderText("e.g. AB/1")
        self.ref.setToolTip("The exhibit reference as it appears on the exhibit label")
        self.wearer = QLineEdit()
        self.wearer.setPlaceholderText("e.g. PC 1234 Able")
        self.wearer.setToolTip("The officer wearing the camera")
        self.device = QLineEdit()
        self.device.setPlaceholderText("camera serial or asset number")
        self.device.setToolTip("The camera that recorded this file")
        self.start = QLineEdit()
        self.start.setPlaceholderText("from the camera's metadata (leave empty) or e.g. 2019-07-01T23:34:55+01:00")
        self.start.setToolTip("When recording started, with its UTC offset; empty uses the file's own metadata")
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c0392b;")
        self.problem.setWordWrap(True)
        self.problem.hide()
        form = QFormLayout()
        form.addRow("File", QLabel(self.path.name))
        form.addRow("Exhibit ref", self.ref)
        form.addRow("Wearer", self.wearer)
        form.addRow("Camera", self.device)
        form.addRow("Recording start", self.start)
        note = QLabel("The file is hashed (SHA-256) before it is added; it is never changed.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Hash and add")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def values(self) -> dict:
        return {"ref": self.ref.text().strip(), "wearer": self.wearer.text().strip(),
                "device": self.device.text().strip(), "start": self.start.text().strip() or None}

    def accept(self) -> None:
        values = self.values()
        try:
            if not values["ref"]:
                raise ReviewError("An exhibit needs a reference, such as AB/1.")
            if values["start"]:
                parse_instant(values["start"])
        except ReviewError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return
        super().accept()
