"""Subcommands that make and change a case: new, add, annotate, list (verify and the other
trust commands are in trust_cmds.py)."""

from __future__ import annotations

from pathlib import Path

from .. import paths
from ..core import chronology, operations
from ..core.cases import create_case, is_server
from ..core.errors import ReviewError
from ..core.model import STATUSES, Annotation
from ..core.store import CASE_SUFFIX
from ..core.timecode import format_ms, local, parse_time, zone
from .common import StderrProgress, emit, emit_json, open_case, read_text_arg, reviewer, warn


def register(sub) -> None:
    p = sub.add_parser("new", help="create a case file (or a case in an empty PostgreSQL database)",
                       description="Create a new, empty case file, or a team case in an empty PostgreSQL database "
                                   "(postgresql://[user@]host[:port]/database, made as its owner role).")
    p.add_argument("case", help=f"the case file to create (suggested extension {CASE_SUFFIX}), or a server address")
    p.add_argument("--title", required=True, help='e.g. "Operation Example"')
    p.add_argument("--reference", default="", help='e.g. "IOPC 2019/0001"')
    p.add_argument("--reviewer", help="your name as it should appear in the audit log")
    p.add_argument("--timezone", default="Europe/London", help="clock times are shown in this zone")
    p.add_argument("--reviewers-role", metavar="ROLE",
                   help="server cases: the database group role whose members review the case (see the README)")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("add", help="add footage as an exhibit (hashed on import)")
    p.add_argument("case")
    p.add_argument("footage", help="the footage file; it is never modified")
    p.add_argument("--exhibit", required=True, metavar="REF", help='exhibit reference, e.g. "AB/1"')
    p.add_argument("--wearer", default="", help="the officer wearing the camera")
    p.add_argument("--device", default="", help="camera or device id")
    p.add_argument("--start", metavar="ISO8601", help="recording start, e.g. 2019-07-01T23:34:55+01:00")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("annotate", help="record an utterance or event at a time in an exhibit")
    p.add_argument("case")
    p.add_argument("--exhibit", required=True, metavar="REF")
    p.add_argument("--at", required=True, metavar="TIME", help="HH:MM:SS.mmm, MM:SS.mmm or seconds")
    p.add_argument("--end", metavar="TIME", help="end time, for an interval")
    p.add_argument("--category", required=True, help="slug or display name, any case")
    p.add_argument("--speaker", default="")
    p.add_argument("--text", help="the verbatim words")
    p.add_argument("--text-file", metavar="PATH", help="read the verbatim words from a UTF-8 file ('-' = stdin)")
    p.add_argument("--note", default="")
    p.add_argument("--status", default="draft", choices=STATUSES)
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_annotate)

    p = sub.add_parser("list", help="the annotations in chronological order")
    p.add_argument("case")
    p.add_argument("--exhibit", metavar="REF")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(func=cmd_list)


def cmd_new(args) -> int:
    zone(args.timezone)
    if args.reviewers_role and not is_server(args.case):
        raise ReviewError("--reviewers-role is for a case on a server (postgresql://...); a case file has no roles.")
    location = args.case if is_server(args.case) else Path(args.case)
    store = create_case(location, args.title, args.reference, reviewer(args.reviewer), args.timezone,
                        args.reviewers_role)
    store.close()
    emit(f"Created case {location}")
    if is_server(args.case) and not args.reviewers_role:
        warn("bwv-review: note: no --reviewers-role was given, so only the role that made the case can use it.")
    return 0


def cmd_add(args) -> int:
    roots = paths.media_roots()
    with open_case(args.case, who=args.reviewer) as store:
        change = operations.add_footage(
            store,
            Path(args.footage),
            args.exhibit,
            store.actor,
            wearer=args.wearer,
            device=args.device,
            start=args.start,
            progress=StderrProgress(f"Hashing {Path(args.footage).name}"),
        )
        exhibit = next(e for e in change.exhibits().values() if e is not None)
        emit(f"Added exhibit {exhibit.ref}: {exhibit.path} sha256 {exhibit.sha256}")
    for folder in paths.media_roots():
        if folder not in roots:
            warn(f"bwv-review: note: {folder} is outside the case folder; it is now a media folder on this "
                 "computer, so cases may read footage from it (`bwv-review media-root` lists them).")
    return 0


def cmd_annotate(args) -> int:
    text = read_text_arg(args.text, args.text_file)
    start = parse_time(args.at)
    end = parse_time(args.end) if args.end else None
    with open_case(args.case, who=args.reviewer) as store:
        actor = store.actor
        exhibit = store.exhibit(args.exhibit)
        category = store.category(args.category)
        ann = operations.add_annotation(
            store,
            Annotation(
                exhibit_id=exhibit.id,
                start_ms=start,
                end_ms=end,
                category_id=category.id,
                speaker=args.speaker,
                text=text,
                note=args.note,
                status=args.status,
                reviewer=actor,
            ),
            actor,
        ).annotation()
        emit(f"Annotation {ann.id} at {format_ms(ann.start_ms)} in {exhibit.ref} ({category.slug})")
    return 0


def cmd_list(args) -> int:
    with open_case(args.case, readonly=True) as store:
        entries = chronology.build(store, args.exhibit)
        if args.json:
            tz = store.case().timezone
            emit_json([e.as_json(tz) for e in entries])
            return 0
        tz = store.case().timezone
        for e in entries:
            clock = local(e.clock_start, tz)
            when = clock.strftime("%Y-%m-%d %H:%M:%S") if clock else "(no clock)"
            span = format_ms(e.annotation.start_ms)
            if e.annotation.end_ms is not None:
                span += "-" + format_ms(e.annotation.end_ms)
            speaker = f" {e.annotation.speaker}:" if e.annotation.speaker else ""
            if e.annotation.event is not None:
                span += f" (event {e.annotation.event})"
            emit(f"{e.annotation.id:>5}  {when}  {e.exhibit.ref} {span}  [{e.category.slug}] "
                 f"{e.annotation.status}{speaker} {e.annotation.text!r}")
    return 0
