"""What a redaction is: a picture region over an interval, or a sound interval.

Times are file times in ms (0 = the first decoded video frame), as for marks. Picture
coordinates are pixels of the picture *as shown* (rotation applied), edges at whole or
fractional pixels: a box ``x, y, w, h`` covers ``[x, x + w) x [y, y + h)``.

A moving region is a list of keyframes (time, box); between two keyframes the box moves
and resizes linearly, before the first and after the last it stays put. Which frames a
redaction covers, and which pixels in them, is always rounded *outward*: a frame is
covered when any part of the time it is on screen falls in the interval, and a pixel when
any part of it falls in the region. A redaction never covers less than was asked for.
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass, field, replace

from ..errors import ReviewError
from ..timecode import format_ms

KINDS = ("picture", "sound")
SHAPES = ("box", "ellipse")
STYLES = ("pixelate", "solid")
SOUND_MODES = ("mute", "tone")
STATUSES = ("suggested", "confirmed")


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels of the picture as shown: ``[x, x + w) x [y, y + h)``."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int] | None:
        """Whole pixels touched, rounded outward and clipped to the picture:
        (x0, y0, x1, y1), end exclusive; None when nothing of it is in the picture."""
        x0 = max(0, math.floor(self.x + 1e-9))
        y0 = max(0, math.floor(self.y + 1e-9))
        x1 = min(width, math.ceil(self.right - 1e-9))
        y1 = min(height, math.ceil(self.bottom - 1e-9))
        if x1 <= x0 or y1 <= y0:
            return None
        return x0, y0, x1, y1

    def lerp(self, other: Box, f: float) -> Box:
        return Box(
            self.x + (other.x - self.x) * f,
            self.y + (other.y - self.y) * f,
            self.w + (other.w - self.w) * f,
            self.h + (other.h - self.h) * f,
        )

    def union(self, other: Box) -> Box:
        x0, y0 = min(self.x, other.x), min(self.y, other.y)
        return Box(x0, y0, max(self.right, other.right) - x0, max(self.bottom, other.bottom) - y0)

    def as_list(self) -> list[float]:
        return [_tidy(self.x), _tidy(self.y), _tidy(self.w), _tidy(self.h)]

    def __str__(self) -> str:
        return ",".join(_number(round(v, 1)) for v in self.as_list())


def _tidy(value: float) -> float:
    # Stored with 1/1000 px precision: enough for any picture, and stable in JSON.
    return round(float(value), 3)


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def parse_box(text: str) -> Box:
    """``X,Y,W,H`` in pixels (decimals allowed); a clear sentence for anything else."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ReviewError(f"Box {text!r} is not understood; give X,Y,W,H in pixels, such as 120,40,64,80.")
    box = Box(*values)
    if box.w <= 0 or box.h <= 0:
        raise ReviewError(f"Box {text!r} has no area; its width and height must be more than 0.")
    return box


@dataclass(frozen=True)
class Keyframe:
    time_ms: float
    box: Box


@dataclass
class Redaction:
    """One redaction of an exhibit (the original file is never touched)."""

    exhibit_id: int
    kind: str  # "picture" or "sound"
    start_ms: int
    end_ms: int
    reason: str = ""
    status: str = "confirmed"  # "suggested" (a machine's, never used until confirmed) or "confirmed"
    shape: str = "box"  # picture: "box" or "ellipse"
    style: str = "pixelate"  # picture: "pixelate" (coarse blocks) or "solid"
    keyframes: list[Keyframe] = field(default_factory=list)  # picture: at least one
    audio: str = "mute"  # sound: "mute" or "tone"
    source: str = ""  # "" typed by a reviewer; "faces:<detector>" for a machine suggestion
    id: int | None = None
    reviewer: str = ""
    created: str = ""
    updated: str = ""

    # -- where and when -------------------------------------------------------------------
    def box_at(self, time_ms: float) -> Box:
        """The region's box at ``time_ms`` (linear between keyframes, held outside them)."""
        keys = self.keyframes
        if not keys:
            raise ValueError("a sound redaction has no box")
        if time_ms <= keys[0].time_ms:
            return keys[0].box
        if time_ms >= keys[-1].time_ms:
            return keys[-1].box
        i = bisect.bisect_right([k.time_ms for k in keys], time_ms)
        a, b = keys[i - 1], keys[i]
        span = b.time_ms - a.time_ms
        return a.box if span <= 0 else a.box.lerp(b.box, (time_ms - a.time_ms) / span)

    def covers_span(self, shown_from: float, shown_to: float) -> bool:
        """True when any part of ``[shown_from, shown_to)`` (a frame on screen) is in the interval."""
        return shown_from <= self.end_ms and shown_to > self.start_ms

    def frame_box(self, shown_from: float, shown_to: float) -> Box | None:
        """The box to cover on a frame on screen from ``shown_from`` until ``shown_to``.

        A frame is a picture of one instant, its presentation time: the region is taken at
        that instant, or at the interval's start for a frame already on screen when the
        interval starts. None when no moment of the frame's time on screen is in the interval.
        """
        if self.kind != "picture" or not self.covers_span(shown_from, shown_to):
            return None
        return self.box_at(min(max(float(shown_from), float(self.start_ms)), float(self.end_ms)))

    def describe_where(self) -> str:
        if self.kind == "sound":
            return "sound " + ("muted" if self.audio == "mute" else "replaced by a tone")
        first, last = self.keyframes[0].box, self.keyframes[-1].box
        where = f"{self.shape} {first}"
        if len(self.keyframes) > 1:
            where += f" moving to {last} ({len(self.keyframes)} keyframes)"
        return where + f", {self.style}"

    def describe_when(self) -> str:
        return f"{format_ms(self.start_ms)} to {format_ms(self.end_ms)}"

    # -- storage ---------------------------------------------------------------------------
    def keyframes_json(self) -> str:
        return json.dumps([[_tidy(k.time_ms), *k.box.as_list()] for k in self.keyframes], separators=(",", ":"))

    @staticmethod
    def keyframes_from_json(text: str | None) -> list[Keyframe]:
        if not text:
            return []
        return [Keyframe(float(t), Box(float(x), float(y), float(w), float(h))) for t, x, y, w, h in json.loads(text)]

    def with_keyframe(self, time_ms: float, box: Box) -> Redaction:
        """A copy with a keyframe set at ``time_ms`` (replacing one at the same time)."""
        keys = [k for k in self.keyframes if abs(k.time_ms - time_ms) > 0.5]
        keys.append(Keyframe(float(time_ms), box))
        keys.sort(key=lambda k: k.time_ms)
        return replace(self, keyframes=keys)


def picture(exhibit_id: int, start_ms: int, end_ms: int, box: Box, to_box: Box | None = None,
            **fields) -> Redaction:
    """A region over ``[start_ms, end_ms]``, moving linearly to ``to_box`` when given."""
    keys = [Keyframe(float(start_ms), box)]
    if to_box is not None and end_ms > start_ms:
        keys.append(Keyframe(float(end_ms), to_box))
    return Redaction(exhibit_id, "picture", int(start_ms), int(end_ms), keyframes=keys, **fields)


def sound(exhibit_id: int, start_ms: int, end_ms: int, audio: str = "mute", **fields) -> Redaction:
    return Redaction(exhibit_id, "sound", int(start_ms), int(end_ms), audio=audio, **fields)


def check(redaction: Redaction, duration_ms: int | None = None, width: int | None = None,
          height: int | None = None) -> None:
    """Refuse, with a sentence for the reviewer, a redaction that cannot be applied as given."""
    r = redaction
    if r.kind not in KINDS:
        raise ReviewError(f"A redaction is of the picture or the sound, not {r.kind!r}.")
    if r.status not in STATUSES:
        raise ReviewError(f"Redaction status {r.status!r} is not one of {', '.join(STATUSES)}.")
    if r.start_ms < 0:
        raise ReviewError("A redaction cannot start before 00:00:00.000.")
    if r.end_ms < r.start_ms:
        raise ReviewError("A redaction cannot end before it starts.")
    if duration_ms and r.start_ms >= duration_ms:
        raise ReviewError(f"Start {format_ms(r.start_ms)} is past the end of the footage ({format_ms(duration_ms)}).")
    if r.kind == "sound":
        if r.audio not in SOUND_MODES:
            raise ReviewError(f"Sound is muted or replaced by a tone, not {r.audio!r}.")
        return
    if r.shape not in SHAPES:
        raise ReviewError(f"A picture region is a box or an ellipse, not {r.shape!r}.")
    if r.style not in STYLES:
        raise ReviewError(f"A picture region is pixelated or filled solid, not {r.style!r}.")
    if not r.keyframes:
        raise ReviewError("A picture redaction needs a box.")
    for key in r.keyframes:
        box = key.box
        if box.w <= 0 or box.h <= 0:
            raise ReviewError(f"Box {box} has no area; its width and height must be more than 0.")
        if width and height and box.pixels(width, height) is None:
            raise ReviewError(f"Box {box} is outside the picture ({width}x{height} as shown).")
