"""The statement extract as a Word document (python-docx), in the style of a UK witness
statement continuation: case, exhibits with hashes, one paragraph per annotation in clock
order, then the log as a table. Same content as the HTML and PDF; the bytes depend only
on the case and the report's "generated" time."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..timecode import format_ms
from .files import reproducible_zip
from .report import (
    Report,
    audit_text,
    clock_lines,
    clock_text,
    date_heading,
    detail_line,
    exhibit_rows,
    printable,
    provenance_text,
    statement_parts,
    unverified_mark,
)

RED = RGBColor(0xB0, 0x00, 0x00)
GREY = RGBColor(0x44, 0x44, 0x44)


def render_docx(report: Report) -> bytes:
    doc = Document()
    _page(doc, report)
    case = report.case
    title = f"Statement extract: {case.reference} {case.title}".strip()
    doc.add_heading(printable(title), level=1)
    _para(doc, f"Case reference: {case.reference}", size=10)
    _para(doc, f"Reviewer(s): {', '.join(case.reviewers)} · Times in {report.tz}", size=10)
    for warning in report.warnings:
        _para(doc, warning, bold=True, colour=RED)
    doc.add_heading("Exhibits viewed", level=2)
    _exhibits(doc, report)
    for line in clock_lines(report):
        _para(doc, line, size=9, colour=GREY)
    doc.add_heading("Chronology", level=2)
    _narrative(doc, report)
    doc.add_heading("Log", level=2)
    _log(doc, report)
    doc.add_heading("Integrity", level=2)
    _para(doc, audit_text(report), size=9)
    _para(doc, provenance_text(report), size=9, colour=GREY)
    _properties(doc, report, title)
    buf = io.BytesIO()
    doc.save(buf)
    return reproducible_zip(buf.getvalue(), report.generated)


def _page(doc, report: Report) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    for level in (1, 2, 3):  # a statement, not a brochure: black headings
        doc.styles[f"Heading {level}"].font.color.rgb = RGBColor(0, 0, 0)
    footer = section.footer.paragraphs[0]
    doc.styles["Footer"].font.size = Pt(8)  # the page number field takes the style's size
    run = footer.add_run(printable(f"{report.case.reference} · generated {report.generated_text} · page "))
    run.font.size = Pt(8)
    _page_field(footer)


def _page_field(paragraph) -> None:
    run = paragraph.add_run()
    run.font.size = Pt(8)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _para(doc, text: str, bold: bool = False, size: float | None = None, colour=None):
    p = doc.add_paragraph()
    run = p.add_run(printable(text))
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour
    return p


def _table(doc, headers: list[str], rows: list[list[str]], widths: list[float], size: float = 8):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(size)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            run = cell.paragraphs[0].add_run(printable(text))
            run.font.size = Pt(size)
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid, which LibreOffice follows
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)  # the cells, which Word follows
    return table


def _exhibits(doc, report: Report) -> None:
    """One row per exhibit, then its SHA-256 unbroken on a full-width row (so it can be
    searched for and copied whole)."""
    widths = [1.6, 3.0, 4.6, 2.2, 5.6]
    table = _table(doc, ["Exhibit", "Wearer", "File", "Duration", "Re-verified at export"], [], widths)
    for rec, (ref, wearer, name, duration, sha, check) in zip(report.exhibits, exhibit_rows(report), strict=True):
        cells = table.add_row().cells
        for cell, text in zip(cells, (ref, wearer, name, duration, check), strict=True):
            run = cell.paragraphs[0].add_run(printable(text))
            run.font.size = Pt(8)
            if text is check and rec.check != "verified":
                run.bold = True
                run.font.color.rgb = RED
        merged = table.add_row().cells
        cell = merged[0].merge(merged[-1])
        label = cell.paragraphs[0].add_run("SHA-256 ")
        label.font.size = Pt(8)
        value = cell.paragraphs[0].add_run(sha)
        value.font.name = "Courier New"
        value.font.size = Pt(8)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = Cm(width)


def _narrative(doc, report: Report) -> None:
    tz = report.tz
    entries = report.statement_entries
    if not entries:
        _para(doc, "No verified annotations match this export.")
    heading = None
    for entry in entries:
        day = date_heading(entry, tz) or "Exhibits without a known start time (file time only)"
        if day != heading:
            heading = day
            doc.add_heading(day, level=3)
        mark = unverified_mark(entry)
        if mark:
            _para(doc, mark, bold=True, colour=RED, size=9)
        before, quote, after = statement_parts(entry, tz)
        p = doc.add_paragraph()
        p.add_run(printable(before))
        if quote is not None:
            p.add_run(printable(quote))
        if after:
            p.add_run(after)
        detail = p.add_run()
        detail.add_break(WD_BREAK.LINE)
        detail = p.add_run(printable(detail_line(entry, tz)))
        detail.font.size = Pt(9)
        detail.font.color.rgb = GREY
        if entry.annotation.note:
            note = p.add_run()
            note.add_break(WD_BREAK.LINE)
            note = p.add_run(printable("Note: " + entry.annotation.note))
            note.font.size = Pt(9)
            note.font.color.rgb = GREY
        still = report.stills.get(entry.annotation.id)
        if still:
            doc.add_picture(io.BytesIO(still.png), width=Cm(12))
            _para(doc, still.caption, size=9)
    if report.omitted_from_statement:
        _para(doc, f"{report.omitted_from_statement} annotation(s) not verified are not included; they "
                   "are in the full log export (CSV, XLSX, JSON).", size=9, colour=GREY)


def _log(doc, report: Report) -> None:
    tz = report.tz
    rows = []
    for entry in report.statement_entries:
        a = entry.annotation
        span = format_ms(a.start_ms) + (f"\n–{format_ms(a.end_ms)}" if a.end_ms is not None else "")
        rows.append([clock_text(entry, tz) or "", entry.exhibit.ref, span, entry.category.name,
                     a.speaker, a.text, a.status])
    _table(doc, ["Clock", "Exhibit", "File time", "Category", "Speaker", "Words", "Status"],
           rows, [1.5, 1.6, 2.2, 2.2, 2.3, 5.8, 1.4])


def _properties(doc, report: Report, title: str) -> None:
    props = doc.core_properties
    when = report.generated.replace(microsecond=0)
    props.author = f"bwv-review {report.tool_version}"
    props.last_modified_by = props.author
    props.title = printable(title)[:250]
    props.subject = "Statement extract from body-worn video"
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1
    props.comments = audit_text(report)
