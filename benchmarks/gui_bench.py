"""GUI figures, each measured in its own child process on the offscreen Qt platform.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_bench.py [--quick] [--work DIR]

* start to first paint: ``launch.run_gui`` (no case) against a bare PySide6 window, from
  the moment the parent starts the process to the first Paint event the child receives;
  trials interleaved, medians compared;
* frames dropped at 1x and 2x playback of 1080p30 in the main window (PlayerWidget's
  dropped_frames against frames shown);
* longest event-loop stall during 2x playback while the app's hashing worker
  (FootageFlow.relink -> TaskPool -> sha256_file) reads a large sparse file: the longest
  gap between beats of a 5 ms QTimer, beside the same heartbeat idle (the reference);
* a case with 100,000 marks: CaseStore.open + AnnotationTableModel + AnnotationPanel
  (proxy and table) shown and painted; then typing a word into the search, one keystroke at
  a time (set the text, refilter via the proxy, let the table repaint), worst keystroke;
* peak memory (ru_maxrss) of the window with a 1-hour 1080p exhibit opened (fresh caches:
  frame index and waveform are built in that process) and playing for ~20 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

HEART_MS = 5
SEARCH_WORD = "look at the state"


def fig(name, value, unit, reference, target, met, **extra) -> dict:
    return {"name": name, "value": value, "unit": unit, "reference": reference, "target": target,
            "met": bool(met), **extra}


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
        shown, dropped = _play(win, speed, seconds if speed < 4 else seconds / 2.5)
        out[f"{speed:g}x"] = {"shown": shown, "dropped": dropped, "cpu_cores": _play.cpu_share,
                              "load": os.getloadavg()[0], "covered": _play.covered, "early": _play.early}

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
PYCACHE = Path(tempfile.gettempdir()) / "bwv-bench-pycache"


def _run_child(args: list[str], home: Path | None = None, timeout: float = 900) -> tuple[dict, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    # As installed, Python keeps compiled bytecode: a shell with PYTHONDONTWRITEBYTECODE set
    # would make every start compile bwv_review from source (a third of its start-up here).
    # The cache goes to a folder of its own, not into the source tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["BWV_REVIEW_HOME"] = str(home or tempfile.mkdtemp(prefix="bwv-bench-home-"))
    started = time.time()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:]), started
    raise RuntimeError(f"child {args} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def start_figures(trials: int) -> list[dict]:
    """Both children run with bytecode cached and the OS file cache warm (a reviewer's
    second start of the day); the first, uncounted pair warms them."""
    app, bare = [], []
    _run_child(["start-app"])  # not counted: compiles the bytecode cache on a first run
    _run_child(["start-bare"])
    for _ in range(trials):  # interleaved, so load from elsewhere hits both alike
        for kind, into in (("start-bare", bare), ("start-app", app)):
            result, started = _run_child([kind])
            into.append(result["painted"] - started)
    a, b = statistics.median(app), statistics.median(bare)
    return [fig("GUI start to first paint", round(a / b, 2), "x bare window",
                f"bare PySide6 window {b * 1000:.0f} ms (median of {trials})", "<= 2x", a / b <= 2,
                absolute_ms=round(a * 1000))]


def playback_figures(case: Path, seconds: float, big_mb: int) -> list[dict]:
    """``seconds`` of playing at each speed: at most half the clip, so 2x never reaches its end."""
    r, _ = _run_child(["playback", str(case), str(seconds), str(big_mb)])
    out = []
    for speed, limit in (("1x", 0.0), ("2x", 1.0), ("4x", 1.0)):
        got = r[speed]
        total = got["shown"] + got["dropped"]
        pct = 100 * got["dropped"] / max(1, total)
        out.append(fig(f"frames dropped at {speed} playback, 1080p30", round(pct, 2), "% of frames",
                       f"{got['dropped']} of {total} frames in {seconds:g} s (clock passed {got['covered']}; skips in the "
                       f"first second {got['early']}); the app used "
                       f"{got['cpu_cores']:.2f} cores, load average {got['load']:.1f}", "0" if limit == 0 else "< 1 %",
                       got["dropped"] == 0 if limit == 0 else pct < limit))
    s = r["stall"]
    out.append(fig("longest GUI stall during 2x playback while hashing", s["max_ms"], "ms",
                   f"idle event loop, same process: {s['idle_max_ms']} ms; p99 beat gap {s['p99_ms']} ms; "
                   f"hashed {s['hash_mb']} MB in {s['hash_s']:.1f} s; alone: hashing {r['stall_hash_only']['max_ms']} ms, "
                   f"2x playback {r['stall_play_only']['max_ms']} ms", "<= 50 ms",
                   s["max_ms"] <= 50 and s["refused"], frames_dropped_meanwhile=s["dropped_during"],
                   beats=f"{s['beats']} of {s['expected_beats']}", hash_only=r["stall_hash_only"],
                   play_only=r["stall_play_only"]))
    return out


def marks_figures(case: Path) -> list[dict]:
    r, _ = _run_child(["marks", str(case)])
    keys = r["keys"]
    times = [k[1] for k in keys]
    worst = max(keys, key=lambda k: k[1])
    return [
        fig(f"open a case with {r['rows']:,} annotations into the table", round(r["open_s"], 2), "s",
            f"of which store + model {r['model_s']:.2f} s", "<= 1 s", r["open_s"] <= 1),
        fig(f"search-as-you-type over {r['rows']:,} annotations, worst keystroke", round(worst[1] * 1000, 1), "ms",
            f"median keystroke {statistics.median(times) * 1000:.1f} ms over {len(keys)}; worst at "
            f"{worst[0]!r} ({worst[2]} rows shown)", "<= 100 ms", worst[1] <= 0.1),
    ]


def memory_figures(case: Path, seconds: float) -> list[dict]:
    bare, _ = _run_child(["bare-memory"])
    r, _ = _run_child(["memory", str(case), str(seconds)])
    out = [fig("peak memory, 1-hour 1080p exhibit open and playing", round(r["peak_mb"]), "MB",
               f"bare PySide6 window {bare['peak_mb']:.0f} MB; after opening {r['opened_mb']:.0f} MB; "
               f"played {seconds:g} s", "<= 500 MB", r["peak_mb"] <= 500)]
    for speed, got in r.get("skim", {}).items():
        rate = got["pictures"] / got["seconds"]
        out.append(fig(f"skimming at {speed}, 1080p30 (keyframes, sound muted)", round(rate, 1), "pictures/s",
                       f"{got['pictures']} pictures in {got['seconds']:g} s of the 1-hour exhibit; "
                       f"load average {got['load']:.1f}", ">= 4", rate >= 4))
    return out


# -- cases ------------------------------------------------------------------------------------
def footage_case(work: Path, footage: Path) -> Path:
    """A case with one exhibit (the given footage), made once per footage file and kept."""
    from bwv_review.core.evidence import import_footage
    from bwv_review.core.store import CaseStore

    case = work / "cases" / f"{footage.stem}.bwvcase"
    if case.exists():
        return case
    case.parent.mkdir(parents=True, exist_ok=True)
    part = case.with_name(case.stem + "-part.bwvcase")
    for old in case.parent.glob(part.name + "*"):
        old.unlink()
    with CaseStore.create(part, "Benchmark", "BENCH 1", reviewer="Benchmark") as store:
        import_footage(store, footage, "AB/1", "Benchmark", wearer="PC 1", start="2019-07-01T23:34:55+01:00")
    part.rename(case)
    return case


def marks_case(work: Path, count: int) -> Path:
    import export_bench

    folder = work / f"marks-{count}"
    case = folder / "bench.bwvcase"
    if not case.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        export_bench.make_case(folder, count).close()
    return case


def figures(work: Path, quick: bool, clip_1080: Path, hour_1080: Path) -> list[dict]:
    os.environ.setdefault("BWV_REVIEW_HOME", str(work / "home"))
    out = start_figures(3 if quick else 7)
    clip_s = int(clip_1080.stem.rsplit("-", 1)[1].removesuffix("s"))
    play_s = min(8 if quick else 20, clip_s / 2 - 1)
    out += playback_figures(footage_case(work, clip_1080), play_s, 512 if quick else 1536)
    out += marks_figures(marks_case(work, 100_000))
    out += memory_figures(footage_case(work, hour_1080), 10 if quick else 20)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs="+")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "start-bare":
            child_start_bare()
        elif kind == "start-app":
            child_start_app()
        elif kind == "playback":
            child_playback(Path(rest[0]), float(rest[1]), int(rest[2]))
        elif kind == "marks":
            child_marks(Path(rest[0]))
        elif kind == "memory":
            child_memory(Path(rest[0]), float(rest[1]))
        elif kind == "bare-memory":
            child_bare_memory()
        return 0
    import footage

    work = args.work or footage.DEFAULT_WORK
    seconds = 10 if args.quick else 60
    clip = footage.segment(work, "1080p30", seconds)
    hour = footage.repeated(work, clip, 60)
    print(json.dumps({"figures": figures(work, args.quick, clip, hour)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
