"""Joining face detections from frame to frame into tracks.

A detection joins the open track whose predicted box (last box moved on at the last
velocity) it overlaps most, or failing any overlap whose centre is close for the face's
size (a head turning fast); otherwise it starts a track. A track missed for longer than
``MAX_GAP_MS`` ends (the region holds its box through shorter misses, interpolating
across them). A single weak detection never becomes a suggestion: that is where false
alarms live, while a real face is found again a fifth of a second later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Box, Keyframe

MAX_GAP_MS = 1000.0
MIN_IOU = 0.15
NEAR = 1.5  # centre distance, in face sizes from the predicted box, still the same face
LONE_SCORE = 0.6  # a track of one detection is kept only this sure
PAD_X, PAD_Y = 0.2, 0.25  # of the face's width / height, each side
THIN_SPAN_MS = 2000.0  # keyframes at least this often, so the shape follows the face


def iou(a: Box, b: Box) -> float:
    w = min(a.right, b.right) - max(a.x, b.x)
    h = min(a.bottom, b.bottom) - max(a.y, b.y)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a.w * a.h + b.w * b.h - inter)


def contains(outer: Box, inner: Box, slack: float = 0.5) -> bool:
    return (outer.x <= inner.x + slack and outer.y <= inner.y + slack
            and outer.right >= inner.right - slack and outer.bottom >= inner.bottom - slack)


@dataclass
class Track:
    hits: list[tuple[float, Box, float]] = field(default_factory=list)  # time, box, score

    @property
    def last_time(self) -> float:
        return self.hits[-1][0]

    def predict(self, time_ms: float) -> Box:
        t1, b1, _ = self.hits[-1]
        if len(self.hits) < 2:
            return b1
        t0, b0, _ = self.hits[-2]
        if t1 <= t0:
            return b1
        f = (time_ms - t1) / (t1 - t0)
        return Box(b1.x + (b1.x - b0.x) * f, b1.y + (b1.y - b0.y) * f, b1.w, b1.h)

    def keep(self) -> bool:
        return len(self.hits) >= 2 or self.hits[0][2] >= LONE_SCORE

    def padded(self, width: int, height: int) -> list[tuple[float, Box]]:
        out = []
        for t, b, _ in self.hits:
            x0 = max(0.0, b.x - PAD_X * b.w)
            y0 = max(0.0, b.y - PAD_Y * b.h)
            x1 = min(float(width), b.right + PAD_X * b.w)
            y1 = min(float(height), b.bottom + PAD_Y * b.h)
            out.append((t, Box(x0, y0, x1 - x0, y1 - y0)))
        return out

    def thinned(self, keys: list[Keyframe]) -> list[Keyframe]:
        """Fewer keyframes, keeping every detected face inside the interpolated region."""
        if len(keys) <= 2:
            return keys
        faces = [b for _, b, _ in self.hits]
        kept = [0]
        i = 0
        while i < len(keys) - 1:
            j = i + 1
            while j + 1 < len(keys) and keys[j + 1].time_ms - keys[i].time_ms <= THIN_SPAN_MS \
                    and self._covers(keys, faces, i, j + 1):
                j += 1
            kept.append(j)
            i = j
        return [keys[k] for k in kept]

    @staticmethod
    def _covers(keys: list[Keyframe], faces: list[Box], i: int, j: int) -> bool:
        a, b = keys[i], keys[j]
        span = b.time_ms - a.time_ms
        for k in range(i + 1, j):
            f = (keys[k].time_ms - a.time_ms) / span if span > 0 else 0.0
            if not contains(a.box.lerp(b.box, f), faces[k]):
                return False
        return True


def link_tracks(found: list[tuple[float, list[tuple[Box, float]]]], step_ms: float) -> list[Track]:
    """Tracks from detections per scanned frame: [(time, [(box, score), ...]), ...] in time order."""
    open_tracks: list[Track] = []
    done: list[Track] = []
    for time_ms, boxes in found:
        still = []
        for track in open_tracks:
            (still if time_ms - track.last_time <= MAX_GAP_MS + step_ms / 2 else done).append(track)
        open_tracks = still
        pairs = []
        for ti, track in enumerate(open_tracks):
            guess = track.predict(time_ms)
            for di, (box, _) in enumerate(boxes):
                overlap = iou(guess, box)
                if overlap < MIN_IOU:
                    dx = (guess.x + guess.w / 2) - (box.x + box.w / 2)
                    dy = (guess.y + guess.h / 2) - (box.y + box.h / 2)
                    size = max(guess.w, guess.h, box.w, box.h)
                    if (dx * dx + dy * dy) ** 0.5 > NEAR * size:
                        continue
                    overlap = 0.01  # near enough: matched only after every real overlap
                pairs.append((overlap, ti, di))
        used_t, used_d = set(), set()
        for _, ti, di in sorted(pairs, reverse=True):
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            open_tracks[ti].hits.append((time_ms, *boxes[di]))
        for di, (box, score) in enumerate(boxes):
            if di not in used_d:
                open_tracks.append(Track([(time_ms, box, score)]))
    done.extend(open_tracks)
    done.sort(key=lambda t: t.hits[0][0])
    return [t for t in done if t.keep()]
