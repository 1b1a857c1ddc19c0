"""ffmpeg's own decoded frames, as a reference: per frame the MD5 of the decoder's raw
picture in its own pixel format (``-f framemd5``), numbered as ffmpeg numbers them."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from functools import cache
from pathlib import Path

HAVE_FFMPEG = shutil.which("ffmpeg") is not None


@cache
def ffmpeg_frame_md5s(path: Path, deinterlace: bool = False) -> tuple[str, ...]:
    """MD5 of every frame ffmpeg decodes from the first video track, in output order.

    No rotation (-noautorotate: the decoder's picture, as it came out), no frame-rate
    conversion (-fps_mode passthrough): frame N here is FFmpeg's frame N.
    """
    cmd = ["ffmpeg", "-v", "error", "-noautorotate", "-i", str(path), "-map", "0:v:0",
           "-fps_mode", "passthrough"]
    if deinterlace:
        cmd += ["-vf", "yadif=mode=send_frame:parity=auto:deint=interlaced"]
    cmd += ["-f", "framemd5", "-"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return tuple(line.rsplit(",", 1)[1].strip() for line in out.splitlines() if line and not line.startswith("#"))


def raw_md5(frame) -> str:
    """MD5 of a PyAV frame's planes packed as ffmpeg's rawvideo packs them (no row padding)."""
    digest = hashlib.md5()
    name = frame.format.name
    for number, plane in enumerate(frame.planes):
        if name.startswith("pal8") and number == 1:
            digest.update(bytes(plane)[:1024])
            continue
        row = _row_bytes(frame, number, plane)
        data = memoryview(plane)
        for y in range(plane.height):
            digest.update(data[y * plane.line_size : y * plane.line_size + row])
    return digest.hexdigest()


def _row_bytes(frame, number: int, plane) -> int:
    name = frame.format.name
    if name in ("yuyv422", "uyvy422", "yvyu422"):
        return plane.width * 2
    comps = [c for c in frame.format.components if c.plane == number]
    per_sample = 2 if any(c.bits > 8 for c in comps) else 1
    return plane.width * per_sample * len(comps)
