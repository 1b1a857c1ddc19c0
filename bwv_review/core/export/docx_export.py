"""The statement extract as a Word document (python-docx), in the style of a UK witness
statement continuation: case, exhibits with hashes, one paragraph per annotation in clock
order, then the log as a table. Same content as the HTML and PDF; the bytes depend only
on the case and the report's "generated" time."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..timecode import format_ms
from .files import reproducible_zip
from .report import (
    Report,
    audit_head,
    audit_text,
    clock_lines,
    clock_text,
    date_heading,
    detail_line,
    exhibit_rows,
    keys_text,
    printable,
    problems_heading,
    provenance_text,
    statement_parts,
    status_text,
    unverified_mark,
)
from .scripts import base_rtl, script_runs

RED = "B00000"
GREY = "444444"


def render_docx(report: Report) -> bytes:
    doc = Document()
    _page(doc, report)
    case = report.case
    title = f"Statement extract: {case.reference} {case.title}".strip()
    doc.add_heading(printable(title), level=1)
    heading = problems_heading(report)
    if heading:
        _para(doc, heading, bold=True, colour=RED)
        for n, problem in enumerate(report.verification_problems, start=1):
            _para(doc, f"{n}. {problem}", bold=True, colour=RED, size=10)
    _para(doc, f"Case reference: {case.reference}", size=10)
    _para(doc, f"Reviewer(s): {', '.join(case.reviewers)} · Times in {report.tz}", size=10)
    _para(doc, audit_head(report).capitalize(), size=9, colour=GREY)
    _para(doc, keys_text(report), size=9, colour=GREY)
    for warning in report.other_warnings:
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
    _para(doc, keys_text(report), size=9)
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


# Paragraphs and tables are written as WordprocessingML directly: python-docx's object API
# costs ~3 ms per table row, which made a 10,000-annotation statement take half a minute.
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
TWIPS_PER_CM = 567


def _run(text: str, size: float | None = None, bold: bool = False, colour: str | None = None,
         mono: bool = False) -> str:
    """Runs for ``text``, one per script, each saying its direction and language (w:rtl,
    w:lang), so Word shapes and orders Arabic and Hebrew and picks East Asian fonts."""
    return "".join(_script_run(part, tag, rtl, size, bold, colour, mono)
                   for part, tag, rtl in script_runs(printable(text)))


def _script_run(text: str, tag: str, rtl: bool, size: float | None, bold: bool, colour: str | None,
                mono: bool) -> str:
    east = tag in ("ja", "ko", "und-Hani")
    props = ""  # in the order the OOXML schema requires
    if mono:
        props += '<w:rFonts w:ascii="Courier New" w:hAnsi="Courier New" w:cs="Courier New"/>'
    elif east:
        props += '<w:rFonts w:hint="eastAsia"/>'
    if bold:
        props += "<w:b/><w:bCs/>"
    if colour:
        props += f'<w:color w:val="{colour}"/>'
    if size:
        props += f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>'
    if rtl:
        props += "<w:rtl/><w:cs/>"
    if tag:
        props += f'<w:lang w:{"bidi" if rtl else "eastAsia" if east else "val"}="{tag}"/>'
    parts = []
    for i, line in enumerate(text.split("\n")):
        if i:
            parts.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                parts.append("<w:tab/>")
            if chunk:
                parts.append(f'<w:t xml:space="preserve">{escape(chunk)}</w:t>')
    return f"<w:r>{f'<w:rPr>{props}</w:rPr>' if props else ''}{''.join(parts)}</w:r>"


def _append(doc, xml: str) -> None:
    element = parse_xml(xml)
    # Everything goes before the body's final sectPr; finding it (or len(body)) is O(n) in
    # lxml, so look once per document.
    anchor = getattr(doc, "_bwv_anchor", None)
    if anchor is None:
        anchor = doc._bwv_anchor = doc.element.body.find(qn("w:sectPr"))
    if anchor is None:
        doc.element.body.append(element)
    else:
        anchor.addprevious(element)


def _para(doc, text: str, bold: bool = False, size: float | None = None, colour: str | None = None) -> None:
    _append(doc, f"<w:p {_W}>{_run(text, size, bold, colour)}</w:p>")


def _cell(runs: str, width_cm: float, span: int = 1, rtl: bool = False) -> str:
    grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    para = "<w:pPr><w:bidi/></w:pPr>" if rtl else ""  # a quote in Arabic or Hebrew starts on the right
    return (f'<w:tc><w:tcPr><w:tcW w:w="{round(width_cm * TWIPS_PER_CM)}" w:type="dxa"/>{grid}</w:tcPr>'
            f"<w:p>{para}{runs}</w:p></w:tc>")


def _table(doc, headers: list[str], rows: list[str], widths: list[float], size: float = 8) -> None:
    """A grid table; ``rows`` are ready-made ``<w:tr>`` elements (see ``_row``)."""
    grid = "".join(f'<w:gridCol w:w="{round(w * TWIPS_PER_CM)}"/>' for w in widths)
    head = "".join(_cell(_run(h, size, bold=True), w) for h, w in zip(headers, widths, strict=True))
    _append(doc, (
        f'<w:tbl {_W}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        f'<w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        f"<w:tr><w:trPr><w:tblHeader/></w:trPr>{head}</w:tr>{''.join(rows)}</w:tbl>"
    ))


def _row(texts: list[str], widths: list[float], size: float = 8) -> str:
    return "<w:tr>" + "".join(_cell(_run(t, size), w, rtl=base_rtl(t)) for t, w in zip(texts, widths, strict=True)) \
        + "</w:tr>"


def _exhibits(doc, report: Report) -> None:
    """One row per exhibit, then its SHA-256 unbroken on a full-width row (so it can be
    searched for and copied whole)."""
    widths = [1.6, 3.0, 4.6, 2.2, 5.6]
    rows = []
    for rec, (ref, wearer, name, duration, sha, check) in zip(report.exhibits, exhibit_rows(report), strict=True):
        bad = rec.check != "verified"
        cells = [_cell(_run(t, 8), w) for t, w in zip((ref, wearer, name, duration), widths, strict=False)]
        cells.append(_cell(_run(check, 8, bold=bad, colour=RED if bad else None), widths[4]))
        rows.append("<w:tr>" + "".join(cells) + "</w:tr>")
        rows.append("<w:tr>" + _cell(_run("SHA-256 ", 8) + _run(sha, 8, mono=True), sum(widths), span=5) + "</w:tr>")
    _table(doc, ["Exhibit", "Wearer", "File", "Duration", "Re-verified at export"], rows, widths)


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
        mark = unverified_mark(entry, report)
        if mark:
            _para(doc, mark, bold=True, colour=RED, size=9)
        before, quote, after = statement_parts(entry, tz)
        runs = _run(before) + (_run(quote) if quote is not None else "") + (_run(after) if after else "")
        runs += "<w:r><w:br/></w:r>" + _run(detail_line(entry, tz, report), 9, colour=GREY)
        if entry.annotation.note:
            runs += "<w:r><w:br/></w:r>" + _run("Note: " + entry.annotation.note, 9, colour=GREY)
        _append(doc, f"<w:p {_W}>{runs}</w:p>")
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
    for entry in report.quoted_entries:
        a = entry.annotation
        span = format_ms(a.start_ms) + (f"\n–{format_ms(a.end_ms)}" if a.end_ms is not None else "")
        rows.append([clock_text(entry, tz) or "", entry.exhibit.ref, span, entry.category.name,
                     a.speaker, a.text, status_text(report, entry)])
    widths = [1.5, 1.6, 2.2, 2.2, 2.3, 5.8, 1.4]
    _table(doc, ["Clock", "Exhibit", "File time", "Category", "Speaker", "Words", "Status"],
           [_row(r, widths) for r in rows], widths)


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
    props.comments = audit_head(report)  # Word keeps at most 255 characters here
