"""The window's start page opens without the case machinery, and closes without loading the
worker modules: the case file (sqlite_utils, numpy), the decoder (PyAV, cv2) and the writers
(python-docx, fontTools) load when a case opens or a task starts. Proven in a fresh
interpreter by sys.modules after the window painted and closed (benchmarks/gui_bench.py
times the same start against a bare window)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

CASE_MACHINERY = ("sqlite_utils", "numpy", "av", "cv2", "docx", "fontTools", "openpyxl", "uharfbuzz")

PROBE = (
    "import json, sys\n"
    "from PySide6.QtWidgets import QApplication\n"
    "from bwv_review.ui.main_window import MainWindow\n"
    "app = QApplication(['bwv-review'])\n"
    "window = MainWindow()\n"
    "window.show()\n"
    "app.processEvents()\n"
    f"seen = lambda: sorted({{m.split('.')[0] for m in sys.modules}} & set({CASE_MACHINERY!r}))\n"
    "shown = seen()\n"
    "window.close()\n"
    "app.processEvents()\n"
    "print(json.dumps({'shown': shown, 'closed': seen()}), file=sys.stderr)\n"
)


def test_start_page_and_close_load_no_case_machinery(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BWV_REVIEW_HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    loaded = json.loads(r.stderr.strip().splitlines()[-1])
    assert loaded == {"shown": [], "closed": []}
