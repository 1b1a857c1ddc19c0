"""Ctrl+E: the one function the window calls to export (the dialog lives in dialogs/export.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:  # the dialog and the exporters load on the first Ctrl+E, not at start
    from ..core.store import CaseStore
    from .dialogs.export import ExportDialog


def run_export(parent: QWidget, store: CaseStore, pool=None) -> ExportDialog:
    """Open the export dialog; its work runs in the window's task pool (``pool``) when given."""
    from .dialogs.export import ExportDialog

    dialog = ExportDialog(store, parent, pool=pool)
    dialog.exported.connect(
        lambda paths: parent.statusBar().showMessage(f"Exported {', '.join(p.name for p in paths)}", 8000)
        if hasattr(parent, "statusBar") else None
    )
    dialog.open()
    return dialog
