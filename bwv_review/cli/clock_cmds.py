"""Subcommands about an exhibit's clock: ``exhibit`` (show or set its details) and ``align``."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from ..core import align as aligning
from ..core import operations
from ..core.errors import ReviewError
from ..core.model import Exhibit
from ..core.store import CaseStore
from ..core.timecode import clock_at, format_instant, format_ms, local, parse_instant
from .common import StderrProgress, emit, open_case


def register(sub) -> None:
    p = sub.add_parser(
        "exhibit",
        help="show an exhibit's details, or set its recording start, wearer or device",
        description="With no options, print the exhibit's details. Every change is audited.",
    )
    p.add_argument("case")
    p.add_argument("ref", help='the exhibit reference, e.g. "AB/1"')
    when = p.add_mutually_exclusive_group()
    when.add_argument("--start", metavar="ISO8601", help="recording start, e.g. 2019-07-01T23:34:55+01:00")
    when.add_argument(
        "--offset-from",
        nargs=2,
        metavar=("REF2", "SECONDS"),
        help="start this many seconds after REF2's start (negative: before), e.g. lined up on a visible event",
    )
    p.add_argument("--wearer", help="the officer wearing the camera")
    p.add_argument("--device", help="camera or device id")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_exhibit)

    p = sub.add_parser(
        "align",
        help="find an exhibit's start from sound it shares with another exhibit",
        description=(
            "Line REF up on REF2's clock by the sound both recorded, print the offset and a "
            "confidence, and set REF's recording start from REF2's. Refuses (exit 2, nothing "
            "changed) when the recordings do not clearly share sound."
        ),
    )
    p.add_argument("case")
    p.add_argument("--exhibit", required=True, metavar="REF", help="the exhibit whose start is wanted")
    p.add_argument("--to", required=True, metavar="REF2", help="the exhibit whose start is known")
    p.add_argument("--reviewer")
    p.add_argument(
        "--min-confidence",
        type=float,
        default=aligning.MIN_CONFIDENCE,
        metavar="X",
        help=f"refuse below this confidence, 0 to 1 (default {aligning.MIN_CONFIDENCE})",
    )
    p.set_defaults(func=cmd_align)


def _when(value: datetime | None, tz_name: str) -> str:
    """``2019-03-31 02:00:01.000 BST (+01:00)``: local wall time that says which side of a clock change."""
    if value is None:
        return "unknown"
    here = local(value, tz_name)
    stamp = here.strftime("%Y-%m-%d %H:%M:%S") + f".{here.microsecond // 1000:03d}"
    offset = here.strftime("%z")
    return f"{stamp} {here.tzname()} ({offset[:3]}:{offset[3:]})"


def _utc(value: datetime) -> str:
    return format_instant(value.astimezone(UTC)).replace("+00:00", "Z")


def describe(store: CaseStore, ex: Exhibit) -> list[tuple[str, str]]:
    tz_name = store.case().timezone
    rows = [
        ("Exhibit", ex.ref),
        ("Wearer", ex.wearer or "not recorded"),
        ("Device", ex.device or "not recorded"),
        ("File", _file(store, ex)),
        ("Duration", f"{format_ms(ex.duration_ms)} ({ex.duration_ms} ms)"),
        ("Frames", f"{ex.frame_count} (average {ex.fps:g} fps)"),
        ("Picture", f"{ex.width}x{ex.height} {ex.codec}"),
        ("Sound", "yes" if ex.has_audio else "no audio track"),
        ("Size", f"{ex.size} bytes"),
        ("SHA-256", ex.sha256),
    ]
    start = clock_at(ex.recording_start, 0)
    if start is None:
        rows.append(("Start", "unknown (set it with --start, --offset-from, or `bwv-review align`)"))
        return rows
    end = clock_at(ex.recording_start, ex.duration_ms)
    rows += [
        ("Start", f"{_when(start, tz_name)} = {_utc(start)}"),
        ("End", f"{_when(end, tz_name)} = {_utc(end)}"),
        ("Source", _source(ex.start_source)),
    ]
    return rows


def _file(store: CaseStore, ex: Exhibit) -> str:
    try:
        return str(store.footage_path(ex))
    except ReviewError as exc:  # a stored path that leads outside the case folder: shown, not followed
        return f"{ex.path} (not followed: {exc})"


def _source(source: str) -> str:
    kind, _, other = (source or "").partition(":")
    return {
        "metadata": "the file's own creation time",
        "typed": "typed by a reviewer",
        "aligned": f"aligned by sound to exhibit {other}",
        "offset": f"typed as an offset from exhibit {other}",
    }.get(kind, source or "not recorded")


def _print(rows: list[tuple[str, str]]) -> None:
    for label, value in rows:
        emit(f"{label + ':':<10} {value}")


def cmd_exhibit(args) -> int:
    changing = args.start or args.offset_from or args.wearer is not None or args.device is not None
    with open_case(args.case, readonly=not changing, who=args.reviewer) as store:
        ex = store.exhibit(args.ref)
        if changing:
            changes: dict = {}
            action = "exhibit.update"
            if args.start:
                changes = {"recording_start": format_instant(parse_instant(args.start)), "start_source": "typed"}
                action = "exhibit.start"
            elif args.offset_from:
                other, seconds = _offset_from(store, ex, *args.offset_from)
                changes = {
                    "recording_start": aligning.start_from(other.recording_start, seconds * 1000),
                    "start_source": f"offset:{other.ref}",
                }
                action = "exhibit.start"
            if args.wearer is not None:
                changes["wearer"] = args.wearer.strip()
            if args.device is not None:
                changes["device"] = args.device.strip()
            operations.update_exhibit(store, ex.ref, store.actor, action=action, **changes)
            ex = store.exhibit(ex.ref)
        _print(describe(store, ex))
    return 0


def _offset_from(store: CaseStore, ex: Exhibit, ref2: str, seconds_text: str) -> tuple[Exhibit, float]:
    other = store.exhibit(ref2)
    if other.id == ex.id:
        raise ReviewError(f"Exhibit {ex.ref} cannot be timed from itself; name another exhibit.")
    try:
        seconds = float(seconds_text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise ReviewError(f"Offset {seconds_text!r} is not a number of seconds, such as 12.48 or -3.2.")
    if not other.recording_start:
        raise ReviewError(
            f"Exhibit {other.ref} has no recording start yet; set it first with "
            f"`bwv-review exhibit CASE {other.ref} --start ISO8601`."
        )
    return other, seconds


def _usable_footage(store: CaseStore, ex: Exhibit):
    if not ex.has_audio:
        raise ReviewError(
            f"Exhibit {ex.ref} has no sound track, so it cannot be aligned by sound; "
            "set its start with `bwv-review exhibit ... --offset-from` instead."
        )
    path = store.footage_path(ex)
    if not path.is_file():
        raise ReviewError(f"Footage for exhibit {ex.ref} is missing (expected at {path}).")
    if path.stat().st_size != ex.size:
        raise ReviewError(
            f"Footage for exhibit {ex.ref} has changed since it was added ({path}); "
            "run `bwv-review verify` before aligning."
        )
    return path


def cmd_align(args) -> int:
    if not 0.0 <= args.min_confidence <= 1.0:
        raise ReviewError("--min-confidence is a number from 0 to 1, such as 0.35.")
    with open_case(args.case, who=args.reviewer) as store:
        ex, other = store.exhibit(args.exhibit), store.exhibit(args.to)
        if ex.id == other.id:
            raise ReviewError(f"Exhibit {ex.ref} cannot be aligned to itself; name another exhibit.")
        path, other_path = _usable_footage(store, ex), _usable_footage(store, other)
        try:
            result = aligning.align_files(
                path,
                ex.sha256,
                other_path,
                other.sha256,
                min_confidence=args.min_confidence,
                progress=StderrProgress(f"Listening to {ex.ref} and {other.ref}"),
            )
        except aligning.NoSharedSound as exc:
            raise ReviewError(
                f"{exc} Nothing was changed; to set it by hand use "
                f"`bwv-review exhibit CASE {ex.ref} --offset-from {other.ref} SECONDS`."
            ) from exc
        where = "after" if result.offset_ms >= 0 else "before"
        emit(
            f"{ex.ref} starts {format_ms(round(abs(result.offset_ms)))} {where} {other.ref} "
            f"(offset {result.offset_ms:+.1f} ms; confidence {result.confidence:.2f}, "
            f"{'refined on the raw sound' if result.refined else 'envelope match only'})"
        )
        if result.drift_ms() > 20:
            emit(
                f"Note: the two cameras' clocks drift apart by {result.drift_ms():.0f} ms over the "
                f"{format_ms(result.overlap_ms)} they share ({result.drift_ppm:+.0f} ppm); the start is "
                f"right at the beginning of {ex.ref}, later moments may be out by up to that much."
            )
        if not other.recording_start:
            raise ReviewError(
                f"Exhibit {other.ref} has no recording start, so {ex.ref}'s was not set; set it with "
                f"`bwv-review exhibit CASE {other.ref} --start ISO8601` and align again, or use "
                f"`bwv-review exhibit CASE {ex.ref} --offset-from {other.ref} {result.offset_ms / 1000:.3f}` "
                "once it is known."
            )
        before = ex.recording_start
        operations.set_start_from(store, ex.ref, other.ref, result.offset_ms, store.actor)
        ex = store.exhibit(ex.ref)
        start = ex.recording_start
        tz_name = store.case().timezone
        clock = clock_at(start, 0)
        emit(f"Recording start of {ex.ref} set to {_when(clock, tz_name)} = {_utc(clock)}")
        if before and before != start:
            emit(f"(it was {_when(clock_at(before, 0), tz_name)}; the change is in the audit log)")
    return 0
