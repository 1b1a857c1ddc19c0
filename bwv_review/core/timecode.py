"""Times as reviewers type and read them.

File time is milliseconds from the presentation time of the first decoded video frame.
Reviewers write it as ``HH:MM:SS.mmm``, ``MM:SS.mmm`` or plain seconds (``12.5``).
Clock time is an aware ``datetime``: the exhibit's recording start plus the file time,
shown in the case's time zone (DST-aware) and in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ReviewError

_CLOCK = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]?\d(?:\.\d+)?)$")
_SECONDS = re.compile(r"^\d+(?:\.\d+)?$")

DEFAULT_TIMEZONE = "Europe/London"


def parse_time(text: str) -> int:
    """Parse a file time into whole milliseconds (rounded half up); refuse anything else."""
    raw = str(text).strip()
    if raw.startswith("-"):
        raise ReviewError(f"Time {text!r} is negative; file times start at 00:00:00.000.")
    m = _CLOCK.match(raw)
    if m:
        hours = int(m.group(1) or 0)
        minutes = int(m.group(2))
        seconds = _seconds_to_ms(m.group(3))
        return (hours * 3600 + minutes * 60) * 1000 + seconds
    if _SECONDS.match(raw):
        return _seconds_to_ms(raw)
    raise ReviewError(
        f"Time {text!r} is not understood; use HH:MM:SS.mmm, MM:SS.mmm or seconds such as 12.5."
    )


def _seconds_to_ms(text: str) -> int:
    whole, _, frac = text.partition(".")
    frac = (frac + "0000")[:4]
    ms = int(whole) * 1000 + int(frac[:3])
    if int(frac[3]) >= 5:
        ms += 1
    return ms


def format_ms(ms: int | None) -> str:
    """``HH:MM:SS.mmm``; the form every export and the table use."""
    if ms is None:
        return ""
    sign = "-" if ms < 0 else ""
    ms = abs(int(ms))
    hours, rem = divmod(ms, 3_600_000)
    minutes, rem = divmod(rem, 60_000)
    seconds, millis = divmod(rem, 1000)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ReviewError(f"Time zone {name!r} is not known (try Europe/London or UTC).") from exc


@lru_cache(maxsize=256)  # the same few recording starts are parsed for every mark
def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant that says its offset (``2019-07-01T23:34:55+01:00`` or ``...Z``)."""
    raw = str(text).strip()
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise ReviewError(
            f"Start {text!r} is not an ISO 8601 date and time, e.g. 2019-07-01T23:34:55+01:00."
        ) from exc
    if value.tzinfo is None or value.utcoffset() is None:
        raise ReviewError(
            f"Start {text!r} has no UTC offset; add one (e.g. +01:00 or Z) so the clock is unambiguous."
        )
    return value


def format_instant(value: datetime) -> str:
    """ISO 8601 with offset and milliseconds: the form stored and exported."""
    return value.isoformat(timespec="milliseconds")


def clock_at(start_iso: str | None, file_ms: int | None) -> datetime | None:
    """The instant at ``file_ms`` into an exhibit that started at ``start_iso`` (UTC)."""
    if not start_iso or file_ms is None:
        return None
    return parse_instant(start_iso).astimezone(UTC) + timedelta(milliseconds=int(file_ms))


def local(value: datetime | None, tz_name: str | None) -> datetime | None:
    return None if value is None else value.astimezone(zone(tz_name))


def now_utc() -> datetime:
    return datetime.now(UTC)


def now_iso() -> str:
    return format_instant(now_utc())
