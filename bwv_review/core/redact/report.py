"""The disclosure report: what was redacted in a copy, where, when, why and by whom.

One list of lines and rows, rendered as Word (python-docx) or PDF (the statements'
typesetter, export/pdf_*.py). It names
the case and exhibit, both files with their SHA-256 (the original, checked against the
hash taken when it was added, and the copy), what else was taken out (metadata, other
streams), then every redaction applied, with its times as file time and, where the
exhibit's start is known, clock time, and the audit head and signing keys in the words
every export uses (``audit head N:HASH``, also in the file's keywords), so
``bwv-review verify CASE --statement REPORT`` proves whether the case still holds the
state the copy was made from.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..export.report import printable
from ..export.wording import head_phrase, shown_key
from ..model import Exhibit
from ..seals import signing_keys
from ..store import CaseStore
from ..timecode import clock_at, format_ms, local
from .model import Redaction


@dataclass
class Content:
    title: str
    facts: list[tuple[str, str]]  # label, value
    rows: list[list[str]]  # the redactions
    notes: list[str]
    made: datetime  # when the copy was made (UTC): the PDF's dates, so the same copy gives the same bytes
    keywords: str = ""  # the audit head and key fingerprints, for the file's metadata


HEADER = ["#", "What", "Where (pixels as shown)", "When (file time)", "Clock time", "Why", "Status, by whom"]


def content(store: CaseStore, exhibit: Exhibit, copy: dict, applied: list[Redaction], actor: str,
            warnings: list[str]) -> Content:
    case = store.case()
    settings = json.loads(copy.get("settings") or "{}")
    rows_audit, head = store.audit_head()
    keys = signing_keys(store.db)
    facts = [
        ("Case", f"{case.reference} {case.title}".strip()),
        ("Exhibit", f"{exhibit.ref}" + (f" (worn by {exhibit.wearer})" if exhibit.wearer else "")),
        ("Original footage", Path(exhibit.path).name),
        ("Original SHA-256", f"{copy['source_sha256']} (checked against the hash taken when it was added, "
                             f"{exhibit.added or 'on import'})"),
        ("Redacted copy", Path(copy["path"]).name),
        ("Copy SHA-256", copy["sha256"]),
        ("Copy", f"{copy['frames']} frames, {format_ms(copy['duration_ms'])}: frame for frame and time for time "
                 "the original's (checked after writing)"),
        ("Encoded as", f"H.264 ({settings.get('video', '')}), AAC ({settings.get('audio', '')}), MP4"),
        ("Also removed", "all metadata (creation time, location, make, model, serial numbers, handler names); "
                         + (", ".join(settings.get("streams_dropped") or []) or "no other streams")),
        ("Burned-in line", copy.get("label") or "none"),
        ("Made by", f"{actor}, {copy['made']}"),
        ("Case audit", f"{head_phrase(rows_audit, head)} ({rows_audit} entries before this copy was recorded; "
                       "`bwv-review verify CASE --statement THIS-FILE` shows whether the case still holds that "
                       "state, and what was added since)"),
        ("Signing keys", "; ".join(f"{name} {shown_key(fpr)}" for name, fpr in keys)
         or "none (this case's format has no signatures)"),
    ]
    rows = []
    for n, r in enumerate(applied, 1):
        rows.append([
            str(r.id if r.id is not None else n),
            _what(r),
            r.describe_where().split(", ", 1)[0] if r.kind == "picture" else "(sound)",
            r.describe_when(),
            _clock(exhibit, r, case.timezone),
            r.reason or "(no reason given)",
            f"{r.status}, {r.reviewer or 'unknown'}" + (" (face suggestion confirmed)" if r.source.startswith("faces:") and r.status == "confirmed" else ""),
        ])
    notes = list(warnings)
    if not applied:
        notes.append("No redaction was applied.")
    title = f"Disclosure report: redacted copy of exhibit {exhibit.ref}"
    made = datetime.fromisoformat(copy["made"])
    made = made.astimezone(UTC) if made.tzinfo else made.replace(tzinfo=UTC)
    keywords = "; ".join([head_phrase(rows_audit, head), *(shown_key(fpr) for _, fpr in keys)])
    return Content(title, facts, rows, notes, made, keywords)


def _what(r: Redaction) -> str:
    if r.kind == "sound":
        return "sound muted" if r.audio == "mute" else "sound replaced by a tone"
    style = "pixelated" if r.style == "pixelate" else "filled solid"
    moving = f", moving ({len(r.keyframes)} keyframes)" if len(r.keyframes) > 1 else ""
    return f"picture {r.shape}, {style}{moving}"


def _clock(exhibit: Exhibit, r: Redaction, tz: str) -> str:
    start = local(clock_at(exhibit.recording_start, r.start_ms), tz)
    end = local(clock_at(exhibit.recording_start, r.end_ms), tz)
    if start is None or end is None:
        return "(start of recording not known)"
    return f"{start:%Y-%m-%d %H:%M:%S}.{start.microsecond // 1000:03d} to {end:%H:%M:%S}.{end.microsecond // 1000:03d} {start:%Z}"


def render_report(store: CaseStore, exhibit: Exhibit, copy: dict, applied: list[Redaction], actor: str,
                  suffix: str, warnings: list[str]) -> bytes:
    data = content(store, exhibit, copy, applied, actor, warnings)
    return render_pdf(data) if suffix == ".pdf" else render_docx(data)


def render_docx(data: Content) -> bytes:
    from docx import Document  # noqa: PLC0415
    from docx.enum.section import WD_ORIENT  # noqa: PLC0415
    from docx.shared import Cm, Pt  # noqa: PLC0415

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    doc.add_heading(printable(data.title), level=1)
    facts = doc.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    for label, value in data.facts:
        cells = facts.add_row().cells
        cells[0].text, cells[1].text = label, printable(value)
        cells[0].paragraphs[0].runs[0].bold = True
    for note in data.notes:
        doc.add_paragraph(printable(note)).runs[0].bold = True
    doc.add_heading(f"Redactions applied ({len(data.rows)})", level=2)
    table = doc.add_table(rows=1, cols=len(HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in data.rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = printable(text)
    for tbl in (facts, table):
        for r in tbl.rows:
            for cell in r.cells:
                for para in cell.paragraphs:
                    for run in para.runs:
                        run.font.size = Pt(9)
    doc.core_properties.title = data.title
    doc.core_properties.author = "bwv-review"
    doc.core_properties.keywords = data.keywords
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render_pdf(data: Content) -> bytes:
    """The report as PDF, landscape A4, set by the statements' typesetter (any script, every
    font embedded, rows split across pages with the header repeated)."""
    from ..export.pdf_export import page_text, typesetter  # noqa: PLC0415 - fonts load on first use
    from ..export.pdf_layout import A4, Layout, Para, Table  # noqa: PLC0415
    from ..export.pdf_text import Style  # noqa: PLC0415
    from ..export.pdf_writer import PdfWriter  # noqa: PLC0415

    body, strong = Style(8.5), Style(8.5, bold=True)
    cm = 28.3465
    pdf = PdfWriter({"Title": page_text(data.title)[:1000], "Author": "bwv-review", "Creator": "bwv-review",
                     "Producer": "bwv-review", "Keywords": data.keywords}, data.made)
    lay = Layout(typesetter(), pdf, size=(A4[1], A4[0]))
    lay.para(Para([(page_text(data.title), Style(15, bold=True))], after=8))
    lay.table(Table([4.5 * cm, 21.2 * cm], [[("Copy", strong)], [("Record", strong)]],
                    [[[(page_text(label), strong)], [(page_text(value), body)]] for label, value in data.facts]))
    for note in data.notes:
        lay.para(Para([(page_text(note), strong)], after=2))
    lay.para(Para([(f"Redactions applied ({len(data.rows)})", Style(11.5, bold=True))], before=10, after=4))
    widths = [1.0, 3.8, 5.4, 3.8, 4.2, 3.9, 3.6]  # 25.7 cm: the page less its 2 cm margins
    lay.table(Table([w * cm for w in widths], [[(h, strong)] for h in HEADER],
                    [[[(page_text(c), body)] for c in row] for row in data.rows]))
    lay.finish(page_text(data.title), Style(8, colour=(0.27, 0.27, 0.27)))
    return pdf.finish()
