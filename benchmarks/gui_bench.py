"""GUI figures, each measured in its own child process on the offscreen Qt platform.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_bench.py [--quick] [--work DIR]

* start to first paint: ``launch.run_gui`` (no case) against a bare PySide6 window, from
  the moment the parent starts the process to the first Paint event the child receives;
  trials interleaved, medians compared;
* frames dropped at 1x, 2x and 4x playback of 720p30 and of 1080p30 in the main window
  (PlayerWidget's dropped_frames against frames shown), each with the load average;
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))



def fig(name, value, unit, reference, target, met, **extra) -> dict:
    return {"name": name, "value": value, "unit": unit, "reference": reference, "target": target,
            "met": bool(met), **extra}


PYCACHE = Path(tempfile.gettempdir()) / "bwv-bench-pycache"


MEDIA_ROOTS_ENV = "BWV_BENCH_MEDIA_ROOTS"  # folders a child adds as media folders in its own home


def _run_child(args: list[str], home: Path | None = None, timeout: float = 900,
               media: Path | None = None) -> tuple[dict, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    if media is not None:  # footage outside the case folder is read only from a media folder added here
        env[MEDIA_ROOTS_ENV] = str(media)
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


# Frames a playback may drop, per speed: none on 720p; on 1080p none at 1x and at most 1 % above.
DROP_LIMITS = {"720p30": {"1x": 0.0, "2x": 0.0, "4x": 0.0}, "1080p30": {"1x": 0.0, "2x": 1.0, "4x": 1.0}}


def playback_figures(case: Path, seconds: float, big_mb: int, label: str = "1080p30") -> list[dict]:
    """``seconds`` of playing at each speed: at most half the clip, so 2x never reaches its end.
    ``big_mb`` > 0: then the stall figures (2x while hashing a file that big)."""
    r, _ = _run_child(["playback", str(case), str(seconds), str(big_mb)], media=case.parent.parent)
    out = []
    for speed, limit in DROP_LIMITS[label].items():
        got = r[speed]
        total = got["shown"] + got["dropped"]
        pct = 100 * got["dropped"] / max(1, total)
        # CPU per frame shown: what the code costs, whatever share of the machine it was given
        cpu_ms = 1000 * got["cpu_cores"] * got["seconds"] / max(1, got["shown"])
        out.append(fig(f"frames dropped at {speed} playback, {label}", round(pct, 2), "% of frames",
                       f"{got['dropped']} of {total} frames in {got['seconds']:g} s (clock passed {got['covered']}; "
                       f"skips in the first second {got['early']}); the app used {got['cpu_cores']:.2f} cores "
                       f"({cpu_ms:.1f} ms of CPU per frame shown), load average {got['load']:.1f}",
                       "0" if limit == 0 else f"<= {limit:g} %",
                       got["dropped"] == 0 if limit == 0 else pct <= limit, load=round(got["load"], 2),
                       cpu_ms_per_frame=round(cpu_ms, 2)))
    if "stall" not in r:
        return out
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
    r, _ = _run_child(["memory", str(case), str(seconds)], media=case.parent.parent)
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
    from bwv_review import paths
    from bwv_review.core.evidence import import_footage
    from bwv_review.core.store import CaseStore

    case = work / "cases" / f"{footage.stem}.bwvcase"
    if case.exists():
        return case
    paths.add_media_root(footage.parent)  # the footage is one level up from the cases
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


def figures(work: Path, quick: bool, clip_1080: Path, hour_1080: Path, clip_720: Path | None = None) -> list[dict]:
    os.environ.setdefault("BWV_REVIEW_HOME", str(work / "home"))
    out = start_figures(3 if quick else 7)
    clip_s = int(clip_1080.stem.rsplit("-", 1)[1].removesuffix("s"))
    play_s = min(8 if quick else 20, clip_s / 2 - 1)
    if clip_720 is not None:
        out += playback_figures(footage_case(work, clip_720), play_s, 0, "720p30")
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
        from bwv_review import paths

        for folder in filter(None, os.environ.get(MEDIA_ROOTS_ENV, "").split(os.pathsep)):
            paths.add_media_root(Path(folder))  # as a reviewer would: `bwv-review media-root --add`
        import gui_children as child

        kind, *rest = args.child
        if kind == "start-bare":
            child.child_start_bare()
        elif kind == "start-app":
            child.child_start_app()
        elif kind == "playback":
            child.child_playback(Path(rest[0]), float(rest[1]), int(rest[2]))
        elif kind == "marks":
            child.child_marks(Path(rest[0]))
        elif kind == "memory":
            child.child_memory(Path(rest[0]), float(rest[1]))
        elif kind == "bare-memory":
            child.child_bare_memory()
        return 0
    import footage

    work = args.work or footage.DEFAULT_WORK
    seconds = 10 if args.quick else 60
    clip = footage.segment(work, "1080p30", seconds)
    hour = footage.repeated(work, clip, 60)
    clip_720 = footage.segment(work, "720p30", seconds)
    print(json.dumps({"figures": figures(work, args.quick, clip, hour, clip_720)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
