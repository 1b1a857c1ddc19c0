"""The statement extract as PDF (reportlab; a real text layer, no Qt so the CLI can run on
a server). Same content as the HTML and DOCX. A Unicode TrueType font is embedded so
accents, combining marks and non-Latin scripts come out as text, not as boxes."""

from __future__ import annotations

import io
import time
from functools import cache, partial
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..timecode import format_ms
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
    provenance_keywords,
    provenance_text,
    statement_parts,
    status_text,
    unverified_mark,
)

# Fonts with wide Unicode coverage, first found wins (Linux, Windows, macOS); reportlab's
# own Vera is the last resort (Latin only, but always there).
_FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Unicode.ttf"),
]
RED = colors.HexColor("#B00000")


@cache
def fonts() -> tuple[str, str]:
    """Register (once) and return the regular and bold font names."""
    vera = Path(reportlab.__file__).parent / "fonts"
    for regular, bold in [*_FONT_CANDIDATES, (str(vera / "Vera.ttf"), str(vera / "VeraBd.ttf"))]:
        if Path(regular).is_file() and Path(bold).is_file():
            pdfmetrics.registerFont(TTFont("BwvSans", regular))
            pdfmetrics.registerFont(TTFont("BwvSans-Bold", bold))
            return "BwvSans", "BwvSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    base = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=14, spaceAfter=2)
    return {
        "title": ParagraphStyle("title", base, fontName=bold, fontSize=15, leading=19, spaceAfter=6),
        "h2": ParagraphStyle("h2", base, fontName=bold, fontSize=12.5, leading=16, spaceBefore=12, spaceAfter=4),
        "h3": ParagraphStyle("h3", base, fontName=bold, fontSize=10.5, spaceBefore=8, spaceAfter=3),
        "body": base,
        "meta": ParagraphStyle("meta", base, fontSize=9, leading=12, textColor=colors.HexColor("#444444")),
        "detail": ParagraphStyle("detail", base, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444"),
                                 spaceAfter=8),
        "warning": ParagraphStyle("warning", base, fontName=bold, textColor=RED, borderColor=RED,
                                  borderWidth=1.2, borderPadding=5, backColor=colors.HexColor("#FFEEEE"),
                                  spaceBefore=6, spaceAfter=10),
        "unverified": ParagraphStyle("unverified", base, fontName=bold, fontSize=9, textColor=RED),
        "cell": ParagraphStyle("cell", base, fontSize=7.5, leading=9.5, spaceAfter=0),
        "cellbold": ParagraphStyle("cellbold", base, fontName=bold, fontSize=7.5, leading=9.5, spaceAfter=0),
    }


def _m(text: str) -> str:
    """Case text as reportlab paragraph markup: escaped, line breaks kept."""
    return escape(printable(text)).replace("\n", "<br/>").replace("\t", "&nbsp;&nbsp;&nbsp;&nbsp;")


def _canvas_for(report: Report):
    stamp = TimeStamp(invariant=True)
    stamp.t = report.generated.timestamp()
    stamp.lt = time.gmtime(stamp.t)
    stamp.YMDhms = tuple(stamp.lt)[:6]

    class StampedCanvas(Canvas):
        # The document's dates come from the report, so the same export gives the same bytes.
        def __init__(self, *args, **kwargs):
            kwargs["invariant"] = 1
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = stamp

    return StampedCanvas


def render_pdf(report: Report) -> bytes:
    st = _styles()
    case = report.case
    title = f"Statement extract: {case.reference} {case.title}".strip()
    story = [Paragraph(_m(title), st["title"])]
    heading = problems_heading(report)
    if heading:
        lines = [heading] + [f"{n}. {p}" for n, p in enumerate(report.verification_problems, start=1)]
        story.append(Paragraph("<br/>".join(_m(line) for line in lines), st["warning"]))
    story += [
        Paragraph(_m(f"Case reference: {case.reference}"), st["meta"]),
        Paragraph(_m(f"Reviewer(s): {', '.join(case.reviewers)} · Times in {report.tz}"), st["meta"]),
        Paragraph(_m(audit_head(report).capitalize()), st["meta"]),
        Paragraph(_m(keys_text(report)), st["meta"]),
    ]
    story += [Paragraph(_m(w), st["warning"]) for w in report.other_warnings]
    story.append(Paragraph("Exhibits viewed", st["h2"]))
    story.append(_exhibits(report, st))
    story.append(Spacer(1, 4))
    story += [Paragraph(_m(line), st["meta"]) for line in clock_lines(report)]
    story.append(Paragraph("Chronology", st["h2"]))
    story += _narrative(report, st)
    story.append(Paragraph("Log", st["h2"]))
    story += _log(report, st)
    story += [
        Paragraph("Integrity", st["h2"]),
        Paragraph(_m(audit_text(report)), st["meta"]),
        Paragraph(_m(keys_text(report)), st["meta"]),
        Paragraph(_m(provenance_text(report)), st["meta"]),
    ]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm, bottomMargin=2 * cm,
        title=printable(title), author=f"bwv-review {report.tool_version}",
        subject="Statement extract from body-worn video", creator=f"bwv-review {report.tool_version}",
        keywords=provenance_keywords(report),
        invariant=1,
    )
    footer = printable(f"{case.reference} · generated {report.generated_text}")

    def on_page(canvas, _doc) -> None:
        canvas.saveState()
        canvas.setFont(fonts()[0], 8)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(2 * cm, 1.2 * cm, footer)
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=_canvas_for(report))
    return buf.getvalue()


def _grid(data, widths, header_rows: int = 1) -> Table:
    table = Table(data, colWidths=[w * cm for w in widths], repeatRows=header_rows)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _exhibits(report: Report, st) -> Table:
    """One row per exhibit, then its SHA-256 unbroken on a full-width row."""
    head = ["Exhibit", "Wearer", "File", "Duration", "Re-verified at export"]
    data = [[Paragraph(h, st["cellbold"]) for h in head]]
    spans = []
    for rec, (ref, wearer, name, duration, sha, check) in zip(report.exhibits, exhibit_rows(report), strict=True):
        style = st["cell"] if rec.check == "verified" else ParagraphStyle("bad", st["cellbold"], textColor=RED)
        data.append([Paragraph(_m(v), st["cell"]) for v in (ref, wearer, name, duration)]
                    + [Paragraph(_m(check), style)])
        data.append([Paragraph("SHA-256 " + f'<font name="Courier">{_m(sha)}</font>', st["cell"]), "", "", "", ""])
        spans.append(("SPAN", (0, len(data) - 1), (-1, len(data) - 1)))
    table = _grid(data, [1.6, 3.0, 4.6, 2.2, 5.6])
    table.setStyle(TableStyle(spans))
    return table


def _narrative(report: Report, st) -> list:
    tz = report.tz
    out: list = []
    entries = report.statement_entries
    if not entries:
        out.append(Paragraph("No verified annotations match this export.", st["body"]))
    heading = None
    for entry in entries:
        day = date_heading(entry, tz) or "Exhibits without a known start time (file time only)"
        if day != heading:
            heading = day
            out.append(Paragraph(_m(day), st["h3"]))
        mark = unverified_mark(entry, report)
        if mark:
            out.append(Paragraph(_m(mark), st["unverified"]))
        before, quote, after = statement_parts(entry, tz)
        out.append(Paragraph(_m(before) + (_m(quote) if quote is not None else "") + _m(after), st["body"]))
        detail = _m(detail_line(entry, tz, report))
        if entry.annotation.note:
            detail += "<br/>" + _m("Note: " + entry.annotation.note)
        out.append(Paragraph(detail, st["detail"]))
        still = report.stills.get(entry.annotation.id)
        if still:
            out += [Image(io.BytesIO(still.png), width=12 * cm, height=6.75 * cm, kind="proportional"),
                    Paragraph(_m(still.caption), st["meta"]), Spacer(1, 6)]
    if report.omitted_from_statement:
        out.append(Paragraph(_m(f"{report.omitted_from_statement} annotation(s) not verified are not "
                                "included; they are in the full log export (CSV, XLSX, JSON)."), st["meta"]))
    return out


LOG_CHUNK = 150  # rows per table: reportlab re-measures a whole table at each page split
LOG_WIDTHS = [1.4, 1.3, 2.4, 2.2, 2.3, 5.6, 1.8]  # cm (status wide enough for "UNTRUSTED")
CELL_PADDING = 3  # points each side (_grid's LEFTPADDING and RIGHTPADDING)


def _fitted(text: str, style: ParagraphStyle, width_cm: float, cache: dict, wrap: bool = False) -> str | Paragraph:
    """The cell's text as a plain string when it can be drawn as one (a Paragraph draws the
    same at many times the cost), else as a Paragraph.

    A plain string is one line of single-spaced words that fits the column; with ``wrap``,
    also text broken into lines where a Paragraph breaks it (at spaces and line breaks), as
    long as every line fits as it is (a Paragraph splits a word wider than the column, and
    shrinks the spaces of a line a little too wide: those stay Paragraphs).
    """
    key = (text, width_cm, wrap)
    found = cache.get(key)
    if found is not None:
        return found
    plain = printable(text)
    if "\xad" in plain:  # a Paragraph hides soft hyphens, or breaks a word at one
        return Paragraph(_m(text), style)
    avail = width_cm * cm - 2 * CELL_PADDING
    width = partial(pdfmetrics.stringWidth, fontName=style.fontName, fontSize=style.fontSize)
    if plain == " ".join(plain.split()) and width(plain) <= avail:
        cache[key] = plain  # strings only: a Paragraph is laid out per cell and not shared
        return plain
    if wrap:
        lines: list[str] = []
        for line in plain.split("\n"):
            words = line.split(" ")
            if not line or line != " ".join(line.split()):
                break
            broken = _greedy_lines(words, avail, width, style.spaceShrinkage)
            if broken is None:
                break
            lines += broken
        else:
            cache[key] = "\n".join(lines)
            return cache[key]
    return Paragraph(_m(text), style)


def _greedy_lines(words: list[str], avail: float, width, shrink: float) -> list[str] | None:
    """Words joined into lines as Paragraph.breakLines joins them (a line takes the next word
    while its words and spaces fit, allowing ``shrink`` of each space), or None when a line
    only fits with its spaces shrunk: only a Paragraph draws that."""
    space = width(" ")
    lines: list[str] = []
    line: list[str] = []
    used = -space
    for word in words:
        w = width(word)
        if line and used + space + w > avail + shrink * space * len(line):
            lines.append(" ".join(line))
            line, used = [], -space
        if used + space + w > avail:
            return None
        line.append(word)
        used += space + w
    lines.append(" ".join(line))
    return lines


def _log(report: Report, st) -> list[Table]:
    tz = report.tz
    head = ["Clock", "Exhibit", "File time", "Category", "Speaker", "Words", "Status"]
    w = LOG_WIDTHS
    data = []
    fits: dict = {}
    for entry in report.quoted_entries:
        a = entry.annotation
        span = format_ms(a.start_ms) + (f"\n–{format_ms(a.end_ms)}" if a.end_ms is not None else "")
        # Plain strings are drawn directly: a Paragraph per cell made a 10,000-row log several
        # times slower. Free text stays a Paragraph only when a plain string would look different.
        data.append([clock_text(entry, tz) or "", printable(entry.exhibit.ref)[:12], span,
                     _fitted(entry.category.name, st["cell"], w[3], fits),
                     _fitted(a.speaker, st["cell"], w[4], fits),
                     _fitted(a.text, st["cell"], w[5], fits, wrap=True),
                     _fitted(status_text(report, entry), st["cell"], w[6], fits, wrap=True)])
    tables = []
    for i in range(0, max(len(data), 1), LOG_CHUNK):
        rows = [[Paragraph(h, st["cellbold"]) for h in head], *data[i:i + LOG_CHUNK]]
        table = _grid(rows, w)
        table.setStyle(TableStyle([("FONT", (0, 1), (-1, -1), fonts()[0], 7.5, 9.5)]))
        tables.append(table)
    return tables
