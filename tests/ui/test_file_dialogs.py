"""The window's file dialogs never open the files they list (QA: Qt's dialog read every file of
the case folder to name its type, which dropped SQLite's locks on the open case)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QFileSystemModel

from bwv_review.ui import file_dialogs

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("does not support propagateSizeHints")]  # offscreen


def _close_from_another_program(path) -> None:
    code = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT x FROM t').fetchall(); c.close()"
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)


def test_listing_the_case_folder_keeps_the_open_case_write_ahead_log(qtbot, tmp_path):
    case = tmp_path / "Operation Example.bwvcase"
    db = sqlite3.connect(case)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE t (x)")
    db.execute("INSERT INTO t VALUES (1)")
    db.commit()
    (tmp_path / "AB-1.mp4").write_bytes(b"footage")
    dialog = file_dialogs.make(None, "Add footage", str(tmp_path), "Video (*.mp4);;All files (*)")
    qtbot.addWidget(dialog)
    model = dialog.findChild(QFileSystemModel)
    with qtbot.waitSignal(model.directoryLoaded, timeout=10_000):
        dialog.show()
    qtbot.waitExposed(dialog)
    dialog.selectNameFilter("All files (*)")  # every file listed, with its type
    qtbot.waitUntil(lambda: model.rowCount(model.index(str(tmp_path))) >= 4)
    for row in range(model.rowCount(model.index(str(tmp_path)))):
        model.data(model.index(row, 2, model.index(str(tmp_path))))  # the Type column, as the view asks
    dialog.close()
    _close_from_another_program(case)
    assert (tmp_path / "Operation Example.bwvcase-wal").exists(), "the -wal was deleted under the open case"
    db.execute("INSERT INTO t VALUES (2)")
    db.commit()
    _close_from_another_program(case)
    assert db.execute("SELECT count(*) FROM t").fetchone() == (2,)
    db.close()


def test_every_file_dialog_in_the_window_goes_through_file_dialogs():
    """A direct QFileDialog.get*() call would list the case folder with Qt's content sniffing
    again and drop the open case's SQLite locks (the data loss above)."""
    import re
    from pathlib import Path

    import bwv_review.ui as ui

    root = Path(ui.__file__).parent
    direct = [f"{path.relative_to(root)}:{n}"
              for path in sorted(root.rglob("*.py")) if path.name != "file_dialogs.py"
              for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if re.search(r"QFileDialog\s*\.\s*get\w+\s*\(|QFileDialog\s*\(", line)]
    assert direct == []
