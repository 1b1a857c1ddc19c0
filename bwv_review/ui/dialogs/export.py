"""Ctrl+E: export a statement or log, with a preview, exactly as the command line would.

The dialog calls the same core function as ``bwv-review export`` (core.export.export_case),
so for the same case and the same "generated" time both write the same bytes. Building
the report re-hashes every exhibit, so it runs in a worker with progress and cancel; the
worker opens its own read-only connection to the case so it never shares the window's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...core.export import (
    FORMATS,
    STATEMENT_FORMATS,
    ExportOptions,
    build_report,
    default_filename,
    export_case,
    render,
)
from ...core.model import STATUSES
from ...core.store import CaseStore
from ...core.timecode import now_utc
from .. import file_dialogs
from ..tasks import Task, TaskPool
from .message import ask

DESCRIPTIONS = {
    "docx": "Statement extract (Word)",
    "pdf": "Statement extract (PDF)",
    "html": "Statement extract (web page)",
    "csv": "Full log (CSV, opens in Excel)",
    "xlsx": "Full log (Excel workbook)",
    "json": "Whole case (JSON, for other tools)",
    "srt": "Subtitles (SRT, for VLC / mpv)",
    "vtt": "Subtitles (WebVTT)",
    "eaf": "ELAN annotation file (second reviewer)",
}
PREVIEW_CHARS = 60_000


def _read_only(path: Path | str) -> CaseStore:
    from ...core import cases  # noqa: PLC0415 - a file path or a server case's address

    return cases.open_case(path, readonly=True)


class ExportDialog(QDialog):
    exported = Signal(list)  # the paths written

    def __init__(self, store: CaseStore, parent: QWidget | None = None, pool: TaskPool | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.store = store
        self.pool = pool or TaskPool(self)
        self.generated: datetime | None = None  # None = now; tests and reproductions pin it
        self.last_warnings: list[str] = []
        self.task: Task | None = None

        self.format = QComboBox()
        for fmt in FORMATS:
            self.format.addItem(f"{DESCRIPTIONS[fmt]}  (.{fmt})", fmt)
        self.format.setToolTip("What to write: a statement for a report, or a log for the case file")
        self.exhibit = QComboBox()
        self.exhibit.addItem("All exhibits", None)
        for ex in store.exhibits():
            self.exhibit.addItem(f"{ex.ref}  {ex.wearer}".strip(), ex.ref)
        self.exhibit.setToolTip("Export every exhibit, or one")
        self.categories = QListWidget()
        self.categories.setToolTip("Tick the categories to include (none ticked = all)")
        self.categories.setMaximumHeight(120)
        for cat in store.categories():
            item = QListWidgetItem(cat.name)
            item.setData(Qt.ItemDataRole.UserRole, cat.slug)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.categories.addItem(item)
        self.statuses = {s: QCheckBox(s) for s in STATUSES}
        status_row = QHBoxLayout()
        for box in self.statuses.values():
            box.setToolTip("Only annotations with the ticked statuses (none ticked = all)")
            status_row.addWidget(box)
        self.drafts = QCheckBox("Also quote annotations not yet verified (marked UNVERIFIED)")
        self.stills = QCheckBox("A frame still, time burned in, under each quote")
        self.tiers = QComboBox()
        self.tiers.addItem("One tier per speaker", "speaker")
        self.tiers.addItem("One tier per category", "category")
        self.target = QLineEdit()
        self.target.setPlaceholderText("Where to save the export")
        self.target.setToolTip("The file to write; an existing file is only replaced after you confirm")
        browse = QPushButton("Browse…")
        browse.setToolTip("Choose where to save")
        browse.clicked.connect(self._browse)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target, 1)
        target_row.addWidget(browse)

        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("Exhibit", self.exhibit)
        form.addRow("Categories", self.categories)
        form.addRow("Status", status_row)
        form.addRow("", self.drafts)
        form.addRow("", self.stills)
        form.addRow("ELAN tiers", self.tiers)
        form.addRow("Save to", target_row)

        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        self.preview.setPlaceholderText("Press Preview to see what will be exported.")
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel()
        self.message.setWordWrap(True)

        self.buttons = QDialogButtonBox()
        self.preview_button = self.buttons.addButton("Preview", QDialogButtonBox.ButtonRole.ActionRole)
        self.preview_button.setToolTip("Build the export (re-checking footage hashes) and show it here")
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setToolTip("Re-check footage hashes and write the file")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.preview_button.clicked.connect(self.start_preview)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self._cancel_or_close)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.message)
        left.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addWidget(self.preview, 3)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # quiet on offscreen platforms
        layout.addLayout(body, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.exhibit.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        self.setMinimumSize(760, 480)
        self.resize(1100, 640)

    # -- choices -------------------------------------------------------------------------
    def fmt(self) -> str:
        return self.format.currentData()

    def options(self) -> ExportOptions:
        cats = tuple(
            self.categories.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.categories.count())
            if self.categories.item(i).checkState() == Qt.CheckState.Checked
        )
        return ExportOptions(
            exhibit=self.exhibit.currentData(),
            categories=cats,
            statuses=tuple(s for s, box in self.statuses.items() if box.isChecked()),
            include_drafts=self.drafts.isChecked(),
            tiers=self.tiers.currentData(),
            stills=self.stills.isChecked(),
        )

    def _format_changed(self) -> None:
        fmt = self.fmt()
        statement = fmt in STATEMENT_FORMATS
        self.drafts.setEnabled(statement)
        self.stills.setEnabled(fmt in ("docx", "pdf", "html"))
        self.tiers.setEnabled(fmt == "eaf")
        case = self.store.case()
        name = default_filename(_Named(case, self.options()), fmt)
        current = Path(self.target.text()) if self.target.text() else self.store.folder / name
        self.target.setText(str(current.with_name(name) if not self.target.isModified() else current.with_suffix("." + fmt)))

    def _browse(self) -> None:
        fmt = self.fmt()
        path, _ = file_dialogs.getSaveFileName(self, "Export to", self.target.text(), f"{DESCRIPTIONS[fmt]} (*.{fmt})")
        if path:
            self.target.setText(path)
            self.target.setModified(True)

    # -- work ----------------------------------------------------------------------------
    def _run(self, fn, on_done) -> None:
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.preview_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.message.setText("Re-checking footage hashes…")
        task = Task(fn, "export")
        task.progress.connect(self._progress)
        task.succeeded.connect(on_done)
        task.failed.connect(lambda sentence: self._finish(sentence, error=True))
        task.cancelled.connect(lambda: self._finish("Cancelled; nothing was written."))
        self.task = task
        self.pool.start(task, report_failure=False)  # said in the dialog

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _finish(self, sentence: str, error: bool = False) -> None:
        self.task = None
        self.progress.setVisible(False)
        self.preview_button.setEnabled(True)
        self.export_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self.message.setText(sentence)
        self.message.setStyleSheet("color: #b00020;" if error else "")

    def start_preview(self) -> None:
        path, fmt, options, generated = self.store.path, self.fmt(), self.options(), self.generated or now_utc()

        def work(progress, cancelled):
            with _read_only(path) as store:
                report = build_report(store, replace(options, stills=False), generated, progress, cancelled)
                shown = "html" if fmt in STATEMENT_FORMATS else ("csv" if fmt == "xlsx" else fmt)
                exhibit_id = report.exhibits[0].exhibit.id if report.exhibits else None
                data = render(report, shown, exhibit_id, store)
                return shown, data.decode("utf-8-sig", "replace"), list(report.warnings)

        self._run(work, self._show_preview)

    def _show_preview(self, result) -> None:
        shown, text, warnings = result
        if shown == "html":
            self.preview.setHtml(text)
        else:
            self.preview.setPlainText(text[:PREVIEW_CHARS] + ("\n…" if len(text) > PREVIEW_CHARS else ""))
        self._finish(self._warning_text(warnings) or "Preview of what will be exported.", error=bool(warnings))

    def start_export(self) -> None:
        if not self.target.text().strip():
            self._finish("Choose where to save the export.", error=True)
            return
        out = Path(self.target.text().strip())
        if out.suffix.lower() != "." + self.fmt():
            out = out.with_suffix("." + self.fmt())
        force = False
        if out.exists():
            if not self.confirm_overwrite(out):
                return
            force = True
        path, fmt, options, generated = self.store.path, self.fmt(), self.options(), self.generated

        def work(progress, cancelled):
            with _read_only(path) as store:
                result = export_case(store, fmt, out, options, generated=generated, force=force,
                                     progress=progress, cancel=cancelled)
                return result.paths, result.warnings

        self._run(work, self._exported)

    def confirm_overwrite(self, out: Path) -> bool:
        """Ask before replacing a file; Enter (or Esc) keeps it: replacing is never the default."""
        return ask(self, "Replace file?", f"{out.name} already exists in {out.parent}. Replace it?",
                   "Replace", "Keep the file")

    def _exported(self, result) -> None:
        paths, warnings = result
        self.last_warnings = list(warnings)
        names = ", ".join(p.name for p in paths)
        text = f"Written: {names} in {paths[0].parent}." if paths else "Nothing was written."
        if warnings:
            text = self._warning_text(warnings) + "\n" + text
        self._finish(text, error=bool(warnings))
        self.exported.emit(list(paths))

    @staticmethod
    def _warning_text(warnings: list[str]) -> str:
        return "\n".join(f"Warning: {w}" for w in warnings)

    def _cancel_or_close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        else:
            self.reject()

    def done(self, result: int) -> None:  # noqa: D401 - Qt override: join the worker before closing
        task, self.task = self.task, None
        if task is not None:  # cancelled; the pool joins its thread, and its answer no longer comes here
            task.detach()
        if self.pool.parent() is self:
            self.pool.shutdown()
        super().done(result)

    def closeEvent(self, event) -> None:  # noqa: N802 - closed without done() (never shown): join too
        if self.pool.parent() is self:
            self.pool.shutdown()
        super().closeEvent(event)


class _Named:
    """Just enough of a Report for default_filename (case + options) before one is built."""

    def __init__(self, case, options: ExportOptions):
        self.case = case
        self.options = options
