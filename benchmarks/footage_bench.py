"""Footage engine figures, as ratios against references measured in the same run.

    /work/venv/bin/python benchmarks/footage_bench.py [--seconds 20] [--keep DIR]

Makes a 1080p30 H.264 file (2 s GOP, B-frames, moving test pattern) with ffmpeg, then:
  * sequential decode-to-RGB rate: VideoSource.next_frame vs a bare cv2 read loop (BGR, and
    BGR->RGB) vs ``ffmpeg -f null -`` (decode only, no pixel conversion);
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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2

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


def best_of(runs: int, fn) -> float:
    """The fastest of a few runs: the machine's other load only ever adds time."""
    return min(timed(fn) for _ in range(runs))


def sequential(path: Path, frames: int) -> dict[str, float]:
    def ffmpeg_null():
        subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "null", "-"], check=True)

    def cv2_loop(convert: bool):
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            if convert:
                cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        cap.release()

    def source_loop():  # opens cv2 and calibrates, as the bare loops open; index from cache
        with VideoSource(path, sha256=BENCH_KEY) as source:
            while source.next_frame() is not None:
                pass

    probe_s = best_of(3, lambda: VideoSource(path).info)
    return {
        "ffmpeg -f null (decode only)": frames / best_of(3, ffmpeg_null),
        "bare cv2 read (BGR)": frames / best_of(3, lambda: cv2_loop(False)),
        "bare cv2 read + BGR->RGB": frames / best_of(3, lambda: cv2_loop(True)),
        "VideoSource.next_frame (RGB)": frames / best_of(3, source_loop),
        "_probe_s": probe_s,
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
    seek_s, ideal_s, back_miss_s, back_hit_s = [], [], [], []
    with VideoSource(path) as source:
        n = source.info.frame_count
        for _ in range(trials):
            i = rng.randrange(8, n)
            source.cache.clear()
            source._last = -1  # noqa: SLF001 - a cold jump, not a step back
            seek_s.append(timed(lambda i=i: source.frame(i)))
            ideal_s.append(keyframe_decode_s(path, i, source))
            back_miss_s.append(timed(lambda i=i: source.frame(i - 1)))
            for step in range(2, 6):
                back_hit_s.append(timed(lambda i=i, step=step: source.frame(i - step)))
        hits = source.cache.hits
    return {
        "median random seek (ms)": 1000 * statistics.median(seek_s),
        "median keyframe->frame decode, bare PyAV (ms)": 1000 * statistics.median(ideal_s),
        "median first step back after a seek (ms)": 1000 * statistics.median(back_miss_s),
        "median later steps back (ms)": 1000 * statistics.median(back_hit_s),
        "_hits": hits,
    }


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
    print(f"{path.name}: {frames} frames, {os.cpu_count()} CPUs, cv2 {cv2.__version__}, PyAV {av.__version__}")

    seq = sequential(path, frames)
    reference = seq["ffmpeg -f null (decode only)"]
    print(f"\nSequential decode ({frames} frames 1920x1080), probe once: {seq.pop('_probe_s') * 1000:.0f} ms")
    for label, fps in seq.items():
        print(f"  {label:<34} {fps:7.1f} fps   {fps / reference:5.2f} x ffmpeg")

    seek = seeking(path, args.trials)
    hits = seek.pop("_hits")
    ideal = seek["median keyframe->frame decode, bare PyAV (ms)"]
    print(f"\nRandom access ({args.trials} trials, cold cache each time; cache hits {hits})")
    for label, ms in seek.items():
        print(f"  {label:<46} {ms:8.1f} ms   {ms / ideal:5.2f} x keyframe decode")
    return 0


if __name__ == "__main__":
    sys.exit(main())
