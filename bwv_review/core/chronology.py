"""One ordering of annotations for every front end: the case's chronology.

Annotations on exhibits whose recording start is known come first, in clock order across
all cameras; annotations on exhibits with no known start follow, by exhibit then file time.
The table, ``list`` and every export take their order from here so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from . import alloc, audit
from .errors import CaseFileError, ReviewError
from .model import Annotation, Category, Exhibit
from .store import CaseStore
from .timecode import clock_at, format_instant, local, zone


@dataclass(slots=True)  # built once per annotation: 100,000 of them when a big case opens
class Entry:
    annotation: Annotation
    exhibit: Exhibit
    category: Category
    clock_start: datetime | None  # UTC
    clock_end: datetime | None

    def as_json(self, tz_name: str | None = None) -> dict:
        """The annotation as ``list --json`` and the JSON export give it; clock in the case zone."""
        a = self.annotation
        start, end = local(self.clock_start, tz_name), local(self.clock_end, tz_name)
        return {
            "id": a.id,
            "exhibit": self.exhibit.ref,
            "start_ms": a.start_ms,
            "end_ms": a.end_ms,
            "category": self.category.slug,
            "speaker": a.speaker,
            "text": a.text,
            "note": a.note,
            "status": a.status,
            "reviewer": a.reviewer,
            "created": a.created,
            "updated": a.updated,
            "event": a.event,
            "wall_clock_start": format_instant(start) if start else None,
            "wall_clock_end": format_instant(end) if end else None,
        }


def sort_key(entry: Entry) -> tuple:
    a = entry.annotation
    if entry.clock_start is not None:
        return (0, entry.clock_start.timestamp(), "", a.start_ms, a.id or 0)
    return (1, 0.0, entry.exhibit.ref.casefold(), a.start_ms, a.id or 0)


def build(store: CaseStore, exhibit_ref: str | None = None) -> list[Entry]:
    only = store.exhibit(exhibit_ref).id if exhibit_ref else None
    try:
        return _build(store, only)
    except (TypeError, ValueError, KeyError, OverflowError, ReviewError) as exc:
        # A row edited outside the app (a time that is not a number, a mark on no exhibit): say
        # so in one sentence, as verify would, rather than fail on it.
        problems = audit.check_records(store.db)
        if not problems:
            raise
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CaseFileError(
            f"{store.path} cannot be read as bwv-review wrote it: {problems[0]}{more} Run `bwv-review verify` "
            "to see every problem; nothing was changed.") from exc


def _checked(anns: list[Annotation]) -> None:
    """Refuse what another program may have stored (words as bytes, a time as text): a separate
    pass in C-speed comparisons, about 9 ms per 100,000 marks."""
    for ann in anns:
        if type(ann.start_ms) is not int or not (ann.end_ms is None or type(ann.end_ms) is int) or not (
                type(ann.text) is str or ann.text is None) or not (type(ann.speaker) is str or ann.speaker is None) \
                or not (type(ann.note) is str or ann.note is None) or type(ann.status) is not str:
            raise TypeError(f"annotation {ann.id}: a value of a kind bwv-review never writes")


def _build(store: CaseStore, only: int | None) -> list[Entry]:
    zone(store.case().timezone)  # every reader shows times in it
    exhibits = {e.id: e for e in store.exhibits()}
    categories = {c.id: c for c in store.categories()}
    # Each exhibit's start is parsed once, not once per annotation (a case may hold 100,000).
    starts = {i: clock_at(e.recording_start, 0) for i, e in exhibits.items()}
    with alloc.bulk():  # some 300,000 objects for a big case: no collector passes meanwhile
        anns = store.annotations(only)  # in (exhibit, file time, id) order
        _checked(anns)
        # timedelta(0, 0, 0, ms) is timedelta(milliseconds=ms), made twice as fast.
        entries = [Entry(a, exhibits[a.exhibit_id], categories[a.category_id], None, None)
                   if (t := starts[a.exhibit_id]) is None else
                   Entry(a, exhibits[a.exhibit_id], categories[a.category_id], t + timedelta(0, 0, 0, a.start_ms),
                         None if a.end_ms is None else t + timedelta(0, 0, 0, a.end_ms))
                   for a in anns]
        if anns and anns[0].exhibit_id != anns[-1].exhibit_id:
            # Several exhibits: interleave them by clock. (Within one exhibit the store's order
            # already is the chronology's: a later file time is never an earlier clock time,
            # and equal times fall back to file time, then id, as the store's order does.)
            stamps = {i: None if t is None else t.timestamp() for i, t in starts.items()}
            refs = {i: e.ref.casefold() for i, e in exhibits.items()}

            def key(entry: Entry) -> tuple:
                a = entry.annotation
                ts = stamps[a.exhibit_id]
                if ts is None:
                    return (1, 0.0, refs[a.exhibit_id], a.start_ms, a.id or 0)
                return (0, ts + a.start_ms / 1000.0, "", a.start_ms, a.id or 0)

            entries.sort(key=key)
    return entries

