"""Where "go to" should take the player: a file time, or a clock time on the exhibit's clock.

A reviewer reads clock times off statements and camera overlays (``23:35:10``) as often as
file times (``00:06:12.400``). A time that fits the footage as file time is file time; one
that does not is tried as clock time on the day(s) the exhibit was recording, in the case's
time zone; anything else is refused with a sentence, never clamped to an end silently.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from .errors import ReviewError
from .model import Exhibit
from .timecode import clock_at, format_ms, local, parse_instant, parse_time, zone

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:[.,](\d{1,3}))?)?$")


def _hhmmss(when: datetime) -> str:
    return when.strftime("%H:%M:%S.") + f"{when.microsecond // 1000:03d}"


def _clock_ms(text: str, exhibit: Exhibit, timezone: str) -> tuple[int, str] | None:
    """File ms for a clock time (today's date taken from the recording), or None if not one."""
    if not exhibit.recording_start:
        return None
    m = _CLOCK.match(text)
    if m is not None:
        start = local(parse_instant(exhibit.recording_start), timezone)
        hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
        millis = int((m[4] or "0").ljust(3, "0"))
        candidates = []
        for days in (0, 1, -1):  # a recording may run past midnight
            day = start.date() + timedelta(days=days)
            when = datetime(day.year, day.month, day.day, hour, minute, second, millis * 1000, tzinfo=zone(timezone))
            candidates.append(round((when - start).total_seconds() * 1000))
        inside = [c for c in candidates if 0 <= c <= exhibit.duration_ms]
        return (inside or candidates[:1])[0], "clock"
    if "T" in text or " " in text.strip():
        try:
            instant = parse_instant(text.replace(" ", "T", 1))
        except ReviewError:
            return None
        return round((instant - parse_instant(exhibit.recording_start)).total_seconds() * 1000), "clock"
    return None


def resolve(text: str, exhibit: Exhibit, timezone: str) -> int:
    """The file time (ms) to go to for what the reviewer typed; ReviewError when it cannot be."""
    raw = text.strip()
    if not raw:
        raise ReviewError("Type a file time (00:06:12.400, 6:12 or 372.4) or a clock time (23:41:07).")
    duration = exhibit.duration_ms
    try:
        file_ms: int | None = parse_time(raw)
    except ReviewError:
        file_ms = None
    if file_ms is not None and file_ms <= duration:
        return file_ms
    clock = _clock_ms(raw, exhibit, timezone)
    if clock is not None:
        ms, _kind = clock
        if 0 <= ms <= duration:
            return ms
        begin, end = clock_at(exhibit.recording_start, 0), clock_at(exhibit.recording_start, duration)
        raise ReviewError(f"{raw} is not within exhibit {exhibit.ref}: as clock time it recorded from "
                          f"{_hhmmss(local(begin, timezone))} to {_hhmmss(local(end, timezone))}, and as file "
                          f"time it is {format_ms(duration)} long.")
    if file_ms is not None:
        unknown = "" if exhibit.recording_start else " (its recording start is not known, so clock times cannot be used)"
        raise ReviewError(f"{format_ms(file_ms)} is past the end of exhibit {exhibit.ref} "
                          f"({format_ms(duration)} long){unknown}.")
    raise ReviewError(f"{raw!r} is not a time: type a file time (00:06:12.400, 6:12 or 372.4) or a clock time "
                      "(23:41:07).")
