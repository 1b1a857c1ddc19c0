"""The annotation log as a spreadsheet: CSV (UTF-8 with BOM) and XLSX (typed cells).

One row per annotation, in chronology order. In CSV, text that a spreadsheet would run as
a formula (leading ``= + - @``, tab or CR) gets an apostrophe in front, so it shows as
typed and never executes; ``unneutralise`` undoes exactly that on import. In XLSX every
text is a typed string cell, which no spreadsheet runs, so it is written exactly as
typed, with no apostrophe to see.

When the case failed verification at export time, its problems come first (rows above
the header), and the status of every annotation verification cannot vouch for reads
UNTRUSTED. Every row carries the audit head the export was made from.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from typing import TYPE_CHECKING

from ..chronology import Entry
from ..timecode import format_instant, format_ms, local
from .files import reproducible_zip
from .report import Report, audit_head, cell_text, keys_text, problems_heading, status_text

if TYPE_CHECKING:
    from openpyxl import Workbook

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

# (header, width in characters) -- the import reads these same headers back.
COLUMNS = [
    ("Exhibit", 9),
    ("File time start", 15),
    ("File time end", 15),
    ("Start (ms)", 11),
    ("End (ms)", 11),
    ("Clock start (local)", 26),
    ("Clock start (UTC)", 26),
    ("Clock end (local)", 26),
    ("Wearer", 16),
    ("Category", 16),
    ("Speaker", 16),
    ("Text", 60),
    ("Note", 30),
    ("Status", 10),
    ("Reviewer", 16),
    ("Annotation id", 12),
    ("Event", 8),  # shared by annotations of one utterance heard on several cameras
    ("SHA-256", 66),
    ("Footage check at export", 14),  # verified / changed / missing: a mismatch shows on every row
    ("Audit head at export", 30),  # "audit head N:HASH": which state of the case this row came from
]
HEADERS = [name for name, _ in COLUMNS]


def neutralise(value: str) -> str:
    """Prefix an apostrophe when the text (past any apostrophes) starts like a formula."""
    value = cell_text(value)
    if value and value.lstrip("'")[:1] in DANGEROUS:
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """The exact inverse of ``neutralise``."""
    if value.startswith("'") and value[1:].lstrip("'")[:1] in DANGEROUS:
        return value[1:]
    return value


def _iso(value: datetime | None) -> str:
    return format_instant(value) if value else ""


def row_values(entry: Entry, tz: str, check: str = "", report: Report | None = None) -> list:
    """Typed values (int, datetime, str or None) for one annotation."""
    a, ex = entry.annotation, entry.exhibit
    return [
        ex.ref,
        format_ms(a.start_ms),
        format_ms(a.end_ms),
        a.start_ms,
        a.end_ms,
        local(entry.clock_start, tz),
        entry.clock_start,
        local(entry.clock_end, tz),
        ex.wearer,
        entry.category.slug,
        a.speaker,
        a.text,
        a.note,
        status_text(report, entry),
        a.reviewer,
        a.id,
        a.event,
        ex.sha256,
        check,
        audit_head(report) if report is not None else "",
    ]


def preamble(report: Report) -> list[list[str]]:
    """Rows that come before the header when the case failed verification (none when sound)."""
    heading = problems_heading(report)
    if not heading:
        return []
    rows = [["VERIFICATION FAILED", heading]]
    rows += [[f"Problem {n}", text] for n, text in enumerate(report.verification_problems, start=1)]
    return [*rows, []]


def _checks(report: Report) -> dict[int, str]:
    return {r.exhibit.id: r.check for r in report.exhibits}


def render_csv(report: Report) -> bytes:
    checks = _checks(report)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in preamble(report):
        writer.writerow([neutralise(c) for c in row])
    writer.writerow(HEADERS)
    for entry in report.entries:
        cells = []
        for value in row_values(entry, report.tz, checks.get(entry.exhibit.id, ""), report):
            if value is None:
                cells.append("")
            elif isinstance(value, datetime):
                cells.append(_iso(value))
            elif isinstance(value, str):
                cells.append(neutralise(value))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def _naive(value: datetime | None) -> datetime | None:
    # Excel has no time zones: the local column is wall time in the case zone, the UTC one UTC.
    return None if value is None else value.replace(tzinfo=None)


def render_xlsx(report: Report) -> bytes:
    # openpyxl loads here, not with the module: a CSV export never pays for it.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    checks = _checks(report)
    wb = Workbook()
    ws = wb.active
    ws.title = "Annotations"
    first = _problem_rows(ws, report)
    ws.append(HEADERS)
    for cell in ws[first]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for r, entry in enumerate(report.entries, start=first + 1):
        for c, value in enumerate(row_values(entry, report.tz, checks.get(entry.exhibit.id, ""), report), start=1):
            if isinstance(value, datetime):
                value = _naive(value)
            elif isinstance(value, str):
                value = cell_text(value)
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss.000"
            cell.alignment = wrap if HEADERS[c - 1] in ("Text", "Note") else top
    ws.freeze_panes = f"A{first + 1}"
    ws.auto_filter.ref = f"A{first}:{get_column_letter(len(COLUMNS))}{first + len(report.entries)}"
    for i, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    _summary_sheet(wb, report)
    _set_properties(wb, report)
    buf = io.BytesIO()
    # ExcelWriter directly: save() would stamp "modified" with the wall clock.
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return reproducible_zip(buf.getvalue(), report.generated)


def _problem_rows(ws, report: Report) -> int:
    """Write the verification problems at the top of a sheet; return the row the header goes on."""
    from openpyxl.styles import Font

    rows = preamble(report)
    red = Font(bold=True, color="B00000")
    for row in rows:
        ws.append([cell_text(c) for c in row])
        for cell in ws[ws.max_row]:
            cell.font = red
            cell.data_type = "s"
    return len(rows) + 1


def _summary_sheet(wb: Workbook, report: Report) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet("Exhibits")
    head_row = _problem_rows(ws, report)
    ws.append(["Exhibit", "Wearer", "File", "Duration", "SHA-256", "Re-verified at export"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for rec in report.exhibits:
        ex = rec.exhibit
        ws.append([cell_text(v) for v in (ex.ref, ex.wearer, rec.file_name, format_ms(ex.duration_ms),
                                          ex.sha256, rec.check_text)])
    ws.append([])
    ws.append(["Case", cell_text(report.case.title), cell_text(report.case.reference)])
    ws.append(["Audit entries", report.audit_rows])
    ws.append(["Audit head hash", report.audit_hash])
    ws.append(["Audit head", audit_head(report)])
    ws.append(["Signing keys", cell_text(keys_text(report))])
    ws.append(["Generated", report.generated_text, f"bwv-review {report.tool_version}"])
    for warning in report.other_warnings:
        ws.append(["WARNING", cell_text(warning)])
    for col, width in zip("ABCDEF", (16, 16, 30, 14, 66, 50), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{head_row + 1}"
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def _set_properties(wb: Workbook, report: Report) -> None:
    when = report.generated.replace(tzinfo=None)
    props = wb.properties
    props.creator = f"bwv-review {report.tool_version}"
    props.lastModifiedBy = props.creator
    props.title = f"{report.case.reference} {report.case.title} annotation log".strip()
    props.created = when
    props.modified = when
