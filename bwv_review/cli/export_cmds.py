"""Subcommands that take work out of a case and bring it back: export, import."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from ..core import operations
from ..core.errors import ReviewError
from ..core.export import FORMATS, PER_EXHIBIT_FORMATS, ExportOptions, export_case
from ..core.export.files import safe_filename
from ..core.model import STATUSES
from ..core.timecode import parse_instant
from .common import StderrProgress, emit, open_case, warn


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write a statement extract or an annotation log (docx, pdf, html, csv, xlsx, json, srt, vtt, eaf)",
        description="Footage hashes are re-checked first; a mismatch is warned about here and stated "
                    "in the file. Statements (docx, pdf, html) quote verified annotations only unless "
                    "--include-drafts; logs carry every annotation with its status. srt, vtt and eaf "
                    "hold one exhibit each: with several exhibits, give --exhibit REF, or a folder as OUT "
                    "to write one file per exhibit named by its ref (AB-1.eaf, CD-1.eaf).",
    )
    p.add_argument("case")
    p.add_argument("--format", "-f", choices=(*FORMATS, "mp4"),
                   help="the kind of file (default: from OUT's ending); mp4: the redacted copy of one "
                        "--exhibit, with its disclosure report")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="the file (or, for srt/vtt/eaf, folder) "
                   "to write")
    p.add_argument("--exhibit", metavar="REF", help="only this exhibit")
    p.add_argument("--category", action="extend", nargs="+", default=[], metavar="C",
                   help="only these categories (slugs or names)")
    p.add_argument("--status", action="extend", nargs="+", default=[], choices=STATUSES,
                   help="only these statuses")
    p.add_argument("--include-drafts", action="store_true",
                   help="statements: also quote annotations not yet verified, marked as unverified")
    p.add_argument("--tiers", choices=("speaker", "category"), default="speaker",
                   help="eaf: one tier per speaker (default) or per category")
    p.add_argument("--stills", action="store_true", help="statements: a frame still under each quote")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    p.add_argument("--generated", metavar="ISO8601", help=argparse.SUPPRESS)
    p.add_argument("--include-suggested", action="store_true",
                   help="mp4: also apply face suggestions not yet confirmed")
    p.add_argument("--burn-in", action="store_true", help='mp4: burn in "Redacted copy of REF, DATE"')
    p.add_argument("--report", metavar="PATH", help="mp4: the disclosure report (.docx or .pdf; "
                                                    "default: beside OUT, .docx)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "import",
        help="add annotations from an ELAN (.eaf), CSV or JSON file (all or nothing, audited)",
        description="Every annotation in FILE is checked first; if any is wrong nothing is added.",
    )
    p.add_argument("case")
    p.add_argument("file", help="a .eaf, .csv or .json file")
    p.add_argument("--exhibit", metavar="REF", help="the exhibit the times refer to (default: each annotation "
                   "goes to the exhibit the file names, so a whole-case JSON restores every exhibit)")
    p.add_argument("--from", dest="source", metavar="REF",
                   help="when FILE holds several exhibits, the one to take annotations from")
    p.add_argument("--tiers", choices=("auto", "speaker", "category"), default="auto",
                   help="eaf from ELAN: a tier name is a speaker or a category (auto: a category "
                        "when one has that name)")
    p.add_argument("--category", default="other", help="category for annotations that have none")
    p.add_argument("--reviewer")
    p.set_defaults(func=cmd_import)


def _format(args) -> str:
    """--format, or OUT's ending; refused when they disagree (a PDF named .docx helps nobody)."""
    out = Path(args.output)
    ending = out.suffix.lower().lstrip(".")
    known = (*FORMATS, "mp4")
    if args.format:
        if ending in known and ending != args.format:
            raise ReviewError(f"{out.name} ends in .{ending} but --format is {args.format}; nothing was written.")
        return args.format
    if ending in known:
        return ending
    raise ReviewError(f"Give --format ({', '.join(known)}): {out.name} does not end in one of them. "
                      "Nothing was written.")


def cmd_export(args) -> int:
    fmt = _format(args)
    if fmt == "mp4":
        from .redact_cmds import cmd_export_mp4  # noqa: PLC0415

        return cmd_export_mp4(args)
    generated = _generated(args.generated)
    options = ExportOptions(
        exhibit=args.exhibit,
        categories=tuple(args.category),
        statuses=tuple(args.status),
        include_drafts=args.include_drafts,
        tiers=args.tiers,
        stills=args.stills,
    )
    out = Path(args.output)
    with open_case(args.case, readonly=True) as store:
        if fmt in PER_EXHIBIT_FORMATS and not args.exhibit and not out.is_dir():
            refs = [ex.ref for ex in store.exhibits()]
            if len(refs) > 1:
                raise ReviewError(
                    f"A .{fmt} file holds one exhibit and this case has {len(refs)} ({', '.join(refs)}); "
                    f"choose one with --exhibit REF, or give a folder as -o to write one file per exhibit "
                    f"({', '.join(safe_filename(r) + '.' + fmt for r in refs[:3])}). Nothing was written.")
        result = export_case(store, fmt, out, options, generated=generated,
                             force=args.force, progress=StderrProgress("Checking footage"))
    report = result.report
    for problem in report.verification_problems:
        warn(f"bwv-review: WARNING: {problem} (stated first in the export)")
    for warning in report.other_warnings:
        warn(f"bwv-review: WARNING: {warning} (stated in the export)")
    count = len(report.statement_entries if fmt in ("docx", "pdf", "html") else report.entries)
    for path in result.paths:
        emit(f"Wrote {path}")
    emit(f"{count} annotation(s); audit head {report.audit_rows}:{report.audit_hash}")
    return 0


def _generated(text: str | None) -> datetime | None:
    # For reproducing an export byte for byte (e.g. the GUI's) from the command line.
    return parse_instant(text) if text else None


def cmd_import(args) -> int:
    with open_case(args.case, who=args.reviewer) as store:
        _change, result = operations.import_annotations(  # loads the readers only when importing
            store, Path(args.file), args.exhibit, store.actor, source_exhibit=args.source, tiers=args.tiers,
            default_category=args.category, progress=StderrProgress("Importing"))
        for warning in result.warnings:
            warn(f"bwv-review: WARNING: {warning}")
        emit(f"Imported {len(result.added)} annotation(s) from {Path(args.file).name}:")
        for line in result.summary:
            emit(f"  {line}")
    return 0
