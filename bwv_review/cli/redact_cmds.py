"""Subcommands for redaction: redact, redactions, and the redacted copy (export --format mp4).

Heavy modules (PyAV, numpy, OpenCV) load only inside the commands that decode footage.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..core import operations
from ..core.errors import ReviewError
from ..core.model import past_end
from ..core.redact import model, records
from ..core.timecode import format_ms, parse_time
from .common import StderrProgress, emit, emit_json, open_case, warn


def register(sub) -> None:
    p = sub.add_parser(
        "redact",
        help="add a redaction: a box or ellipse over the picture, a stretch of sound, or face suggestions",
        description="Boxes are X,Y,W,H in pixels of the picture as shown (rotation applied); with --to-box "
                    "the box moves linearly from --box at --from to --to-box at --to. --faces adds tracked "
                    "face suggestions, which no copy uses until a reviewer confirms them. The footage itself "
                    "is never changed.",
    )
    p.add_argument("case")
    p.add_argument("--exhibit", required=True, metavar="REF")
    p.add_argument("--from", dest="start", metavar="TIME", help="start (HH:MM:SS.mmm, MM:SS.mmm or seconds)")
    p.add_argument("--to", dest="end", metavar="TIME", help="end (inclusive)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--box", metavar="X,Y,W,H", help="a region of the picture")
    what.add_argument("--audio", action="store_true", help="the sound between --from and --to")
    what.add_argument("--faces", action="store_true", help="look for faces and add them as suggestions")
    p.add_argument("--to-box", metavar="X,Y,W,H", help="where the box has moved to by --to")
    p.add_argument("--ellipse", action="store_true", help="cover the ellipse inside the box, not the whole box")
    p.add_argument("--solid", action="store_true", help="fill solid black instead of pixelating")
    p.add_argument("--tone", action="store_true", help="with --audio: a 1 kHz tone instead of silence")
    p.add_argument("--reason", default="", help="why (shown in the disclosure report)")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_redact)

    p = sub.add_parser("redactions", help="list an exhibit's redactions; confirm or delete them")
    p.add_argument("case")
    p.add_argument("--exhibit", required=True, metavar="REF")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument("--confirm", type=int, nargs="+", metavar="ID", help="confirm these suggestions")
    p.add_argument("--delete", type=int, nargs="+", metavar="ID", help="delete these redactions (audited)")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_redactions)


def _times(args, ex) -> tuple[int | None, int | None]:
    """--from and --to as typed: a time past the end of the footage is refused, as `annotate`
    refuses one (the window's "5 s from here" stops at the end; a typed time is meant)."""
    start = parse_time(args.start) if args.start else None
    end = parse_time(args.end) if args.end else None
    for what, at in (("", start), ("End ", end)):
        if at is not None and (problem := past_end(at, ex, what)):
            raise ReviewError(problem)
    return start, end


def _made(change) -> list:
    """The redactions an operation added, by number (each change is one audited transaction,
    named "change N", so `bwv-review undo` and the window's Ctrl+Z can take it back)."""
    return sorted((r for r in change.redactions().values() if r is not None), key=lambda r: r.id)


def cmd_redact(args) -> int:
    if args.faces:
        return _faces(args)
    if args.to_box and not args.box:
        raise ReviewError("--to-box moves a --box; give --box too.")
    if not args.start or not args.end:
        raise ReviewError("Give the stretch to redact with --from and --to.")
    with open_case(args.case, who=args.reviewer) as store:
        actor = store.actor
        ex = store.exhibit(args.exhibit)
        start, end = _times(args, ex)
        if args.box:
            if args.tone:
                raise ReviewError("--tone is for --audio.")
            r = model.picture(ex.id, start, end, model.parse_box(args.box),
                              model.parse_box(args.to_box) if args.to_box else None,
                              shape="ellipse" if args.ellipse else "box",
                              style="solid" if args.solid else "pixelate", reason=args.reason)
        else:
            if args.ellipse or args.solid or args.to_box:
                raise ReviewError("--ellipse, --solid and --to-box are for --box.")
            r = model.sound(ex.id, start, end, audio="tone" if args.tone else "mute", reason=args.reason)
        change = operations.add_redactions(store, [r], actor, label=f"Add redaction to {ex.ref}")
        (r,) = _made(change)
        emit(f"Added redaction {r.id} to exhibit {ex.ref}: {r.describe_where()}, {r.describe_when()} ({r.status})")
    return 0


def _faces(args) -> int:
    from ..core.footage import Footage  # noqa: PLC0415 - decodes footage
    from ..core.redact.faces import FaceScan, suggest_faces  # noqa: PLC0415

    with open_case(args.case, who=args.reviewer) as store:
        actor = store.actor
        ex = store.exhibit(args.exhibit)
        start, end = _times(args, ex)
        scan = FaceScan()
        found = suggest_faces(Footage.shared(store.footage_path(ex), ex.sha256), ex.id, start_ms=start or 0, end_ms=end,
                              progress=StderrProgress("Looking for faces"), scan=scan)
        if found:
            found = _made(operations.add_redactions(store, found, actor, action=operations.REDACTION_SUGGEST,
                                                    label=f"Add {len(found)} face suggestion(s) to {ex.ref}"))
        span = f"{format_ms(start or 0)} to {format_ms(end if end is not None else ex.duration_ms)}"
        emit(f"Looked at {scan.frames_scanned} frames of exhibit {ex.ref} ({span}, every {scan.every} frame(s)): "
              f"{scan.detections} face detection(s) in {len(found)} track(s).")
        if found:
            ids = " ".join(str(r.id) for r in found)
            emit(f"Added {len(found)} suggestion(s) (ids {ids}); a copy leaves them out until confirmed: "
                  f"bwv-review redactions {args.case} --exhibit {ex.ref} --confirm ID ...")
    return 0


def cmd_redactions(args) -> int:
    writing = bool(args.confirm or args.delete)
    with open_case(args.case, readonly=not writing, who=args.reviewer) as store:
        ex = store.exhibit(args.exhibit)
        actor = store.actor if writing else ""
        mine = {r.id for r in records.redactions(store, ex.id)}
        for rid in (args.confirm or []) + (args.delete or []):
            if rid not in mine:
                raise ReviewError(f"Redaction {rid} is not one of exhibit {ex.ref}'s.")
        if args.confirm:
            wanted = list(dict.fromkeys(args.confirm))
            operations.confirm_redactions(store, wanted, actor)
            emit(f"Confirmed {len(wanted)} redaction(s) of exhibit {ex.ref}.")
        for rid in args.delete or []:
            operations.delete_redaction(store, rid, actor)
            emit(f"Deleted redaction {rid} of exhibit {ex.ref}.")
        items = records.redactions(store, ex.id)
        if args.json:
            out = []
            for r in items:
                row = records.to_row(r) | {"id": r.id, "exhibit": ex.ref}
                row["keyframes"] = json.loads(row["keyframes"]) if row["keyframes"] else None
                row.pop("exhibit_id")
                out.append(row)
            emit_json(out)
        elif not writing:
            if not items:
                emit(f"Exhibit {ex.ref} has no redactions.")
            for r in items:
                emit(f"{r.id:>5}  {r.describe_when()}  {r.status:<9}  {r.describe_where()}"
                      + (f"  ({r.reason})" if r.reason else ""))
            for row in records.copies(store, ex.id):
                emit(f"copy {row['id']}: {Path(row['path']).name} sha256 {row['sha256']} made {row['made']} by {row['made_by']}")
    return 0


def cmd_export_mp4(args) -> int:
    """``bwv-review export CASE --format mp4 --exhibit REF -o OUT.mp4``: the redacted copy."""
    from ..core.redact.disclose import make_copy  # noqa: PLC0415 - decodes and encodes footage

    if not args.exhibit:
        raise ReviewError("A redacted copy is of one exhibit: give --exhibit REF.")
    bars: dict[str, StderrProgress] = {}
    labels = {"hash": "Checking footage", "copy": "Making the copy"}

    def progress(stage: str, done: int, total: int) -> None:
        bars.setdefault(stage, StderrProgress(labels.get(stage, stage)))(done, total)

    with open_case(args.case, who=getattr(args, "reviewer", None)) as store:
        result = make_copy(store, args.exhibit, Path(args.output), store.actor,
                           include_suggested=args.include_suggested, burn_in=args.burn_in,
                           report=args.report, force=args.force, progress=progress)
    for warning in result.warnings:
        warn(f"bwv-review: WARNING: {warning}")
    emit(f"Wrote {result.path} (sha256 {result.copy['sha256']})")
    emit(f"Wrote {result.report} (disclosure report)")
    emit(f"{len(result.applied)} redaction(s) applied; source sha256 {result.copy['source_sha256']}; "
          f"recorded as copy {result.copy['id']}")
    return 0
