"""Subcommands that link annotations of one utterance heard on several cameras: link, unlink."""

from __future__ import annotations

from ..core import events, operations
from ..core.model import Annotation
from ..core.store import CaseStore
from ..core.timecode import clock_at, format_ms, local
from .common import emit, open_case, warn


def register(sub) -> None:
    p = sub.add_parser(
        "link",
        help="link annotations of one utterance heard on several cameras as one event",
        description=(
            "Mark annotations (one per exhibit) as the same event, so a statement quotes it once "
            "citing every exhibit. Annotations already in an event bring that event's others "
            "along. Audited; prints the event number."
        ),
    )
    p.add_argument("case")
    p.add_argument("ids", nargs="+", type=int, metavar="ID", help="annotation ids (see `list`), two or more")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_link)

    p = sub.add_parser(
        "unlink",
        help="take an annotation out of its linked event",
        description="Audited. An event left with a single annotation is dissolved.",
    )
    p.add_argument("case")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_unlink)


FAR_APART_MS = 2000  # linked marks further apart than this on the case clock get a note


def _clock(store: CaseStore, ann: Annotation):
    return clock_at(store.exhibit_by_id(ann.exhibit_id).recording_start, ann.start_ms)


def _where(store: CaseStore, ann: Annotation, tz: str) -> str:
    ex = store.exhibit_by_id(ann.exhibit_id)
    clock = local(_clock(store, ann), tz)
    at = f"{format_ms(ann.start_ms)} into {ex.ref}"
    return f"{ann.id}: {at}" + (f" ({clock.strftime('%H:%M:%S.')}{clock.microsecond // 1000:03d})" if clock else "")


def cmd_link(args) -> int:
    with open_case(args.case, who=args.reviewer) as store:
        change = operations.link(store, args.ids, store.actor)
        event = next((a.event for a in change.annotations().values()), None) or store.annotation(args.ids[0]).event
        group = events.members(store, event)
        tz = store.case().timezone
        clocks = {a.id: _clock(store, a) for a in group}
        group.sort(key=lambda a: (clocks[a.id] is None, clocks[a.id].timestamp() if clocks[a.id] else 0, a.id))
        emit(f"Event {event}: " + "; ".join(_where(store, a, tz) for a in group))
        known = [c for c in clocks.values() if c is not None]
        if len(known) > 1 and (max(known) - min(known)).total_seconds() * 1000 > FAR_APART_MS:
            apart = (max(known) - min(known)).total_seconds()
            warn(f"bwv-review: note: these marks are {apart:.1f} s apart on the case clock; check they are "
                 "the same moment (or that the cameras are aligned).")
    return 0


def cmd_unlink(args) -> int:
    with open_case(args.case, who=args.reviewer) as store:
        change = operations.unlink(store, args.id, store.actor)
        emit("Unlinked " + ", ".join(str(i) for i in change.annotations()) + ".")
    return 0
