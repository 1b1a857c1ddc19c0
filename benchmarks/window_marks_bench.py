"""Opening a case of 100,000 marks in the case window, against the same footage with none.

    python benchmarks/window_marks_bench.py [--work DIR] [--runs 3] [--count 100000]

Each trial is a fresh process on the offscreen Qt platform (bytecode cached, a warm-up pair
first): MainWindow.open_case on the case, then until the first frame of its footage is on
screen and the window has painted (table, timeline with every mark, exhibits). The reference
is the same window opening a case with the same kind of footage and no marks, in the same
run; trials are interleaved so load from elsewhere hits both alike. The figure is the
median extra time the marks cost, and the median total. (gui_bench.py's marks figure times
the marks table alone.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def child(case: Path) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    from bwv_review.ui.launch import make_app
    from bwv_review.ui.main_window import MainWindow
    from bwv_review.ui.settings import Settings

    app = make_app()
    settings = Settings()
    settings.reviewer = "Benchmark"
    win = MainWindow(settings)
    win.show()
    app.processEvents()
    t0 = time.perf_counter()
    if not win.open_case(case):
        raise SystemExit(f"could not open {case}: {win.last_error}")
    opened = time.perf_counter() - t0
    player = win.player
    while not (player.duration_ms() > 0 and player.current_frame_index() >= 0):
        loop = QEventLoop()
        QTimer.singleShot(5, loop.quit)
        loop.exec()
        if time.perf_counter() - t0 > 120:
            raise SystemExit("the first frame never came")
    win.repaint()  # everything painted once, the timeline's marks included
    app.processEvents()
    shown = time.perf_counter() - t0
    print("RESULT " + json.dumps({"open_case_s": opened, "shown_s": shown, "rows": win.session.annotations.rowCount(),
                                  "load": os.getloadavg()[0]}), flush=True)
    win.close()
    app.processEvents()


def _trial(case: Path) -> dict:
    import subprocess
    import tempfile

    from gui_bench import PYCACHE

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1", PYTHONPYCACHEPREFIX=str(PYCACHE),
               BWV_REVIEW_HOME=tempfile.mkdtemp(prefix="bwv-bench-home-"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(case)], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"child failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", type=Path)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "bwv-bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    import gui_bench

    marks, empty = gui_bench.marks_case(args.work, args.count), gui_bench.marks_case(args.work, 0)
    _trial(marks), _trial(empty)  # warm-up: bytecode and file cache
    with_marks, without = [], []
    for _ in range(args.runs):
        with_marks.append(_trial(marks))
        without.append(_trial(empty))
    m = statistics.median(r["shown_s"] for r in with_marks)
    b = statistics.median(r["shown_s"] for r in without)
    print(json.dumps({"figures": [{
        "name": f"open a case of {with_marks[0]['rows']:,} marks in the window, to its first frame painted",
        "value": round(m, 2), "unit": "s", "extra_for_marks_s": round(m - b, 2),
        "reference": f"the same window opening a case with no marks: {b:.2f} s (median of {args.runs})",
        "open_case_s": round(statistics.median(r["open_case_s"] for r in with_marks), 2),
        "load": [round(r["load"], 1) for r in with_marks]}]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
