"""``bwv-review undo``: take back a change, as the window's Ctrl+Z does (the same core operation).

The audit log records every change whole ("change 41" on each of its rows), so the newest
change a reviewer made can be undone from the command line too, months later: the rows go
back to how they were, as a new audited change. Refused, with the reason, when anything in
it has been changed since, or when it is not a kind of change that can be undone.
"""

from __future__ import annotations

from ..core import operations
from ..core.timecode import format_ms
from .common import emit, open_case


def register(sub) -> None:
    p = sub.add_parser(
        "undo",
        help="undo your last change to a case (audited), as Ctrl+Z does in the window",
        description=(
            "Undo the newest change made by the reviewer (--reviewer, $BWV_REVIEWER or your login) that "
            "has not been undone, or change N from the audit log (--change N). The undo is itself an "
            "audited change. Refused if anything in that change has been changed since."
        ),
    )
    p.add_argument("case")
    p.add_argument("--change", type=int, metavar="N", help="the change number in the audit log (see the detail column)")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_undo)


def _describe(change) -> list[str]:
    lines = []
    for ann_id, ann in change.annotations().items():
        lines.append(f"annotation {ann_id} " + ("removed" if ann is None else
                                                f"now at {format_ms(ann.start_ms)}: {ann.text!r} ({ann.status})"))
    for ex in change.exhibits().values():
        if ex is not None:
            lines.append(f"exhibit {ex.ref}: recording start {ex.recording_start or 'unknown'}, file {ex.path}")
    for cat in change.categories().values():
        if cat is not None:
            lines.append(f"category {cat.slug}: {cat.name}, key {cat.key or 'none'}")
    for rid, r in change.redactions().items():
        lines.append(f"redaction {rid} " + ("removed" if r is None else
                                            f"now {r.describe_where()}, {r.describe_when()} ({r.status})"))
    return lines


def cmd_undo(args) -> int:
    with open_case(args.case, who=args.reviewer) as store:
        actor = store.actor
        change = operations.recorded(store, args.change) if args.change else operations.last_change(store, actor)
        done = operations.undo(store, change, actor)
        emit(f"Undid change {change.number} ({change.action} by {change.actor}) as change {done.number}:")
        for line in _describe(done):
            emit(f"  {line}")
    return 0
