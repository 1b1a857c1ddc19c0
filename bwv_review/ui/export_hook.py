"""Ctrl+E: where the export dialog plugs in.

The exports engineer replaces ``run_export`` with a dialog over core.export.export_case
(formats, filters, preview, progress). The window only ever calls this one function.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from ..core.store import CaseStore


def run_export(parent: QWidget, store: CaseStore) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, "Export",
                      "Exporting from the window is not built yet. Meanwhile use the command line:\n\n"
                      f"    bwv-review export \"{store.path}\" --help", parent=parent)
    box.open()
    parent._export_box = box  # keep it alive while shown
