"""Settings: who the reviewer is, and how marking and playback behave."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

from ..keyboard import SPEEDS
from ..settings import THEMES, Settings


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Settings")
        self.reviewer = QLineEdit(settings.reviewer)
        self.reviewer.setToolTip("Your name as it is recorded against every change in the audit log")
        self.lag = QSpinBox()
        self.lag.setRange(0, 3000)
        self.lag.setSingleStep(50)
        self.lag.setSuffix(" ms")
        self.lag.setValue(settings.reaction_lag_ms)
        self.lag.setToolTip("Subtracted from a mark made while the video plays, for the time it takes to press the key")
        self.rewind = QDoubleSpinBox()
        self.rewind.setRange(0.0, 10.0)
        self.rewind.setSingleStep(0.5)
        self.rewind.setSuffix(" s")
        self.rewind.setValue(settings.rewind_on_pause_s)
        self.rewind.setToolTip("On pause, step back this far so you hear the last words again")
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(max(0, self.speed.findData(settings.default_speed)))
        self.speed.setToolTip("Speed footage opens at, and Backspace returns to")
        self.theme = QComboBox()
        for t in THEMES:
            self.theme.addItem({"system": "Follow the system"}.get(t, t.capitalize()), t)
        self.theme.setCurrentIndex(self.theme.findData(settings.theme))
        self.theme.setToolTip("Light or dark colours, or whatever the system uses")
        form = QFormLayout()
        form.addRow("Reviewer name", self.reviewer)
        form.addRow("Reaction-lag compensation", self.lag)
        form.addRow("Rewind on pause", self.rewind)
        form.addRow("Default speed", self.speed)
        form.addRow("Theme", self.theme)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c0392b;")
        self.problem.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def accept(self) -> None:
        if not self.reviewer.text().strip():
            self.problem.setText("Enter your name: it is recorded against every change you make.")
            self.problem.show()
            return
        s = self.settings
        s.reviewer = self.reviewer.text()
        s.reaction_lag_ms = self.lag.value()
        s.rewind_on_pause_s = self.rewind.value()
        s.default_speed = self.speed.currentData()
        s.theme = self.theme.currentData()
        super().accept()
