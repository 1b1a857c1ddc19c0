"""The statement extract as PDF: the same content as the HTML and DOCX, in any script.

Set by our own small typesetter (pdf_text, pdf_layout) over HarfBuzz shaping, the Unicode
bidirectional algorithm and fontTools subsetting, written by pdf_writer: every font is
embedded, Arabic and Hebrew read right to left, a quote of any length runs on over as many
pages as it needs (table rows split across pages), and the text layer gives every quote
back. reportlab (a LayoutError on a row taller than a page, Arabic drawn backwards, boxes
for CJK) and fpdf2 (28 s for 1,000 shaped table rows: it re-measures a line per character)
were measured and set aside; see docs/pdf.md.

Verification problems come first on page 1 (a boxed warning and a numbered list), then the
audit head and the signing keys the case lists; so does a notice when some character could
not be drawn by any font here (it is shown as its code point, [U+1F9CC], never as a box).
A quote verification cannot vouch for is headed UNTRUSTED. The PDF's Keywords hold the audit
head and the key fingerprints in plain text, where ``verify --statement`` finds them without
a PDF reader.
"""

from __future__ import annotations

from functools import cache

from ..timecode import format_ms
from .pdf_fonts import FontChain
from .pdf_layout import Layout, Para, Picture, Table
from .pdf_text import Style, Typesetter, missing_text
from .pdf_writer import PdfWriter
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

BLACK, GREY, RED = (0.0, 0.0, 0.0), (0.27, 0.27, 0.27), (0.69, 0.0, 0.0)
BODY = Style(10.5)
TITLE = Style(15, bold=True)
H2, H3 = Style(12.5, bold=True), Style(10.5, bold=True)
META = Style(9, colour=GREY)
DETAIL = Style(8.5, colour=GREY)
WARN = Style(10.5, bold=True, colour=RED)
UNVERIFIED = Style(9, bold=True, colour=RED)
CELL, CELL_BOLD, CELL_BAD = Style(7.5), Style(7.5, bold=True), Style(7.5, bold=True, colour=RED)
WARN_BOX = ((0.69, 0.0, 0.0), (1.0, 0.93, 0.93))
CM = 28.3465
EXHIBIT_WIDTHS = [1.6, 3.0, 4.6, 2.2, 5.6]
LOG_WIDTHS = [1.4, 1.3, 2.4, 2.2, 2.3, 5.5, 1.8]  # status wide enough for "UNTRUSTED"
_BREAKS = str.maketrans({"\t": "    ", "\u2028": "\n", "\u2029": "\n"})


def _t(text: str) -> str:
    """Case text as the PDF sets it: control characters as their symbols, tabs as spaces."""
    return printable(text).translate(_BREAKS)


@cache
def _chain() -> FontChain:
    return FontChain()


def typesetter() -> Typesetter:
    """A typesetter over the statements' font chain (the disclosure report is set with it too)."""
    return Typesetter(_chain())


page_text = _t  # the statements' rule for case text on a page, for other PDFs made here


def render_pdf(report: Report) -> bytes:
    case = report.case
    title = f"Statement extract: {case.reference} {case.title}".strip()
    pdf = PdfWriter({"Title": _t(title)[:1000], "Author": f"bwv-review {report.tool_version}",
                     "Subject": "Statement extract from body-worn video", "Creator": f"bwv-review {report.tool_version}",
                     "Producer": f"bwv-review {report.tool_version}", "Keywords": provenance_keywords(report)},
                    report.generated)
    ts = typesetter()
    lay = Layout(ts, pdf)
    lay.para(Para([(_t(title), TITLE)], after=6))
    heading = problems_heading(report)
    if heading:  # before anything else the page says
        text = "\n".join([heading, *(f"{n}. {p}" for n, p in enumerate(report.verification_problems, start=1))])
        lay.para(Para([(_t(text), WARN)], before=6, after=8, box=WARN_BOX))
    lay.para(Para([(_t(f"Case reference: {case.reference}"), META)]))
    lay.para(Para([(_t(f"Reviewer(s): {', '.join(case.reviewers)} · Times in {report.tz}"), META)]))
    _first_page(lay, report, ts)
    lay.para(Para([("Exhibits viewed", H2)], before=12, after=4))
    lay.table(_exhibits(report))
    for line in clock_lines(report):
        lay.para(Para([(_t(line), META)]))
    lay.para(Para([("Chronology", H2)], before=12, after=4))
    _narrative(lay, report)
    lay.para(Para([("Log", H2)], before=12, after=4))
    lay.table(_log(report))
    lay.para(Para([("Integrity", H2)], before=12, after=4))
    lay.para(Para([(_t(audit_text(report)), META)]))
    lay.para(Para([(_t(keys_text(report)), META)]))
    if ts.missing:
        shown = ", ".join(missing_text(c) for c in list(ts.missing)[:200])
        lay.para(Para([(f"Shown by their Unicode code points because no font here can draw them: {shown}.", META)]))
    lay.para(Para([(_t(provenance_text(report)), META)]))
    lay.finish(_t(f"{case.reference} · generated {report.generated_text}"), META)
    return pdf.finish()


def _first_page(lay: Layout, report: Report, ts: Typesetter) -> None:
    """What a reader must see on page 1 after the verification problems: the audit head and
    keys, characters no font can draw, warnings."""
    lay.para(Para([(_t(audit_head(report).capitalize()), META)]))
    lay.para(Para([(_t(keys_text(report)), META)]))
    absent = _absent(ts, report)
    if absent:
        listed = " ".join(missing_text(c) for c in absent[:40]) + (" …" if len(absent) > 40 else "")
        lay.para(Para([(f"Some characters in this case cannot be drawn by any font available here; they are "
                        f"shown as their Unicode code points ({listed}). The words are otherwise exact, and "
                        "copying the text gives the characters themselves.", WARN)], before=6, after=8,
                      box=WARN_BOX))
    for warning in report.other_warnings:
        lay.para(Para([(_t(warning), WARN)], before=6, after=8, box=WARN_BOX))


def _absent(ts: Typesetter, report: Report) -> list[str]:
    """Characters of the case no font in the chain has (checked before laying out page 1)."""
    seen: set[str] = set()
    for e in report.entries:
        a = e.annotation
        seen.update(a.text, a.speaker, a.note, e.category.name, e.exhibit.ref, e.exhibit.wearer)
    seen.update(report.case.title, report.case.reference, *report.case.reviewers)
    primary = ts.chain.primary.cmap
    out = []
    for ch in sorted(seen):
        if ord(ch) in primary or not _t(ch).strip():
            continue
        shown = _t(ch)
        if ts.chain.face_for(shown) is None and not all(0xFE00 <= ord(c) <= 0xFE0F for c in shown):
            import unicodedata  # noqa: PLC0415

            if unicodedata.category(shown[0]) not in ("Cf", "Mn", "Me", "Mc"):
                out.append(shown)
    return out


def _exhibits(report: Report) -> Table:
    widths = [w * CM for w in EXHIBIT_WIDTHS]
    head = [[(h, CELL_BOLD)] for h in ("Exhibit", "Wearer", "File", "Duration", "Re-verified at export")]
    rows = []
    for rec, (ref, wearer, name, duration, sha, check) in zip(report.exhibits, exhibit_rows(report), strict=True):
        rows.append([[(_t(v), CELL)] for v in (ref, wearer, name, duration)]
                    + [[(_t(check), CELL if rec.check == "verified" else CELL_BAD)]])
        rows.append([[("SHA-256 ", CELL), (sha, CELL)]])
    return Table(widths, head, rows)


def _narrative(lay: Layout, report: Report) -> None:
    tz = report.tz
    entries = report.statement_entries
    if not entries:
        lay.para(Para([("No verified annotations match this export.", BODY)]))
    heading = None
    for entry in entries:
        day = date_heading(entry, tz) or "Exhibits without a known start time (file time only)"
        before, quote, after = statement_parts(entry, tz)
        pieces = [(_t(before), BODY)]
        if quote is not None:
            pieces.append((_t(quote), BODY))
        if after:
            pieces.append((_t(after), BODY))
        mark = unverified_mark(entry, report)
        # The day's heading and an UNVERIFIED/UNTRUSTED warning stay on the page with the
        # first lines of their quote: a quote must never start a page without its warning.
        paras = [Para([(_t(day), H3)], before=8, after=3)] if day != heading else []
        paras += [Para([(_t(mark), UNVERIFIED)], after=1)] if mark else []
        paras.append(Para(pieces))
        broken = [lay.lines(p) for p in paras]
        lay.keep(sum(lay.extent(p, lines) for p, lines in zip(paras[:-1], broken, strict=False))
                 + lay.extent(paras[-1], broken[-1], first=2))
        for p, lines in zip(paras, broken, strict=True):
            lay.para(p, lines)
        heading = day
        detail = [(_t(detail_line(entry, tz, report)), DETAIL)]
        if entry.annotation.note:
            detail.append(("\n" + _t("Note: " + entry.annotation.note), DETAIL))
        lay.para(Para(detail, after=8))
        still = report.stills.get(entry.annotation.id)
        if still:
            lay.picture(Picture(still.png, 12 * CM))
            lay.para(Para([(_t(still.caption), META)], after=6))
    if report.omitted_from_statement:
        lay.para(Para([(f"{report.omitted_from_statement} annotation(s) not verified are not included; they are in "
                        "the full log export (CSV, XLSX, JSON).", META)]))


def _log(report: Report) -> Table:
    tz = report.tz
    widths = [w * CM for w in LOG_WIDTHS]
    head = [[(h, CELL_BOLD)] for h in ("Clock", "Exhibit", "File time", "Category", "Speaker", "Words", "Status")]
    rows = []
    for entry in report.quoted_entries:
        a = entry.annotation
        span = format_ms(a.start_ms) + (f"\n–{format_ms(a.end_ms)}" if a.end_ms is not None else "")
        rows.append([[(_t(v), CELL)] for v in (clock_text(entry, tz) or "", entry.exhibit.ref, span,
                                               entry.category.name, a.speaker, a.text,
                                               status_text(report, entry))])
    return Table(widths, head, rows)
