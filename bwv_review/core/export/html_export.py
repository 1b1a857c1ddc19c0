"""The statement extract as one self-contained HTML page (no scripts, no outside files).

Every piece of case text goes through ``html.escape``; a Content-Security-Policy forbids
scripts even if something slipped through. Verbatim words keep their line breaks
(``white-space: pre-wrap``) and their direction (``dir="auto"`` per quote).
"""

from __future__ import annotations

import base64
from html import escape

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
    provenance_text,
    statement_parts,
    status_text,
    unverified_mark,
)
from .scripts import script_runs

CSS = """
body { font-family: "Segoe UI", "DejaVu Sans", Arial, sans-serif; font-size: 11pt; margin: 2em auto;
       max-width: 60em; color: #111; }
h1 { font-size: 16pt; margin-bottom: 0.2em; } h2 { font-size: 13pt; margin-top: 1.6em; }
h3 { font-size: 11pt; margin: 1.2em 0 0.4em; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { border: 1px solid #999; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #eee; }
.hash { font-family: "DejaVu Sans Mono", Consolas, monospace; word-break: break-all; }
.quote, .text { white-space: pre-wrap; }
.entry { margin: 0 0 0.9em; } .detail { color: #444; font-size: 9pt; margin-top: 0.15em; }
.warning { border: 2px solid #b00; background: #fee; color: #700; padding: 0.5em 0.8em; font-weight: bold; }
.unverified { color: #b00; font-weight: bold; } .bad { color: #b00; font-weight: bold; }
.meta { color: #444; font-size: 9pt; }
@media print { body { margin: 0; max-width: none; } }
"""


def _e(text: str) -> str:
    return escape(printable(text), quote=True)


def _words(text: str) -> str:
    """Case words, escaped, each run of another script marked with its language and direction."""
    out = []
    for part, tag, rtl in script_runs(printable(text)):
        part = escape(part, quote=True)
        if tag or rtl:
            lang = f' lang="{tag}"' if tag else ""
            out.append(f'<span{lang} dir="{"rtl" if rtl else "ltr"}">{part}</span>')
        else:
            out.append(part)
    return "".join(out)


def render_html(report: Report) -> bytes:
    case = report.case
    title = f"Statement extract: {case.reference} {case.title}".strip()
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f'<meta name="generator" content="bwv-review {_e(report.tool_version)}">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(title)}</h1>",
    ]
    heading = problems_heading(report)
    if heading:
        out.append(f'<div class="warning" id="verification-problems"><p>{_e(heading)}</p><ol>')
        out += [f"<li>{_e(p)}</li>" for p in report.verification_problems]
        out.append("</ol></div>")
    out += [
        f'<p class="meta">Case reference: {_e(case.reference)} · Reviewer(s): '
        f"{_e(', '.join(case.reviewers))} · Times in {_e(report.tz)}</p>",
        f'<p class="meta hash">{_e(audit_head(report).capitalize())}<br>{_e(keys_text(report))}</p>',
    ]
    out += [f'<p class="warning">{_e(w)}</p>' for w in report.other_warnings]
    out += _exhibits(report)
    out += _narrative(report)
    out += _log_table(report)
    out += [
        "<h2>Integrity</h2>",
        f'<p class="hash">{_e(audit_text(report))}</p>',
        f'<p class="hash">{_e(keys_text(report))}</p>',
        f'<p class="meta">{_e(provenance_text(report))}</p>',
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out).encode("utf-8")


def _exhibits(report: Report) -> list[str]:
    out = ["<h2>Exhibits viewed</h2>", "<table>",
           "<tr><th>Exhibit</th><th>Wearer</th><th>File</th><th>Duration</th>"
           "<th>Re-verified at export</th></tr>"]
    for rec, row in zip(report.exhibits, exhibit_rows(report), strict=True):
        ref, wearer, name, duration, sha, check = row
        cls = "" if rec.check == "verified" else ' class="bad"'
        out.append(
            f"<tr><td>{_e(ref)}</td><td>{_e(wearer)}</td><td>{_e(name)}</td><td>{_e(duration)}</td>"
            f"<td{cls}>{_e(check)}</td></tr>"
            f'<tr><td colspan="5">SHA-256 <span class="hash">{_e(sha)}</span></td></tr>'
        )
    out.append("</table>")
    out += [f'<p class="meta">{_e(line)}</p>' for line in clock_lines(report)]
    return out


def _narrative(report: Report) -> list[str]:
    tz = report.tz
    out = ["<h2>Chronology</h2>"]
    entries = report.statement_entries
    if not entries:
        out.append("<p>No verified annotations match this export.</p>")
    heading = None
    for entry in entries:
        day = date_heading(entry, tz) or "Exhibits without a known start time (file time only)"
        if day != heading:
            heading = day
            out.append(f"<h3>{_e(day)}</h3>")
        before, quote, after = statement_parts(entry, tz)
        mark = unverified_mark(entry, report)
        out.append(f'<div class="entry" id="annotation-{entry.annotation.id}">')
        if mark:
            out.append(f'<div class="unverified">{_e(mark)}</div>')
        quote_html = f'<span class="quote" dir="auto">{_words(quote)}</span>' if quote is not None else ""
        out.append(f"<div>{_e(before)}{quote_html}{_e(after)}</div>")
        out.append(f'<div class="detail">{_e(detail_line(entry, tz, report))}</div>')
        if entry.annotation.note:
            out.append(f'<div class="detail">Note: <span class="text">{_words(entry.annotation.note)}</span></div>')
        still = report.stills.get(entry.annotation.id)
        if still:
            data = base64.b64encode(still.png).decode("ascii")
            out.append(f'<figure><img alt="{_e(still.caption)}" src="data:image/png;base64,{data}" '
                       f'style="max-width: 100%"><figcaption>{_e(still.caption)}</figcaption></figure>')
        out.append("</div>")
    if report.omitted_from_statement:
        out.append(f'<p class="meta">{report.omitted_from_statement} annotation(s) not verified are not '
                   "included; they are in the full log export (CSV, XLSX, JSON).</p>")
    return out


def _log_table(report: Report) -> list[str]:
    tz = report.tz
    out = ["<h2>Log</h2>", "<table>",
           "<tr><th>Clock</th><th>Exhibit</th><th>File time</th><th>Category</th><th>Speaker</th>"
           "<th>Words</th><th>Status</th></tr>"]
    for entry in report.quoted_entries:
        a = entry.annotation
        clock = clock_text(entry, tz) or ""
        span = format_ms(a.start_ms) + (f"–{format_ms(a.end_ms)}" if a.end_ms is not None else "")
        out.append(
            f"<tr><td>{_e(clock)}</td><td>{_e(entry.exhibit.ref)}</td><td>{_e(span)}</td>"
            f"<td>{_e(entry.category.name)}</td><td>{_words(a.speaker)}</td>"
            f'<td class="text" dir="auto">{_words(a.text)}</td><td>{_e(status_text(report, entry))}</td></tr>'
        )
    out.append("</table>")
    return out

