"""Subcommands about footage files themselves: info, and still (one exact frame as PNG)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.errors import ReviewError
from ..core.footage_paths import check_regular
from ..core.integrity import sha256_file
from ..core.timecode import clock_at, format_ms, local, parse_time
from .common import StderrProgress, emit, emit_json, open_case, warn


def register(sub) -> None:
    p = sub.add_parser("info", help="what a footage file holds (decoded, exact), and its SHA-256")
    p.add_argument("footage")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser(
        "still",
        help="write the exact frame at a time (or frame number) as PNG",
        description="Write the frame shown at a file time (the last frame that starts at or "
        "before it) or a frame number, exactly, as a PNG picture.",
    )
    p.add_argument("footage")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--at", metavar="TIME", help="file time: HH:MM:SS.mmm, MM:SS.mmm or seconds")
    where.add_argument("--frame", metavar="N", type=_frame_number, help="frame number, 0 = the first frame")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png")
    p.add_argument("--force", action="store_true", help="replace OUT.png if it exists")
    p.add_argument("--burn-in", action="store_true",
                   help="add a margin below the picture with file time and frame number "
                   "(and exhibit and clock time, given --case and --exhibit)")
    p.add_argument("--case", metavar="CASE", help="the case file the footage is an exhibit in")
    p.add_argument("--exhibit", metavar="REF", help="exhibit reference in --case")
    p.add_argument("--deinterlace", action="store_true",
                   help="deinterlace an interlaced frame for viewing (said in the output and the "
                   "burn-in); without it the frame is written as decoded, both fields woven")
    p.set_defaults(func=cmd_still)


def _frame_number(text: str) -> int:
    # argparse turns ArgumentTypeError into its usual one-line message and exit code 2.
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (0 = the first frame)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; the first frame is 0")
    return value


def cmd_info(args) -> int:
    from ..core.frame_index import probe  # loads the decoder

    path = Path(args.footage)
    check_regular(path)  # a FIFO or device would block the decoder
    info = probe(path)
    data = info.as_json()
    data["sha256"] = sha256_file(path, progress=StderrProgress(f"Hashing {path.name}"))
    if args.json:
        emit_json(data)
        return 0
    rows = [
        ("File", str(path)),
        ("Duration", f"{format_ms(info.duration_ms)} ({info.duration_ms} ms)"),
        ("Frames", f"{info.frame_count} (average {info.fps:g} fps)"),
        ("Picture", f"{info.width}x{info.height} {info.codec}" + (f", rotated {info.rotation}°" if info.rotation else "")),
        ("Scan", "interlaced (shown as decoded: both fields)" if info.interlaced else "progressive"),
        ("Sound", "yes" if info.has_audio else "no audio track"),
        ("Created", info.creation_time or "not recorded in the file"),
        ("SHA-256", data["sha256"]),
    ]
    rows += [("Note", note) for note in info.notes]
    for label, value in rows:
        emit(f"{label + ':':<10} {value}")
    return 0


def cmd_still(args) -> int:
    path = Path(args.footage)
    check_regular(path)
    target = Path(args.output)
    if target.exists() and not args.force:  # say so before any decoding
        raise ReviewError(f"{target} already exists; choose another name or use --force to replace it.")
    if bool(args.case) != bool(args.exhibit):
        raise ReviewError("Give --case and --exhibit together (the exhibit is looked up in the case).")
    exhibit, zone_name, sha256 = None, None, None
    if args.case:
        with open_case(args.case, readonly=True) as store:
            exhibit = store.exhibit(args.exhibit)
            zone_name = store.case().timezone
        sha256 = sha256_file(path, progress=StderrProgress(f"Checking {path.name}"))
        if sha256 != exhibit.sha256:
            raise ReviewError(
                f"{path.name} is not exhibit {exhibit.ref}: its SHA-256 differs from the one "
                "recorded when the exhibit was added, so no still was written."
            )
    from ..core.footage import Footage  # loads the decoder
    from ..core.stills import Caption, shown_ms, write_png, write_png_bytes

    footage = Footage(path, sha256)
    try:
        info = footage.info
        where = {"frame": args.frame}
        if args.at is not None:
            at = parse_time(args.at)
            if at > info.duration_ms:
                raise ReviewError(
                    f"Time {format_ms(at)} is past the end of {path.name} "
                    f"(it lasts {format_ms(info.duration_ms)})."
                )
            where = {"at_ms": at}
        elif args.frame >= info.frame_count:
            raise ReviewError(f"{path.name} has frames 0 to {info.frame_count - 1}; there is no frame {args.frame}.")
        if args.burn_in:
            frame = footage.still(**where, deinterlace=args.deinterlace)
            index, time_ms, deinterlaced, damaged = frame.index, frame.time_ms, frame.deinterlaced, frame.damaged
        else:  # straight from the decoded frame to PNG, no picture array
            index, time_ms, deinterlaced, damaged, png = footage.still_png(**where, deinterlace=args.deinterlace)
    finally:
        footage.close()
    if args.burn_in:
        clock = None
        if exhibit is not None:
            clock = local(clock_at(exhibit.recording_start, shown_ms(time_ms)), zone_name)
        caption = Caption(time_ms, index, exhibit.ref if exhibit else None, clock, deinterlaced)
        write_png(burn_in(frame.image, caption.lines()), target, overwrite=args.force)
    else:
        write_png_bytes(png, target, overwrite=args.force)
    how = ", deinterlaced for viewing" if deinterlaced else ""
    if damaged:
        how += "; WARNING: the decoder reports this frame damaged in the file itself"
        warn(f"bwv-review: WARNING: frame {index} of {path.name} is damaged in the file (decoded from "
             "the start, the decoder still reports errors); the still shows it as FFmpeg decodes it.")
    emit(f"{target}: frame {index} at {format_ms(shown_ms(time_ms))} of {path.name}{how}")
    return 0


def burn_in(image, lines):
    from ..core.stills import burn_in as draw  # OpenCV draws the caption

    return draw(image, lines)
