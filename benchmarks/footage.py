"""Test footage for the benchmarks, generated here with ffmpeg (never downloaded).

    python benchmarks/footage.py [--work DIR] [--segment 60]

* 1080p30 H.264 (2 s GOP, 2 B-frames) and 720p25 H.264 (2 s GOP), each with 48 kHz mono
  AAC pink noise under it, encoded once as a ``segment``-second clip;
* long files (10 and 60 minutes) made cheaply by repeating a clip with ffmpeg's concat
  demuxer and ``-c copy``: no re-encoding, so an hour costs only the disk writes.

Files are kept in the work folder and reused by the next run when present.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
DEFAULT_WORK = Path(tempfile.gettempdir()) / "bwv-bench"

FORMATS = {  # name: (size, rate)
    "1080p30": ("1920x1080", 30),
    "720p25": ("1280x720", 25),
    "720p30": ("1280x720", 30),  # the redaction figures (issue 18)
}


def segment(work: Path, fmt: str, seconds: int) -> Path:
    """A ``seconds``-long clip of ``fmt`` with a 2 s GOP and sound (encoded once)."""
    size, rate = FORMATS[fmt]
    target = work / f"seg-{fmt}-gop{2 * rate}-{seconds}s.mp4"
    if target.exists():
        return target
    work.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(".part.mp4")
    subprocess.run(
        [FFMPEG, "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}",
         "-f", "lavfi", "-i", f"anoisesrc=d={seconds}:c=pink:r=48000:a=0.05",
         "-c:v", "libx264", "-preset", "veryfast", "-g", str(2 * rate), "-keyint_min", str(2 * rate),
         "-sc_threshold", "0", "-bf", "2", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "96k", "-ac", "1", "-shortest", str(part)],
        check=True,
    )
    part.rename(target)
    return target


def repeated(work: Path, clip: Path, minutes: int) -> Path:
    """``clip`` repeated to ``minutes`` minutes with the concat demuxer (stream copy)."""
    target = work / f"{clip.stem.removeprefix('seg-')}-x-{minutes}min.mp4"
    if target.exists():
        return target
    seconds = int(clip.stem.rsplit("-", 1)[1].removesuffix("s"))
    copies = max(1, round(minutes * 60 / seconds))
    listing = work / f"{target.stem}.txt"
    listing.write_text("".join(f"file '{clip.name}'\n" for _ in range(copies)), "utf-8")
    part = target.with_suffix(".part.mp4")
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
         "-movflags", "+faststart", str(part)],
        check=True,
    )
    listing.unlink()
    part.rename(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--segment", type=int, default=60)
    args = parser.parse_args()
    for fmt in FORMATS:
        clip = segment(args.work, fmt, args.segment)
        print(clip)
    for minutes in (10, 60):
        print(repeated(args.work, segment(args.work, "720p25", args.segment), minutes))
    print(repeated(args.work, segment(args.work, "1080p30", args.segment), 60))


if __name__ == "__main__":
    main()
