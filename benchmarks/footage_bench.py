"""Footage engine figures, as ratios against references measured in the same run.

    /work/venv/bin/python benchmarks/footage_bench.py [--seconds 20] [--keep DIR]

Makes a 1080p30 H.264 file (2 s GOP, B-frames, moving test pattern) with ffmpeg, then:
  * sequential decode-to-display rate: VideoSource.next_frame (the player's RGB32) vs a bare
    PyAV loop over the same decoder converting to RGB32, vs ``ffmpeg -f null -`` (decode only);
  * median random seek (cold cache) vs decoding from the preceding keyframe with a bare
    PyAV loop (the least any exact seek can cost) plus one RGB conversion;
  * one frame back while paused: the first step after a seek (a miss: decodes and keeps a
    chunk) and the steps after it (cache hits).
Not a test: numbers depend on the machine; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bwv_review.core.media import VideoSource  # noqa: E402

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
BENCH_KEY = "0" * 64  # cache key for the generated file's frame index (a throwaway cache)


def make_footage(folder: Path, seconds: int) -> Path:
    target = folder / f"bench-1080p30-gop60-{seconds}s.mp4"
    if not target.exists():
        subprocess.run(
            [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
             "-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-keyint_min", "60", "-bf", "2",
             "-pix_fmt", "yuv420p", str(target)],
            check=True,
        )
    return target


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cost(fn) -> tuple[float, float]:
    """Wall seconds and CPU seconds (all threads, and child processes such as ffmpeg)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    return wall, cpu


def sequential(path: Path, frames: int, rounds: int = 3) -> dict[str, tuple[float, float]]:
    """Per method: median frames per second (wall) and CPU ms per frame, over interleaved
    rounds, so a burst of load from elsewhere on the machine hits every method alike.

    The reference for decode-to-display is a bare loop over the same decoder (PyAV, frame
    threads) converting every frame to the player's picture format (Qt's RGB32, "bgra"):
    what VideoSource adds on top is frame identification, caching and bookkeeping."""

    def ffmpeg_null():
        subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "null", "-"], check=True)

    def pyav_loop():
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                frame.to_ndarray(format="bgra")

    def source_loop():  # index from the cache, as when an exhibit opens
        with VideoSource(path, pixel_format="bgra") as source:
            while source.next_frame() is not None:
                pass

    VideoSource(path).info  # noqa: B018 - index into the cache first
    methods = {
        "ffmpeg -f null (decode only)": ffmpeg_null,
        "bare PyAV decode + RGB32": pyav_loop,
        "VideoSource.next_frame (RGB32)": source_loop,
    }
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in methods}
    for _ in range(rounds):
        for label, fn in methods.items():
            runs[label].append(cost(fn))
    return {
        label: (
            frames / statistics.median(w for w, _ in got),
            1000 * statistics.median(c for _, c in got) / frames,
        )
        for label, got in runs.items()
    }


def keyframe_decode_s(path: Path, index: int, source: VideoSource) -> float:
    """A bare PyAV decode from the keyframe before ``index`` to it, plus one RGB conversion."""
    idx = source.index
    key = idx.keyframe_before(index)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        base = stream.time_base
        target_pts = round(idx.times_ms[index] / 1000 / base + idx.origin_s / base)
        key_pts = round(idx.times_ms[key] / 1000 / base + idx.origin_s / base)
        start = time.perf_counter()
        container.seek(key_pts, stream=stream, backward=True)
        for frame in container.decode(stream):
            if frame.pts is not None and frame.pts >= target_pts:
                frame.to_ndarray(format="rgb24")
                break
        return time.perf_counter() - start


def seeking(path: Path, trials: int) -> dict[str, float]:
    rng = random.Random(1)
    seek_s, ideal_s, back_miss_s, back_hit_s, played_s = [], [], [], [], []
    grabs, least = [], []
    with VideoSource(path) as source:
        n = source.info.frame_count
        for _ in range(trials):
            i = rng.randrange(8, n)
            source.cache.clear()
            source._last = -1  # noqa: SLF001 - a cold jump, not a step back
            source._next = None  # noqa: SLF001 - and not a read on
            before = source.grabs + getattr(source, "prerolled", 0)
            seek_s.append(timed(lambda i=i: source.frame(i)))
            # frames decoded for this seek: grabs, plus those cv2 decodes inside its own seek
            grabs.append(source.grabs + getattr(source, "prerolled", 0) - before)
            least.append(i - source.index.keyframe_before(i) + 1)  # the fewest any exact seek decodes
            ideal_s.append(keyframe_decode_s(path, i, source))
            back_miss_s.append(timed(lambda i=i: source.frame(i - 1)))
            for step in range(2, 6):
                back_hit_s.append(timed(lambda i=i, step=step: source.frame(i - step)))
            # Paused after playing: the frames just shown were decoded in order, then one back.
            for j in range(i, min(n, i + 15)):
                source.frame(j)
            played_s.append(timed(lambda j=j: source.frame(j - 1)))
        hits = source.cache.hits
    return {
        "median random seek (ms)": 1000 * statistics.median(seek_s),
        "median keyframe->frame decode, bare PyAV (ms)": 1000 * statistics.median(ideal_s),
        "median first step back after a seek (ms)": 1000 * statistics.median(back_miss_s),
        "median later steps back (ms)": 1000 * statistics.median(back_hit_s),
        "median step back after playing (ms)": 1000 * statistics.median(played_s),
        "_hits": hits,
        "_frames_decoded_per_seek": statistics.mean(grabs),
        "_least_frames_per_seek": statistics.mean(least),
    }


def figures(path: Path, trials: int = 25, rounds: int = 3) -> list[dict]:
    """The footage figures of the issue, each as a ratio against its reference in this run."""
    frames = VideoSource(path).info.frame_count
    seq = sequential(path, frames, rounds)
    ff_fps = seq["ffmpeg -f null (decode only)"][0]
    cv_fps = seq["bare PyAV decode + RGB32"][0]
    ours, ours_cpu = seq["VideoSource.next_frame (RGB32)"]
    seek = seeking(path, trials)
    ideal = seek["median keyframe->frame decode, bare PyAV (ms)"]
    frame_ms = 1000 / VideoSource(path).info.fps
    back, later = seek["median first step back after a seek (ms)"], seek["median later steps back (ms)"]
    played = seek["median step back after playing (ms)"]
    decoded, least = seek["_frames_decoded_per_seek"], seek["_least_frames_per_seek"]
    label = f"{frames} frames, {rounds} rounds"
    return [
        {"name": "decode-to-display throughput, 1080p H.264", "value": round(ours / cv_fps, 2),
         "unit": "x bare decode loop", "reference": f"bare PyAV decode + RGB32 loop {cv_fps:.0f} fps ({label})",
         "target": ">= 0.90x", "met": ours / cv_fps >= 0.9, "absolute_fps": round(ours, 1),
         "cpu_ms_per_frame": round(ours_cpu, 2)},
        {"name": "decode-to-display throughput vs ffmpeg", "value": round(ours / ff_fps, 2), "unit": "x ffmpeg",
         "reference": f"ffmpeg -f null {ff_fps:.0f} fps; the bare loop is {cv_fps / ff_fps:.2f}x", "target": "report",
         "met": None},
        {"name": "median random seek to an exact frame", "value": round(seek["median random seek (ms)"] / ideal, 2),
         "unit": "x keyframe decode", "reference": f"bare PyAV keyframe->frame {ideal:.1f} ms ({trials} seeks); "
         f"frames decoded per seek {decoded:.1f}, fewest possible {least:.1f}",
         "target": "<= 1.3x", "met": seek["median random seek (ms)"] / ideal <= 1.3,
         "absolute_ms": round(seek["median random seek (ms)"], 1),
         "frames_decoded_per_seek": round(decoded, 1), "least_frames_per_seek": round(least, 1)},
        {"name": "one frame back (paused after playing)", "value": round(played / frame_ms, 3),
         "unit": "x frame interval", "reference": f"one frame interval {frame_ms:.1f} ms; took {played:.2f} ms",
         "target": "<= 1.0x",
         "met": played <= frame_ms, "absolute_ms": round(played, 2)},
        {"name": "one frame back (paused), first step after a jump", "value": round(back / frame_ms, 3),
         "unit": "x frame interval", "reference": f"one frame interval {frame_ms:.1f} ms; took {back:.2f} ms (median)",
         "target": "<= 1.0x",
         "met": back <= frame_ms, "absolute_ms": round(back, 1)},
        {"name": "one frame back (paused), further steps after a jump", "value": round(later / frame_ms, 3),
         "unit": "x frame interval", "reference": f"one frame interval {frame_ms:.1f} ms; took {later:.2f} ms",
         "target": "<= 1.0x",
         "met": later <= frame_ms, "absolute_ms": round(later, 2)},
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--trials", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="folder to keep the generated file in")
    args = parser.parse_args()
    os.environ.setdefault("BWV_REVIEW_HOME", tempfile.mkdtemp(prefix="bwv-bench-"))
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bwv-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = make_footage(folder, args.seconds)
    frames = VideoSource(path).info.frame_count
    print(f"{path.name}: {frames} frames, {os.cpu_count()} CPUs, PyAV {av.__version__}")

    probe_ms = 1000 * min(timed(lambda: VideoSource(path).info) for _ in range(3))
    seq = sequential(path, frames)
    ref_fps, ref_cpu = seq["ffmpeg -f null (decode only)"]
    print(f"\nSequential decode ({frames} frames 1920x1080); probe (frame index, once per file): {probe_ms:.0f} ms")
    print(f"  {'':<30} {'wall fps':>9} {'x ffmpeg':>9} {'CPU ms/frame':>13} {'x ffmpeg':>9}")
    for label, (fps, cpu) in seq.items():
        print(f"  {label:<30} {fps:9.1f} {fps / ref_fps:9.2f} {cpu:13.2f} {cpu / ref_cpu:9.2f}")

    seek = seeking(path, args.trials)
    hits = seek.pop("_hits")
    seek.pop("_frames_decoded_per_seek"), seek.pop("_least_frames_per_seek")
    ideal = seek["median keyframe->frame decode, bare PyAV (ms)"]
    print(f"\nRandom access ({args.trials} trials, cold cache each time; cache hits {hits})")
    for label, ms in seek.items():
        print(f"  {label:<46} {ms:8.1f} ms   {ms / ideal:5.2f} x keyframe decode")
    return 0


if __name__ == "__main__":
    sys.exit(main())
