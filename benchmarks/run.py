"""Every figure of issues 9 and 13 in one run, each against a reference measured in the same run.

    python benchmarks/run.py [--quick] [--json OUT] [--markdown benchmarks/RESULTS.md]
                             [--work DIR] [--only footage,cli,case,audio,scaling,export,gui,team]

Sound-against-picture sync is measured apart (it needs its own display and sound server,
and mpv): python benchmarks/av_sync.py --runs 3

Footage is generated here with ffmpeg (benchmarks/footage.py) into --work (default: the OS
temp dir, ``bwv-bench``) and reused by later runs: a 1080p30 H.264 clip with a 2 s GOP, a
720p25 clip, and 10- and 60-minute files made by repeating a clip with the concat demuxer.

--quick (under 5 minutes on 2 cores, footage generation included) shortens: 10 s clips
instead of 60 s (so the long files are 10 s clips repeated), 10 seeks instead of 25 and 2
decode rounds instead of 3, a 512 MB file to hash instead of 2 GB, 200 annotation commits
instead of 500, 4 s of playback per speed instead of 20 (2x must not reach the clip's end), 512 MB hashed during the stall
figure instead of 1.5 GB, 3 start-up trials instead of 7, and 10 s of playing for the
memory figure instead of 20. The 1-hour waveform, 100,000 marks, 10,000-mark exports and the
200,000-row import are the same in both modes (they are the figures).

A figure's ``met`` is null where the issue asks only for a report.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import footage  # noqa: E402

SECTIONS = ("footage", "cli", "case", "audio", "scaling", "export", "gui", "team")


def scaling_seek(ten: Path, hour: Path, trials: int) -> list[dict]:
    import footage_bench

    short = footage_bench.seeking(ten, trials)["median random seek (ms)"]
    long = footage_bench.seeking(hour, trials)["median random seek (ms)"]
    growth = long / short
    return [{"name": "how costs grow: seek, 60 min vs 10 min (720p25)", "value": round(growth, 2),
             "unit": "x the 10-minute time", "reference": f"10 min {short:.1f} ms, 60 min {long:.1f} ms "
             f"(median of {trials} random seeks each)", "target": "roughly linear or better (<= 6.6x)",
             "met": growth <= 6.6}]


def run(args) -> list[dict]:
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("BWV_REVIEW_HOME", tempfile.mkdtemp(prefix="bwv-bench-home-"))
    quick = args.quick
    seconds = 10 if quick else 60
    only = set(args.only.split(",")) if args.only else set(SECTIONS)
    t0 = time.perf_counter()
    clip_1080 = footage.segment(work, "1080p30", seconds)
    clip_720 = footage.segment(work, "720p25", seconds)
    ten_720 = footage.repeated(work, clip_720, 10)
    hour_720 = footage.repeated(work, clip_720, 60)
    hour_1080 = footage.repeated(work, clip_1080, 60) if "gui" in only else None
    print(f"footage ready in {time.perf_counter() - t0:.0f} s ({work})", flush=True)

    figures: list[dict] = []

    def section(name: str, fn) -> None:
        if name not in only:
            return
        started = time.perf_counter()
        got = fn()
        figures.extend(got)
        print(f"[{name}: {time.perf_counter() - started:.0f} s]", flush=True)
        for f in got:
            print("  " + line(f), flush=True)

    import audio_bench
    import case_bench
    import export_bench
    import footage_bench
    import footage_cli_bench
    import gui_bench
    import import_bench

    trials = 10 if quick else 25
    section("footage", lambda: footage_bench.figures(clip_1080, trials=trials, rounds=2 if quick else 3))
    section("cli", lambda: footage_cli_bench.start_figures(Path(tempfile.mkdtemp(dir=work)), clip_720, 3 if quick else 7)
            + footage_cli_bench.still_figures(clip_1080, 3 if quick else 5, (1.5, 7.3) if quick else (1.5, 7.3, 29.9)))
    section("case", lambda: case_bench.annotation_commit(Path(tempfile.mkdtemp(dir=work)), 200 if quick else 500)
            + case_bench.hashing(work, 512 if quick else 2048, rounds=2, keep=True))
    section("audio", lambda: audio_bench.waveform_figures(hour_720, ten_720))
    section("scaling", lambda: scaling_seek(ten_720, hour_720, trials))
    section("export", lambda: export_bench.figures(work, 10_000) + import_bench.figures(work, 200_000))
    section("gui", lambda: gui_bench.figures(work, quick, clip_1080, hour_1080))
    if "team" in only:
        import team_bench  # a PostgreSQL server of its own (Debian's postgresql package) unless BWV_BENCH_PG_URL

        section("team", lambda: team_bench.figures(Path(tempfile.mkdtemp(dir=work)), 200 if quick else 300, 100_000, 50))
    print(f"total {time.perf_counter() - t0:.0f} s", flush=True)
    return figures


def _met(f: dict) -> str:
    return {True: "yes", False: "**NO**", None: "report"}[f["met"]]


def line(f: dict) -> str:
    return f"{f['name']:<62} {f['value']!s:>8} {f['unit']:<22} {_met(f):<7} target {f['target']}; ref: {f['reference']}"


def table(figures: list[dict]) -> str:
    return "\n".join(line(f) for f in figures)


def markdown(figures: list[dict], args, took_s: float) -> str:
    load = os.getloadavg()
    rows = ["| figure | value | reference (same run) | target | met |", "|---|---|---|---|---|"]
    for f in figures:
        met = {True: "yes", False: "**no**", None: "(report)"}[f["met"]]
        rows.append(f"| {f['name']} | {f['value']} {f['unit']} | {f['reference']} | {f['target']} | {met} |")
    mode = "--quick" if args.quick else "full"
    return "\n".join([
        "# Performance figures",
        "",
        f"Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {mode} mode, {took_s / 60:.0f} minutes. "
        f"Machine: {os.cpu_count()} cores ({platform.machine()}, {platform.system()}), shared with other "
        f"work (load average {load[0]:.1f} at the end), so absolute times are noisy; each figure is a "
        "ratio against a reference timed in the same run, or an absolute figure where the issue asks for one.",
        "",
        *rows,
        "",
        "What bounds each missed target, with the profiles that show it and what to change: "
        "[FINDINGS.md](FINDINGS.md).",
        "",
        "Rerun (footage is generated by ffmpeg into the temp folder and reused; the full run takes about "
        "6 minutes on 2 cores once the footage exists, `--quick` under 5 minutes from nothing):",
        "",
        "```",
        "python benchmarks/run.py --markdown benchmarks/RESULTS.md --json results.json",
        "python benchmarks/run.py --quick",
        "```",
        "",
    ])


KEPT = ("<!-- asr-eval:start -->", "<!-- asr-eval:end -->")  # written by benchmarks/asr_eval.py


def kept_section(path: Path) -> str:
    """The speech evaluation's section of RESULTS.md (benchmarks/asr_eval.py), kept when
    these figures are rewritten: it takes half an hour to measure and is not part of this run."""
    try:
        old = path.read_text("utf-8")
    except FileNotFoundError:
        return ""
    start, end = old.find(KEPT[0]), old.find(KEPT[1])
    return "\n" + old[start : end + len(KEPT[1])] + "\n" if 0 <= start < end else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller files and fewer trials (see the docstring)")
    parser.add_argument("--json", type=Path, help="write {'figures': [...]} here")
    parser.add_argument("--markdown", type=Path, help="write a Markdown table of the figures here")
    parser.add_argument("--work", type=Path, default=footage.DEFAULT_WORK, help="where generated footage is kept")
    parser.add_argument("--only", help=f"comma-separated sections: {','.join(SECTIONS)}")
    args = parser.parse_args()
    started = time.perf_counter()
    figures = run(args)
    print("\n" + table(figures))
    if args.json:
        args.json.write_text(json.dumps({"figures": figures}, indent=2) + "\n", "utf-8")
    if args.markdown:
        text = markdown(figures, args, time.perf_counter() - started)
        args.markdown.write_text(text + kept_section(args.markdown), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
