"""File dialogs that never open the files they list.

Qt's file dialog reads the first bytes of every file whose name it does not know, to name its
type and icon, then closes it. Closing *any* descriptor of a file drops every POSIX lock this
process holds on that file (SQLite's "how to corrupt", 2.2), so listing the case folder while
a case is open dropped SQLite's locks on the case and its -shm: the next program to close the
case (`bwv-review annotate` in a terminal, a second window) took itself for the last one and
deleted the -wal and -shm under the window, whose later changes then went to a log nobody else
sees, and another program's changes were lost. These dialogs name types from the file name
only, and on Linux use Qt's own dialog (a desktop's native dialog, run in this process, would
read the files too). Windows locks belong to each handle, so its native dialog stays.

Same calls and results as QFileDialog's static functions.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QFileInfo
from PySide6.QtWidgets import QFileDialog, QFileIconProvider, QWidget


class _NamesOnly(QFileIconProvider):
    """Type and icon from the name, never from the content."""

    def type(self, info: QFileInfo) -> str:
        if info.isFile():
            return f"{info.suffix().upper()} file" if info.suffix() else "File"
        return super().type(info)

    def icon(self, what):
        if isinstance(what, QFileInfo) and not what.isDir():
            return super().icon(QFileIconProvider.IconType.File)
        return super().icon(what)


def make(parent: QWidget | None, caption: str, directory: str = "", filters: str = "") -> QFileDialog:
    dialog = QFileDialog(parent, caption, directory, filters)
    if sys.platform != "win32":
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog._names_only = _NamesOnly()  # kept alive with the dialog
    dialog.setIconProvider(dialog._names_only)
    return dialog


def _run(dialog: QFileDialog) -> tuple[list[str], str]:
    try:
        if dialog.exec() != QFileDialog.DialogCode.Accepted:
            return [], ""
        return dialog.selectedFiles(), dialog.selectedNameFilter()
    finally:
        dialog.deleteLater()


def getOpenFileName(parent, caption: str = "", directory: str = "", filters: str = "") -> tuple[str, str]:  # noqa: N802
    dialog = make(parent, caption, directory, filters)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    files, chosen = _run(dialog)
    return (files[0] if files else ""), chosen


def getOpenFileNames(parent, caption: str = "", directory: str = "", filters: str = "") -> tuple[list[str], str]:  # noqa: N802
    dialog = make(parent, caption, directory, filters)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return _run(dialog)


def getSaveFileName(parent, caption: str = "", directory: str = "", filters: str = "",  # noqa: N802
                    options: QFileDialog.Option | None = None) -> tuple[str, str]:
    dialog = make(parent, caption, directory, filters)
    if options is not None:
        dialog.setOptions(dialog.options() | options)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    files, chosen = _run(dialog)
    return (files[0] if files else ""), chosen


def getExistingDirectory(parent, caption: str = "", directory: str = "") -> str:  # noqa: N802
    dialog = make(parent, caption, directory)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    files, _chosen = _run(dialog)
    return files[0] if files else ""
