"""The log as subtitles (SRT, WebVTT): one cue per annotation, in file time, so it replays
next to the footage in VLC or mpv. Point annotations last ``DEFAULT_POINT_MS``.

Subtitles are for watching, not the record: a blank line inside a quote would end the cue,
so blank lines are folded (the CSV/JSON/statement keep the words exactly). When the case
failed verification, the first cue (from 0 s) says so and lists the problems; quotes it
cannot vouch for are labelled UNTRUSTED. WebVTT also carries the audit head and signing
keys in a NOTE; SRT has no place for text that is not shown, so it carries neither.
"""

from __future__ import annotations

import re
from datetime import timedelta

import srt

from ..chronology import Entry
from ..transcripts import machine_words
from .report import (
    DEFAULT_POINT_MS,
    Report,
    audit_head,
    keys_text,
    printable,
    problems_heading,
    status_text,
)


def cue_span(entry: Entry) -> tuple[int, int]:
    a = entry.annotation
    end = a.end_ms if a.end_ms is not None and a.end_ms > a.start_ms else a.start_ms + DEFAULT_POINT_MS
    return a.start_ms, end


def cue_text(entry: Entry, report: Report | None = None) -> str:
    a = entry.annotation
    label = entry.category.name
    status = status_text(report, entry)
    if status != "verified":
        label += f", {status.upper()}"
    head = f"[{label}]"
    if a.speaker:
        head += f" {printable(a.speaker)}:"
    body = printable(a.text).replace("\r", "\n")
    body = re.sub(r"\n\s*\n+", "\n", body).strip("\n")
    text = f"{head} {body}" if body else head
    machine = machine_words(a) if a.status != "verified" else None
    if machine:  # words the model was unsure of [?] or was told to listen for [*]
        text += f"\n(machine draft: {printable(machine)})"
    return text


WARNING_MS = 5000


def footage_warning(report: Report, exhibit_id: int) -> str | None:
    """A cue shown first when the case failed verification or this exhibit's footage failed
    its re-check (stated, not hidden)."""
    rec = next(r for r in report.exhibits if r.exhibit.id == exhibit_id)
    lines = []
    heading = problems_heading(report)
    if heading:
        lines += [f"[bwv-review] {heading}", *(printable(p).replace("\n", " ") for p in report.verification_problems)]
    if rec.check not in ("verified", "not-checked"):
        lines.append(f"[bwv-review] {rec.check_text}")
    return "\n".join(lines) or None


def render_srt(report: Report, exhibit_id: int) -> bytes:
    subs = []
    warning = footage_warning(report, exhibit_id)
    if warning:
        subs.append(srt.Subtitle(1, timedelta(0), timedelta(milliseconds=WARNING_MS), warning))
    for entry in report.entries_for(exhibit_id):
        start, end = cue_span(entry)
        subs.append(srt.Subtitle(len(subs) + 1, timedelta(milliseconds=start), timedelta(milliseconds=end),
                                 cue_text(entry, report)))
    return srt.compose(subs, reindex=False).encode("utf-8")


def _vtt_time(ms: int) -> str:
    hours, rem = divmod(ms, 3_600_000)
    minutes, rem = divmod(rem, 60_000)
    seconds, millis = divmod(rem, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _vtt_escape(text: str) -> str:
    # Cue text is markup: & < > must be escaped; that also rules out a stray "-->".
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(report: Report, exhibit_id: int) -> bytes:
    rec = next(r for r in report.exhibits if r.exhibit.id == exhibit_id)
    title = f"{rec.exhibit.ref} {rec.file_name}".replace("-->", "- ->").replace("\n", " ")
    lines = [f"WEBVTT - {title}", ""]
    note = [*([problems_heading(report), *report.verification_problems] if report.verification_problems else []),
            f"{rec.exhibit.ref} SHA-256 {rec.exhibit.sha256}: {rec.check_text}.",
            f"Case {audit_head(report)} ({report.audit_rows} entries). {keys_text(report)}",
            f"Generated {report.generated_text} by bwv-review {report.tool_version}."]
    note = [printable(n).replace("\n", " ") for n in note]
    lines += ["NOTE", *(_vtt_escape(n).replace("-->", "- ->") for n in note), ""]
    warning = footage_warning(report, exhibit_id)
    if warning:
        lines += ["footage-warning", f"{_vtt_time(0)} --> {_vtt_time(WARNING_MS)}", _vtt_escape(warning), ""]
    for entry in report.entries_for(exhibit_id):
        start, end = cue_span(entry)
        lines.append(f"annotation-{entry.annotation.id}")
        lines.append(f"{_vtt_time(start)} --> {_vtt_time(end)}")
        lines.append(_vtt_escape(cue_text(entry, report)))
        lines.append("")
    return "\n".join(lines).encode("utf-8")
