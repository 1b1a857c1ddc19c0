"""Frame stills for statements: the exact frame at each quoted annotation, with exhibit,
file time, frame number and clock burned into a strip *below* the picture (core.stills),
so a reader sees what the camera showed when the words were said.

Only footage whose SHA-256 was re-verified for this export is used: a still from a file
that has changed or gone missing would not be the exhibit, so it is left out and said so.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..chronology import Entry
from ..media import VideoSource
from ..stills import Caption, burn_in, shown_ms
from ..store import CaseStore
from ..timecode import clock_at, format_ms, local
from .report import ExhibitRecord, Still

MAX_WIDTH = 960  # a page is ~16 cm wide: more pixels only make the document heavier


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    return data.tobytes()


def make_stills(store: CaseStore, entries: list[Entry], records: list[ExhibitRecord],
                tz: str) -> tuple[dict[int, Still], list[str]]:
    checked = {r.exhibit.id: r for r in records}
    out: dict[int, Still] = {}
    warnings: list[str] = []
    by_exhibit: dict[int, list[Entry]] = {}
    for entry in entries:
        by_exhibit.setdefault(entry.exhibit.id, []).append(entry)
    for exhibit_id, mine in by_exhibit.items():
        rec = checked.get(exhibit_id)
        ex = mine[0].exhibit
        if rec is None or rec.check != "verified":
            warnings.append(f"No stills from exhibit {ex.ref}: its footage was not re-verified for this export.")
            continue
        with VideoSource(store.footage_path(ex), sha256=ex.sha256) as source:
            for entry in sorted(mine, key=lambda e: e.annotation.start_ms):
                frame = source.frame_at(entry.annotation.start_ms)
                image = frame.image
                height, width = image.shape[:2]
                if width > MAX_WIDTH:
                    image = cv2.resize(image, (MAX_WIDTH, round(height * MAX_WIDTH / width)),
                                       interpolation=cv2.INTER_AREA)
                # The caption's clock is the frame's own time, like its file time, not the
                # annotation's (they differ by up to a frame).
                clock = local(clock_at(ex.recording_start, shown_ms(frame.time_ms)), tz)
                caption = Caption(frame.time_ms, frame.index, ex.ref, clock)
                lines = caption.lines()
                out[entry.annotation.id] = Still(
                    _png(burn_in(image, lines)),
                    f"Still: {' · '.join(lines)} (annotation at {format_ms(entry.annotation.start_ms)})",
                )
    return out, warnings
