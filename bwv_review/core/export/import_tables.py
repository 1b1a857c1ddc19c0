"""Reading a spreadsheet log (.csv) or a whole-case JSON export back, fast and defensively.

Each reader turns a file into ``Incoming`` annotations without touching a case. Anything
odd (a field of many megabytes, JSON nested a hundred thousand deep, a 5,000-digit number,
text that is not UTF-8) is refused with one sentence naming the file and the place.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReviewError
from ..timecode import parse_time
from .tables import unneutralise

MAX_FIELD = 4 * 1024 * 1024  # characters: a quote longer than a long book is not a quote
MAX_LISTED = 8


@dataclass(slots=True)
class Incoming:
    """One annotation as read from a file, before it is checked against the case."""

    where: str  # "row 4", "tier 'female' a12": for messages
    start_ms: int
    end_ms: int | None = None
    category: str = ""
    speaker: str = ""
    text: str = ""
    note: str = ""
    status: str = "draft"
    reviewer: str = ""
    exhibit: str | None = None  # the exhibit ref the file names, if it names one
    link: object = None  # annotations of one file sharing this label were linked as one event


def shown(value: str, limit: int = 40) -> str:
    """A value from a file, short and escaped, for a message."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def refusal(path: Path, problems: list[str]) -> ReviewError:
    listed = problems[:MAX_LISTED]
    more = f" (and {len(problems) - MAX_LISTED} more)" if len(problems) > MAX_LISTED else ""
    return ReviewError(f"{path.name} was not imported (nothing was added): " + "; ".join(listed) + more + ".")


def decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReviewError(f"{path} cannot be read ({exc.strerror}); nothing was added.") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReviewError(f"{path.name} is not UTF-8 text (byte {exc.start}); save it as \"CSV UTF-8\" "
                          "and try again. Nothing was added.") from exc


# -- CSV ------------------------------------------------------------------------------------

_CSV_ALIASES = {
    "exhibit": ("exhibit",),
    "start": ("file time start", "start", "file time"),
    "start_ms": ("start (ms)", "start_ms"),
    "end": ("file time end", "end"),
    "end_ms": ("end (ms)", "end_ms"),
    "category": ("category",),
    "speaker": ("speaker",),
    "text": ("text", "words"),
    "note": ("note",),
    "status": ("status",),
    "reviewer": ("reviewer",),
    "event": ("event",),
}


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _rows(path: Path, text: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    with _field_limit(MAX_FIELD):
        try:
            return list(reader)
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise ReviewError(f"{path.name} was not imported (nothing was added): row {reader.line_num} "
                                  f"has a field longer than {MAX_FIELD:,} characters.") from exc
            raise ReviewError(f"{path.name} was not imported (nothing was added): row {reader.line_num} "
                              f"is not CSV ({exc}).") from exc


def _int_ms(text: str, label: str) -> int:
    if len(text) > 18 or not text.isdigit():
        raise ReviewError(f"{label} {shown(text)} is not a whole number of milliseconds")
    return int(text)


def _clock_ms(text: str) -> int:
    """HH:MM:SS.mmm, the form every export writes, without a regular expression (200,000 rows)."""
    if len(text) == 12 and text[2] == ":" and text[5] == ":" and text[8] == "." and \
            (text[:2] + text[3:5] + text[6:8] + text[9:]).isdigit():
        return int(text[:2]) * 3_600_000 + int(text[3:5]) * 60_000 + int(text[6:8]) * 1000 + int(text[9:])
    if len(text) > 40:
        raise ReviewError(f"{shown(text)} is not a time")
    try:
        return parse_time(text)
    except (ReviewError, ValueError) as exc:
        raise ReviewError(f"{shown(text)} is not understood as a time") from exc


def _time(text: str, ms: str, label: str) -> int | None:
    text, ms = text.strip(), ms.strip()
    try:
        from_text = _clock_ms(text) if text else None
    except ReviewError as exc:
        raise ReviewError(f"{label} {exc}") from exc
    from_ms = _int_ms(ms, label) if ms else None
    if from_text is not None and from_ms is not None and from_text != from_ms:
        raise ReviewError(f"{label} {text} and {ms} ms disagree; correct one of them or empty the other")
    return from_ms if from_ms is not None else from_text


def _plain(value: str) -> str:
    return unneutralise(value) if value[:1] == "'" else value


def read_csv(path: Path, text: str | None = None) -> list[Incoming]:
    """Every row of a bwv-review log (or any CSV with Text and start columns)."""
    rows = _rows(path, decode(path) if text is None else text)
    if not rows or not any(c.strip() for c in rows[0]):
        raise ReviewError(f"{path.name} is empty; nothing was added.")
    first_row = 1
    if rows[0][0] == "VERIFICATION FAILED":
        # A log exported from a case that failed verification lists the problems above its header.
        first_row = next((i for i, r in enumerate(rows) if r and r[0].strip().casefold() == "exhibit"), 0)
        rows = rows[first_row:]
        first_row += 1
    header = [h.strip().casefold() for h in rows[0]]
    col = {key: next((header.index(a) for a in names if a in header), None) for key, names in _CSV_ALIASES.items()}
    if col["text"] is None or (col["start"] is None and col["start_ms"] is None):
        raise ReviewError(f"{path.name} has no \"Text\" and \"File time start\" (or \"Start (ms)\") columns; "
                          "is it a bwv-review log? Nothing was added.")
    width = len(header)
    blank = width  # a column the file lacks reads as the empty cell padded onto every row
    (exhibit, start, start_ms, end, end_ms, category, speaker, words, note, status, reviewer, event) = (
        blank if col[k] is None else col[k] for k in _CSV_ALIASES)
    items, problems = [], []
    for n, row in enumerate(rows[1:], start=first_row + 1):
        if not any(row):
            continue
        row = row[:width] + [""] * (width + 1 - min(len(row), width))
        try:
            t0 = _time(_plain(row[start]), row[start_ms], "start")
            t1 = _time(_plain(row[end]), row[end_ms], "end")
            if t0 is None:
                raise ReviewError("no start time")
        except ReviewError as exc:
            problems.append(f"row {n}: {exc}")
            continue
        label = row[event].strip()
        items.append(Incoming(f"row {n}", t0, t1, _plain(row[category]), _plain(row[speaker]), _plain(row[words]),
                              _plain(row[note]), _plain(row[status]).strip() or "draft", _plain(row[reviewer]),
                              _plain(row[exhibit]).strip() or None, ("event", label) if label else None))
    if problems:
        raise refusal(path, problems)
    return items


# -- JSON -----------------------------------------------------------------------------------


def _load_json(path: Path):
    from .json_export import SCHEMA_VERSION  # noqa: PLC0415 - the writer's version, read lazily

    try:
        data = json.loads(decode(path))
    except json.JSONDecodeError as exc:
        raise ReviewError(f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg}); nothing was added.") from exc
    except RecursionError as exc:
        raise ReviewError(f"{path.name} nests its JSON too deeply to be a bwv-review export; nothing was added.") from exc
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise ReviewError(f"{path.name} holds a number too long to read ({str(exc)[:80]}); nothing was added.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise ReviewError(f"{path.name} is not a bwv-review JSON export (no \"annotations\" list); nothing was added.")
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= SCHEMA_VERSION:
        raise ReviewError(f"{path.name} has schema_version {shown(str(version))}; this bwv-review reads 1 to "
                          f"{SCHEMA_VERSION}. Nothing was added.")
    return data


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10**15


def read_json(path: Path) -> tuple[list[Incoming], dict[str, str]]:
    """The annotations of a whole-case JSON export, and {exhibit ref: SHA-256} it names."""
    data = _load_json(path)
    exhibits = {}
    for ex in data.get("exhibits") or []:
        if isinstance(ex, dict) and isinstance(ex.get("ref"), str):
            exhibits[ex["ref"]] = ex.get("sha256") if isinstance(ex.get("sha256"), str) else ""
    items, problems = [], []
    for i, a in enumerate(data["annotations"], start=1):
        where = f"annotation {i}"
        if not isinstance(a, dict):
            problems.append(f"{where}: not an object")
            continue
        start, end = a.get("start_ms"), a.get("end_ms")
        if not _whole(start) or (end is not None and not _whole(end)):
            problems.append(f"{where}: start_ms/end_ms must be whole numbers of milliseconds")
            continue
        fields = {k: a.get(k, "") for k in ("category", "speaker", "text", "note", "status", "reviewer")}
        bad = [k for k, v in fields.items() if v is not None and not isinstance(v, str)]
        long = [k for k, v in fields.items() if isinstance(v, str) and len(v) > MAX_FIELD]
        exhibit, event = a.get("exhibit"), a.get("event")
        if bad or (exhibit is not None and not isinstance(exhibit, str)):
            problems.append(f"{where}: {', '.join(bad) or 'exhibit'} must be text")
            continue
        if long:
            problems.append(f"{where}: {', '.join(long)} is longer than {MAX_FIELD:,} characters")
            continue
        if event is not None and not _whole(event):
            problems.append(f"{where}: event must be a whole number")
            continue
        fields = {k: v or "" for k, v in fields.items()}
        fields["status"] = fields["status"] or "draft"
        items.append(Incoming(where, start, end, **fields, exhibit=exhibit,
                              link=("event", event) if event is not None else None))
    if problems:
        raise refusal(path, problems)
    return items, exhibits
