"""The GUI benchmark's children: each runs inside the app's own process (started by
``gui_bench.py --child KIND ...``, so every figure is taken in a fresh interpreter) and prints
one ``RESULT {json}`` line for the parent. See gui_bench.py for what each figure means."""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
from pathlib import Path

HEART_MS = 5
SEARCH_WORD = "look at the state"


# -- children ------------------------------------------------------------------------------
def _emit(result: dict) -> None:
    print("RESULT " + json.dumps(result), flush=True)


def _first_paint_filter(app):
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt name
            if event.type() == QEvent.Type.Paint:
                _emit({"painted": time.time()})
                app.removeEventFilter(self)
                QTimer.singleShot(0, app.quit)
            return False

    first = FirstPaint()
    app.installEventFilter(first)
    return first


def child_start_bare() -> None:
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication(["bare"])
    keep = _first_paint_filter(app)  # noqa: F841 - kept alive until exec returns
    w = QWidget()
    w.resize(1400, 900)
    w.show()
    app.exec()


def child_start_app() -> None:
    # The same path as ``bwv-review gui``: run_gui builds the window and runs the loop; the
    # QApplication it reuses is made here only so the paint filter can be installed first.
    from PySide6.QtWidgets import QApplication

    app = QApplication(["bwv-review"])
    keep = _first_paint_filter(app)  # noqa: F841
    from bwv_review.ui.launch import run_gui

    run_gui([])


def _peak_mb() -> float:
    """This process's resident-set high-water mark. VmHWM, not ru_maxrss: Linux carries
    ru_maxrss over from the parent through fork and exec, so a child started by a big
    parent would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # macOS: bytes, BSD: KiB


def _wait(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait_until(cond, timeout_ms: int) -> bool:
    deadline = time.monotonic() + timeout_ms / 1000
    while not cond():
        if time.monotonic() > deadline:
            return False
        _wait(20)
    return True


def _window(case: Path):
    from bwv_review.ui.launch import make_app
    from bwv_review.ui.main_window import MainWindow
    from bwv_review.ui.settings import Settings

    app = make_app()
    settings = Settings()
    settings.reviewer = "Benchmark"
    win = MainWindow(settings)
    win.show()
    if not win.open_case(case):
        raise SystemExit(f"could not open {case}: {win.last_error}")
    player = win.player
    if not _wait_until(lambda: player.duration_ms() > 0 and player.current_frame_index() >= 0, 600_000):
        raise SystemExit("the first frame never came")
    return app, win


class Heartbeat:
    def __init__(self):
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.clock = QElapsedTimer()
        self.clock.start()
        self.gaps: list[int] = []
        self.last = 0
        self.timer = QTimer(interval=HEART_MS)
        self.timer.setTimerType(self.timer.timerType().PreciseTimer)
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now = self.clock.elapsed()
        self.gaps.append(now - self.last)
        self.last = now

    def start(self) -> None:
        self.gaps = []
        self.last = self.clock.elapsed()
        self.timer.start()

    def stop(self) -> list[int]:
        self.timer.stop()
        return self.gaps


def _play(win, speed: float, seconds: float) -> tuple[int, int]:
    """Frames (shown, dropped) while playing ``seconds`` of wall time from the start."""
    player = win.player
    shown = [0]
    seen: list[int] = []

    gaps_at: list[float] = []  # seconds into playing when frames were skipped

    def count(index, *_):
        if player.is_playing():
            shown[0] += 1
            if seen and index > seen[-1] + 1:
                gaps_at.append(time.monotonic() - wall)
            seen.append(index)

    player.frameShown.connect(count)
    player.seek(0)
    _wait(300)
    before = player.dropped_frames
    player.set_speed(speed)
    cpu, wall = time.process_time(), time.monotonic()
    player.play()
    _wait(int(seconds * 1000))
    player.pause()
    _play.cpu_share = (time.process_time() - cpu) / (time.monotonic() - wall)  # cores' worth of CPU we got
    # Frames the clock passed over, shown or not: a check on the widget's own drop count.
    _play.covered = seen[-1] - seen[0] + 1 if seen else 0
    _play.early = sum(t < 1.0 for t in gaps_at)  # skips in the first second (start-up) vs later
    player.frameShown.disconnect(count)
    return shown[0], player.dropped_frames - before


def child_playback(case: Path, seconds: float, big_mb: int) -> None:
    app, win = _window(case)
    # Let the open-time work finish first (footage check and hash, waveform), so the figure
    # is steady playback; the memory figure keeps it in.
    _wait_until(lambda: win.pool.running() == 0 and win.timeline.waveform is not None, 120_000)
    _wait(500)
    out = {}
    for speed in (1.0, 2.0, 4.0):
        # 4x for less wall time, so it also stays within the first half of the clip.
        played = seconds if speed < 4 else seconds / 2.5
        shown, dropped = _play(win, speed, played)
        out[f"{speed:g}x"] = {"shown": shown, "dropped": dropped, "cpu_cores": _play.cpu_share, "seconds": played,
                              "load": os.getloadavg()[0], "covered": _play.covered, "early": _play.early}
    if big_mb <= 0:
        win.close()
        app.processEvents()
        _emit(out)
        return

    beat = Heartbeat()
    beat.start()
    _wait(1500)
    idle = beat.stop()
    folder = Path(tempfile.mkdtemp(prefix="bwv-stall-"))
    player = win.player
    errors: list[str] = []
    for said in (win.flow.error, win.pool.failed, win.session.error):  # the refusal comes from the session
        said.connect(errors.append)

    def stall(play: bool, hashing: bool, seconds: float | None = None) -> dict:
        """Heartbeat gaps while playing at 2x and/or hashing (the figure is both at once;
        each alone says which of them stalls the loop)."""
        player.seek(0)
        _wait(300)
        dropped0 = player.dropped_frames
        errors.clear()
        if play:
            player.set_speed(2.0)
            player.play()
        beat.start()
        started = time.monotonic()
        if hashing:
            big = folder / "big.mp4"
            with big.open("wb") as handle:
                handle.truncate(big_mb << 20)  # sparse: no disk used, but hashing reads every byte
            win.flow.relink(win.session.exhibits.exhibits[0], big)  # hashes the file, then refuses it
            _wait_until(lambda: bool(errors), 300_000)
            big.unlink()
        else:
            _wait(int(seconds * 1000))
        took = time.monotonic() - started
        gaps = beat.stop()
        player.pause()
        return {"max_ms": max(gaps), "p99_ms": sorted(gaps)[int(0.99 * len(gaps))], "beats": len(gaps),
                "expected_beats": int(took * 1000 / HEART_MS), "s": took,
                "dropped_during": player.dropped_frames - dropped0, "refused": bool(errors)}

    both = stall(True, True)
    out["stall"] = dict(both, idle_max_ms=max(idle), hash_s=both["s"], hash_mb=big_mb)
    out["stall_hash_only"] = stall(False, True)
    out["stall_play_only"] = stall(True, False, both["s"])
    win.close()
    app.processEvents()
    _emit(out)


def child_marks(case: Path) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication(["marks"])
    from bwv_review.core.session import Session
    from bwv_review.core.store import CaseStore
    from bwv_review.ui.annotations.panel import AnnotationPanel
    from bwv_review.ui.review import ReviewSession

    t0 = time.perf_counter()
    # The window's own path: the review session (which loads the chronology once), its Qt
    # face and the table model built from it.
    session = ReviewSession(Session(CaseStore.open(case), "Benchmark"))
    model = session.annotations
    t_model = time.perf_counter()
    panel = AnnotationPanel(model)
    panel.refresh_choices()
    panel.resize(1400, 300)
    panel.show()
    app.processEvents()
    t_open = time.perf_counter()
    rows = model.rowCount()
    keystrokes = []
    typed = [SEARCH_WORD[: i + 1] for i in range(len(SEARCH_WORD))]
    typed += [SEARCH_WORD[:i] for i in range(len(SEARCH_WORD) - 1, -1, -1)]  # and delete it again
    for text in typed:
        t = time.perf_counter()
        panel.search.setText(text)
        panel.apply_search()  # what the 120 ms typing pause then runs; the pause itself is not cost
        app.processEvents()
        keystrokes.append((text, time.perf_counter() - t, panel.proxy.rowCount()))
    session.close()
    _emit({"rows": rows, "open_s": t_open - t0, "model_s": t_model - t0, "keys": keystrokes})


def child_memory(case: Path, seconds: float) -> None:
    app, win = _window(case)
    opened = _peak_mb()
    shown, dropped = _play(win, 1.0, seconds)
    peak = _peak_mb()
    skim = {}
    for speed in (8.0, 16.0):  # the hour-long exhibit: skimming never reaches its end here
        pictures, _ = _play(win, speed, min(seconds, 8.0))
        skim[f"{speed:g}x"] = {"pictures": pictures, "seconds": min(seconds, 8.0), "load": os.getloadavg()[0]}
    win.close()
    app.processEvents()
    _emit({"peak_mb": peak, "opened_mb": opened, "shown": shown, "dropped": dropped, "skim": skim})


def child_bare_memory() -> None:
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication(["bare"])
    w = QWidget()
    w.show()
    _wait(500)
    app.processEvents()
    _emit({"peak_mb": _peak_mb()})


# -- parent --------------------------------------------------------------------------------
