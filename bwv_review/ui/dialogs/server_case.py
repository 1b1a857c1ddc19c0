"""File > Open server case…: the address of a case on a PostgreSQL server, remembered.

Only addresses are remembered, never passwords: an address holding one is refused when it
is opened, with the sentence saying where passwords go (libpq's .pgpass, PGPASSWORD or a
service file).
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

PLACEHOLDER = "postgresql://you@server/case-database"


class ServerCaseDialog(QDialog):
    def __init__(self, remembered: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Open server case")
        layout = QVBoxLayout(self)
        label = QLabel("Address of the case on the team's PostgreSQL server\n"
                       "(postgresql://[user@]host[:port]/database; the password comes from your .pgpass file):")
        layout.addWidget(label)
        self.address = QComboBox(editable=True)
        self.address.addItems(remembered)
        self.address.lineEdit().setPlaceholderText(PLACEHOLDER)
        self.address.setMinimumWidth(520)
        label.setBuddy(self.address)
        layout.addWidget(self.address)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def url(self) -> str:
        return self.address.currentText().strip()
