"""The caption line over the picture: exhibit, file time, frame number, clock time.

Qt-free so it can be tested and reused for stills: it only formats.
"""

from __future__ import annotations

from bwv_review.core.errors import ReviewError
from bwv_review.core.timecode import clock_at, format_ms, local

SEP = "   \u00b7   "


DEINTERLACED, DAMAGED, STREAMED = 1, 2, 4  # the decode worker's frame flags


def caption(exhibit_ref: str, file_ms: float, frame_index: int, recording_start: str | None,
            timezone: str, flags: int = 0) -> tuple[str, str]:
    """(caption shown over the picture, tooltip with the same instant in UTC)."""
    ms = int(round(file_ms))
    parts = [exhibit_ref] if exhibit_ref else []
    parts += [format_ms(ms), f"frame {frame_index}"]
    hover = f"File time {format_ms(ms)}, frame {frame_index}"
    if flags & DEINTERLACED:
        parts.append("DEINTERLACED")
        hover += "\nDeinterlaced for viewing (View > Deinterlace): not the picture as recorded."
    if flags & DAMAGED:
        parts.append("DAMAGED IN FILE")
        hover += "\nThe decoder reports this frame damaged in the file itself."
    try:
        instant = clock_at(recording_start, ms)
        shown = local(instant, timezone) if instant is not None else None
    except ReviewError:
        instant = shown = None
    if instant is not None and shown is not None:
        parts.append(f"{shown:%Y-%m-%d %H:%M:%S}.{shown.microsecond // 1000:03d} {shown.tzname()}")
        hover += (f"\nClock time {shown:%Y-%m-%d %H:%M:%S}.{shown.microsecond // 1000:03d} "
                  f"{shown.tzname()} ({timezone})"
                  f"\nUTC {instant:%Y-%m-%d %H:%M:%S}.{instant.microsecond // 1000:03d}Z")
    else:
        parts.append("clock time unknown")
        hover += "\nClock time unknown: this exhibit has no recording start."
    return SEP.join(parts), hover
