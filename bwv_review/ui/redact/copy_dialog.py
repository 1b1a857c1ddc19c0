"""Export redacted copy…: where the copy and its disclosure report go, and what goes in it.

The same choices as the command line (``export --format mp4``): the report as Word or PDF
(``--report``), suggestions not yet confirmed left out unless asked for
(``--include-suggested``), the burned-in line (``--burn-in``), replacing files only when
the reviewer says so (``--force``; the safe answer, keeping them, is the default).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from .. import file_dialogs
from ..dialogs.message import ask

REPORTS = (("Word document (.docx)", ".docx"), ("PDF (.pdf)", ".pdf"))


@dataclass(frozen=True)
class CopyChoices:
    out: Path
    report: Path
    include_suggested: bool
    burn_in: bool
    force: bool  # replace a copy or report already there (the reviewer said so)


def report_for(out: Path, suffix: str) -> Path:
    return out.with_name(f"{out.stem} disclosure report{suffix}")


class CopyDialog(QDialog):
    """Asks where and how; ``choices()`` once accepted. Opened window-modal with ``open()``."""

    def __init__(self, ref: str, suggested: Path, label: str, confirmed: int, waiting: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Redacted copy of {ref}")
        self.ref = ref
        self.target = QLineEdit(str(suggested))
        self.target.setToolTip("The redacted copy (MP4). The original footage is never changed.")
        browse = QPushButton("Browse\u2026")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.target, 1)
        where.addWidget(browse)
        self.report = QComboBox()
        for text, suffix in REPORTS:
            self.report.addItem(text, suffix)
        self.report_name = QLabel()
        self.burn_in = QCheckBox(f"Burn in \u201c{label}\u201d at the bottom left")
        self.burn_in.setChecked(True)
        self.burn_in.setToolTip("A line in the picture saying this is a redacted copy, and of what")
        self.include = QCheckBox(f"Include the {waiting} suggested redaction(s) not yet confirmed")
        self.include.setEnabled(waiting > 0)
        self.include.setToolTip("Suggestions are a machine's guesses; a copy normally holds only what a reviewer "
                                "confirmed (C in Redact mode)")
        self.counts = (confirmed, waiting)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c0392b;")
        self.problem.setWordWrap(True)
        self.problem.hide()
        form = QFormLayout()
        form.addRow("Copy", where)
        form.addRow("Disclosure report", self.report)
        form.addRow("", self.report_name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Make the copy")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        # Sized once from its contents, not constrained by the layout: the sentence shown for a
        # bad name then makes no size-hint requests (which headless platforms warn about).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addLayout(form)
        layout.addWidget(self.burn_in)
        layout.addWidget(self.include)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        for signal in (self.target.textChanged, self.report.currentIndexChanged, self.include.toggled):
            signal.connect(self._describe)
        self._describe()
        self.force = False
        self.resize(620, self.sizeHint().height())

    def _out(self) -> Path:
        return Path(self.target.text().strip())

    def _describe(self, *_args) -> None:
        report = report_for(self._out(), self.report.currentData())
        self.report_name.setText(f"{report.name}, beside the copy")
        confirmed, waiting = self.counts
        used = confirmed + (waiting if self.include.isChecked() else 0)
        text = f"{used} redaction(s) will be applied" if used else "No redactions to apply: the copy only strips " \
                                                                   "the footage's metadata"
        if waiting and not self.include.isChecked():
            text += f"; {waiting} suggestion(s) left out until confirmed"
        self.summary.setText(text + ".")

    def _browse(self) -> None:
        path, _ = file_dialogs.getSaveFileName(self, f"Redacted copy of {self.ref}", self.target.text(),
                                               "MP4 video (*.mp4)", options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.target.setText(path if path.lower().endswith(".mp4") else path + ".mp4")

    def choices(self) -> CopyChoices:
        out = self._out()
        return CopyChoices(out, report_for(out, self.report.currentData()), self.include.isChecked(),
                           self.burn_in.isChecked(), self.force)

    def accept(self) -> None:
        out = self._out()
        problem = ""
        if out.suffix.lower() != ".mp4":
            problem = "The copy is written as MP4: give a file name ending in .mp4."
        elif not out.parent.is_dir():
            problem = f"Folder {out.parent} does not exist."
        if problem:
            self.problem.setText(problem)
            self.problem.show()
            return
        there = [p.name for p in (out, report_for(out, self.report.currentData())) if p.exists()]
        if there:
            names = " and ".join(there)
            if not ask(self, "Replace?", f"{names} already {'exist' if len(there) > 1 else 'exists'}. Replace "
                       f"{'them' if len(there) > 1 else 'it'} with the new copy and report?", "Replace",
                       "Keep the file"):
                return
            self.force = True
        super().accept()
