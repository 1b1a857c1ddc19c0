"""Exports for statements and annotation logs, all fed by one ``Report``.

The GUI and the CLI both call ``export_case`` (or ``build_report`` + ``render_outputs`` +
``write_all`` when they want a preview in between), so they write the same bytes for the
same case and the same ``generated`` time.

Statement formats (docx, pdf, html) quote verified annotations only unless
``include_drafts``; log formats (csv, xlsx, json, srt, vtt, eaf) carry every annotation the
filters let through, with its status. Subtitles and ELAN files belong to one video each:
given a folder as ``out``, one file per exhibit is written in it, named by the exhibit's
ref (``AB-1.eaf``); given a file name and several exhibits, one file per exhibit is
written beside it, named ``<out stem> <safe exhibit ref><suffix>`` (the window lists the
names; the command line refuses this and asks for --exhibit or a folder).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..integrity import Progress
from ..store import CaseStore
from .files import atomic_write, check_writable, safe_filename, write_all
from .report import ExportOptions, Report, build_report

STATEMENT_FORMATS = ("docx", "pdf", "html")
LOG_FORMATS = ("csv", "xlsx", "json")
PER_EXHIBIT_FORMATS = ("srt", "vtt", "eaf")
FORMATS = STATEMENT_FORMATS + LOG_FORMATS + PER_EXHIBIT_FORMATS

__all__ = [
    "FORMATS",
    "ExportOptions",
    "ExportResult",
    "Report",
    "atomic_write",
    "build_report",
    "check_writable",
    "default_filename",
    "export_case",
    "render",
    "render_outputs",
    "safe_filename",
    "write_all",
]


@dataclass
class ExportResult:
    paths: list[Path]
    warnings: list[str] = field(default_factory=list)
    report: Report | None = None


def render(report: Report, fmt: str, exhibit_id: int | None = None, store: CaseStore | None = None,
           out: Path | None = None) -> bytes:
    """The bytes of one export file (``exhibit_id`` for srt, vtt and eaf)."""
    if fmt == "docx":
        from .docx_export import render_docx  # noqa: PLC0415 - load each writer only when used

        return render_docx(report)
    if fmt == "pdf":
        from .pdf_export import render_pdf  # noqa: PLC0415

        return render_pdf(report)
    if fmt == "html":
        from .html_export import render_html  # noqa: PLC0415

        return render_html(report)
    if fmt in ("csv", "xlsx"):
        from . import tables  # noqa: PLC0415

        return tables.render_csv(report) if fmt == "csv" else tables.render_xlsx(report)
    if fmt == "json":
        from .json_export import render_json  # noqa: PLC0415

        return render_json(report)
    if fmt in ("srt", "vtt"):
        from . import subtitles  # noqa: PLC0415

        return subtitles.render_srt(report, exhibit_id) if fmt == "srt" else subtitles.render_vtt(report, exhibit_id)
    if fmt == "eaf":
        from .eaf_export import render_eaf  # noqa: PLC0415

        return render_eaf(report, exhibit_id, report.options.tiers, store, out)
    raise ValueError(f"unknown export format {fmt!r}")


def output_paths(report_or_exhibits, fmt: str, out: Path) -> list[tuple[Path, int | None]]:
    """Where each file of an export goes (several for per-exhibit formats and exhibits)."""
    out = Path(out)
    if fmt not in PER_EXHIBIT_FORMATS:
        return [(out, None)]
    if isinstance(report_or_exhibits, Report):
        exhibits = [r.exhibit for r in report_or_exhibits.exhibits]
    else:
        exhibits = list(report_or_exhibits)
    if out.is_dir():
        return [(out / f"{safe_filename(ex.ref)}.{fmt}", ex.id) for ex in exhibits]
    if len(exhibits) == 1:
        return [(out, exhibits[0].id)]
    return [(out.with_name(f"{out.stem} {safe_filename(ex.ref)}{out.suffix}"), ex.id) for ex in exhibits]


def render_outputs(report: Report, fmt: str, out: Path, store: CaseStore | None = None) -> list[tuple[Path, bytes]]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    return [(path, render(report, fmt, ex_id, store, path)) for path, ex_id in output_paths(report, fmt, out)]


def default_filename(report: Report, fmt: str) -> str:
    """A suggested file name, e.g. ``IOPC 2019-0001 AB-1 statement.docx``."""
    parts = [report.case.reference or report.case.title]
    if report.options.exhibit:
        parts.append(report.options.exhibit)
    parts.append("statement" if fmt in STATEMENT_FORMATS else "log")
    return safe_filename(" ".join(parts)) + "." + fmt


def export_case(
    store: CaseStore,
    fmt: str,
    out: Path | str,
    options: ExportOptions | None = None,
    *,
    generated: datetime | None = None,
    force: bool = False,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ExportResult:
    """Build the report (re-hashing footage), render ``fmt`` and write it atomically.

    Refuses before any work if a target exists and ``force`` is False. Problems found
    while re-hashing are in the file itself and in ``ExportResult.warnings``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    out = Path(out)
    options = options or ExportOptions()
    # Refuse before the (possibly long) hash re-check, not after it.
    exhibits = [store.exhibit(options.exhibit)] if options.exhibit else store.exhibits()
    check_writable([path for path, _ in output_paths(exhibits, fmt, out)], force)
    report = build_report(store, options, generated=generated, progress=progress, cancel=cancel)
    files = render_outputs(report, fmt, out, store)
    paths = write_all(files, force=force)
    return ExportResult(paths, list(report.warnings), report)
