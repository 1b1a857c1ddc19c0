"""Face suggestions: detect on downscaled frames every few frames, track between them.

One pass through the footage, read by its owner (``Footage.read_through``: every frame is
decoded, since later frames depend on it, and named as the player names it; only every
``every``-th is scaled down and converted, by FFmpeg's swscale in one step).
The picture is turned upright as shown before detection (faces the right way up are what
the detector knows). Detections are joined into tracks by overlap; a track becomes one
*suggested* redaction whose keyframes are its detections, so between two detections the
region moves linearly, exactly as a reviewer's own moving box does. A suggestion is never
confirmed by itself: exports leave it out until a reviewer confirms it.

Each detected face is padded (hair, ears, a turn of the head between detections), a track
is extended by one detection interval at each end, and keyframes are thinned only where
the region between the neighbours still contains every detected face: rounding outward,
as everywhere in redaction.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import Cancelled
from ..footage import Footage
from ..frame_index import MediaInfo
from .detector import NAME, FaceDetector
from .model import Box, Keyframe, Redaction
from .tracks import link_tracks

log = logging.getLogger(__name__)

DETECTIONS_PER_SECOND = 6  # every 5th frame at 30 fps
LONGEST_SIDE = 640  # the detector's input: 720p is halved
REASON = "face (machine suggestion)"


@dataclass
class FaceScan:
    """What a scan looked at, for the audit and the reviewer."""

    suggestions: list[Redaction] = field(default_factory=list)
    frames_scanned: int = 0
    detections: int = 0
    detector: str = NAME
    every: int = 1
    input_size: tuple[int, int] = (0, 0)


def suggest_faces(
    source: Footage | Path | str,
    exhibit_id: int = 0,
    start_ms: int = 0,
    end_ms: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    detector: FaceDetector | None = None,
    scan: FaceScan | None = None,
) -> list[Redaction]:
    """Suggested face redactions over ``[start_ms, end_ms]`` of ``source`` (its owner, or a
    path; all of it by default)."""
    footage = source if isinstance(source, Footage) else Footage.shared(source)
    info = footage.info
    scan = scan if scan is not None else FaceScan()
    times = info.index.times_ms
    end_ms = info.duration_ms if end_ms is None else min(int(end_ms), info.duration_ms)
    first = max(0, bisect.bisect_right(times, start_ms) - 1)
    last = max(first, bisect.bisect_right(times, end_ms) - 1)
    rate = info.fps or 30.0
    every = max(1, round(rate / DETECTIONS_PER_SECOND))
    detector = detector or FaceDetector()
    shown_w, shown_h = info.width, info.height
    in_w, in_h = FaceDetector.input_size(shown_w, shown_h, LONGEST_SIDE)
    turned = info.rotation % 180 != 0
    coded_size = (in_h, in_w) if turned else (in_w, in_h)
    sx, sy = shown_w / in_w, shown_h / in_h
    scan.every, scan.input_size = every, (in_w, in_h)
    found: list[tuple[float, list]] = []
    for n, frame in _frames(footage, first, last, cancel):
        if (n - first) % every and n != last:
            continue
        small = frame.to_ndarray(width=coded_size[0], height=coded_size[1], format="rgb24",
                                 interpolation="AREA")
        if info.rotation:
            small = np.ascontiguousarray(np.rot90(small, k=-(info.rotation // 90)))  # as shown
        dets = detector.detect(small)
        boxes = [(Box(d.box.x * sx, d.box.y * sy, d.box.w * sx, d.box.h * sy), d.score) for d in dets]
        found.append((times[n], boxes))
        scan.frames_scanned += 1
        scan.detections += len(boxes)
        if progress is not None:
            progress(n - first, last - first + 1)
    step_ms = every * 1000.0 / rate
    tracks = link_tracks(found, step_ms)
    scan.suggestions = [_suggestion(t, exhibit_id, step_ms, info, start_ms, end_ms) for t in tracks]
    if progress is not None:
        progress(last - first + 1, last - first + 1)
    return scan.suggestions


def _suggestion(track, exhibit_id: int, step_ms: float, info: MediaInfo, first_ms: int, last_ms: int) -> Redaction:
    keys = [Keyframe(t, box) for t, box in track.padded(info.width, info.height)]
    # One detection interval further each way (the face was likely there, undetected),
    # within the stretch the reviewer asked to be searched.
    start = max(0, first_ms, int(keys[0].time_ms - step_ms))
    end = min(info.duration_ms, last_ms, int(np.ceil(keys[-1].time_ms + step_ms)))
    return Redaction(exhibit_id, "picture", start, end, reason=REASON, status="suggested",
                     shape="box", style="pixelate", keyframes=track.thinned(keys), source=f"faces:{NAME}")


def _frames(footage: Footage, first: int, last: int, cancel):
    """(frame number, PyAV frame) for frames ``first``..``last``, decoded in order (a frame the
    decoder cannot give is passed over: a search need not see every frame)."""
    with footage.read_through(first, last, every_frame=False) as reading:
        for picture in reading:
            if cancel is not None and picture.number % 15 == 0 and cancel():
                raise Cancelled("Looking for faces was cancelled; nothing was added.")
            yield picture.number, picture.frame
