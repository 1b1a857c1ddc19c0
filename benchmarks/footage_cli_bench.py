"""Command-line figures as whole processes: start-up of the everyday commands, and a still
against ffmpeg's own still.

    python benchmarks/footage_cli_bench.py FOOTAGE.mp4 [--trials 7]

* CLI start: ``bwv-review --version`` and ``bwv-review list CASE`` against a bare
  ``python -c pass`` (the least any Python program costs), best of N each.
* still: ``bwv-review still FILE --at T -o out.png`` on a file already seen (its frame
  index cached) against ``ffmpeg -ss T -i FILE -frames:v 1 out.png``, at several times,
  interleaved, best of N per time; the figure is the worst time's ratio. Both write a
  PNG of the same frame size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FFMPEG = shutil.which("ffmpeg") or "ffmpeg"


def _best(cmd: list[str], trials: int, env: dict | None = None) -> float:
    best = float("inf")
    for _ in range(trials):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        best = min(best, time.perf_counter() - start)
    return best


def _bwv(*args: str) -> list[str]:
    return [sys.executable, "-m", "bwv_review", *args]


def start_figures(work: Path, clip: Path, trials: int = 7) -> list[dict]:
    env = dict(os.environ)
    case = work / "cli-start.bwvcase"
    if not case.exists():
        subprocess.run(_bwv("new", str(case), "--title", "Start", "--reviewer", "R"), check=True, env=env,
                       capture_output=True)
        subprocess.run(_bwv("add", str(case), str(clip), "--exhibit", "AB/1"), check=True, env=env,
                       capture_output=True)
        for n in range(30):
            subprocess.run(_bwv("annotate", str(case), "--exhibit", "AB/1", "--at", str(n), "--category",
                                "disclosure", "--text", f"Words {n}."), check=True, env=env, capture_output=True)
    bare = _best([sys.executable, "-c", "pass"], trials, env)
    out = []
    for label, args in (("--version", ["--version"]), ("list (30 marks)", ["list", str(case)])):
        took = _best(_bwv(*args), trials, env)
        out.append({"name": f"CLI start: bwv-review {label}", "value": round(took / bare, 1),
                    "unit": "x bare python", "reference": f"python -c pass {bare * 1000:.0f} ms; took "
                    f"{took * 1000:.0f} ms (best of {trials})", "target": "report (no cv2/av/numpy/openpyxl/"
                    "reportlab/Qt loaded: tests/cli/test_fast_start.py)", "met": None,
                    "absolute_ms": round(took * 1000)})
    return out


def still_figures(clip: Path, trials: int = 5, times: tuple[float, ...] = (1.5, 7.3, 29.9)) -> list[dict]:
    env = dict(os.environ)
    folder = Path(tempfile.mkdtemp(prefix="bwv-still-"))
    info = json.loads(subprocess.run(_bwv("info", str(clip), "--json"), check=True, capture_output=True,
                                     text=True, env=env).stdout)  # the file is now "seen": index cached
    duration = info["duration_ms"] / 1000
    ratios = []
    for t in [t for t in times if t < duration - 0.5] or [duration / 2]:
        ours, ff = float("inf"), float("inf")
        for _ in range(trials):  # interleaved: load from elsewhere hits both alike
            ours = min(ours, _best(_bwv("still", str(clip), "--at", str(t), "-o", str(folder / "o.png"),
                                        "--force"), 1, env))
            ff = min(ff, _best([FFMPEG, "-v", "quiet", "-y", "-ss", str(t), "-i", str(clip), "-frames:v", "1",
                                str(folder / "f.png")], 1, env))
        ratios.append((ours / ff, t, ours, ff))
    shutil.rmtree(folder, ignore_errors=True)
    worst = max(ratios)
    detail = "; ".join(f"at {t:g} s ours {o * 1000:.0f} ms, ffmpeg {f * 1000:.0f} ms" for _, t, o, f in ratios)
    return [{"name": f"still on a file already seen ({info['width']}x{info['height']} {info['codec']})",
             "value": round(worst[0], 2), "unit": "x ffmpeg -ss T -frames:v 1",
             "reference": f"whole processes, best of {trials}: {detail}", "target": "<= 1.5x",
             "met": worst[0] <= 1.5}]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("footage", type=Path)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("BWV_REVIEW_HOME", tempfile.mkdtemp(prefix="bwv-bench-home-"))
    work = Path(tempfile.mkdtemp(prefix="bwv-cli-"))
    for fig in start_figures(work, args.footage, args.trials) + still_figures(args.footage, args.trials):
        print(json.dumps(fig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
