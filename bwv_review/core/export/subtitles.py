"""The log as subtitles (SRT, WebVTT): one cue per annotation, in file time, so it replays
next to the footage in VLC or mpv. Point annotations last ``DEFAULT_POINT_MS``, never past
the end of the footage.

Subtitles are for watching, not the record (the CSV, JSON and statements keep the words
exactly), and a player reads their text as markup. So no words (text, speaker or category)
can split a cue, add one or restyle one: blank lines are folded, a speaker or category is
one line, and in SRT every ``<``, ``{``, ``\\`` and ``-->`` is followed by an invisible
zero-width space (and a line starting with a digit or ``-`` gets one in front) so that no
player or parser (VLC, mpv/libass, ffmpeg, the ``srt`` library) takes it for a tag, an ASS
override, an escape, a cue number or a timing line; WebVTT escapes ``& < >`` as its
specification says.

When the case failed verification, the first cue (from 0 s) says so and lists the problems;
quotes it cannot vouch for are labelled UNTRUSTED. WebVTT also carries the audit head and
signing keys in a NOTE; SRT has no place for text that is not shown, so it carries neither.
"""

from __future__ import annotations

from datetime import timedelta

import srt

from ..chronology import Entry
from ..transcripts import machine_words
from .report import (
    Report,
    audit_head,
    keys_text,
    point_span,
    printable,
    problems_heading,
    status_text,
)

ZWSP = "\u200b"
# Line breaks a parser may honour besides LF: CR, vertical tab, form feed, NEL, LS, PS.
_BREAKS = str.maketrans({c: "\n" for c in "\r\x0b\x0c\x85\u2028\u2029"})
_SRT_MARKUP = str.maketrans({"<": "<" + ZWSP, "{": "{" + ZWSP, "\\": "\\" + ZWSP})


def _lines(text: str) -> list[str]:
    """The text's lines with blank (or whitespace-only) ones dropped: a blank line ends a cue."""
    return [line for line in printable((text or "").translate(_BREAKS)).split("\n") if line.strip()]


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in _lines(text))


def cue_lines(entry: Entry, report: Report | None = None) -> list[str]:
    a = entry.annotation
    label = _one_line(entry.category.name)
    status = status_text(report, entry)
    if status != "verified":
        label += f", {status.upper()}"
    head = f"[{label}]"
    if _one_line(a.speaker):
        head += f" {_one_line(a.speaker)}:"
    body = _lines(a.text)
    lines = [f"{head} {body[0]}" if body else head, *body[1:]]
    machine = machine_words(a) if a.status != "verified" else None
    if machine:  # words the model was unsure of [?] or was told to listen for [*]
        lines.append(f"(machine draft: {_one_line(machine)})")
    return lines


def cue_text(entry: Entry, report: Report | None = None) -> str:
    return "\n".join(cue_lines(entry, report))


def srt_safe(line: str) -> str:
    line = line.translate(_SRT_MARKUP).replace("-->", "--" + ZWSP + ">")
    # A line starting with a number (or a time) may be taken for the next cue's index or
    # timing by lenient parsers, even without a blank line before it.
    return ZWSP + line if line.lstrip()[:1] in tuple("-0123456789") else line


WARNING_MS = 5000


def _record(report: Report, exhibit_id: int):
    return next(r for r in report.exhibits if r.exhibit.id == exhibit_id)


def footage_warning(report: Report, exhibit_id: int) -> str | None:
    """A cue shown first when this exhibit's footage failed its re-check (stated, not hidden)."""
    rec = _record(report, exhibit_id)
    return None if rec.check in ("verified", "not-checked") else f"[bwv-review] {rec.check_text}"


def _first_cue(report: Report, exhibit_id: int) -> list[str]:
    """The lines of the cue shown first (from 0 s): the verification problems, then this
    exhibit's footage re-check when it failed; empty when there is nothing to say."""
    heading = problems_heading(report)
    lines = [f"[bwv-review] {heading}", *report.verification_problems] if heading else []
    warning = footage_warning(report, exhibit_id)
    return [*lines, warning] if warning else lines


def render_srt(report: Report, exhibit_id: int) -> bytes:
    duration = _record(report, exhibit_id).exhibit.duration_ms
    subs = []
    first = _first_cue(report, exhibit_id)
    if first:
        end = min(WARNING_MS, duration) if duration > 0 else WARNING_MS
        subs.append(srt.Subtitle(1, timedelta(0), timedelta(milliseconds=end),
                                 "\n".join(srt_safe(" ".join(_lines(w))) for w in first)))
    for entry in report.entries_for(exhibit_id):
        start, end = point_span(entry.annotation, duration)
        subs.append(srt.Subtitle(len(subs) + 1, timedelta(milliseconds=start), timedelta(milliseconds=end),
                                 "\n".join(srt_safe(line) for line in cue_lines(entry, report))))
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
    rec = _record(report, exhibit_id)
    duration = rec.exhibit.duration_ms
    title = _one_line(f"{rec.exhibit.ref} {rec.file_name}").replace("-->", "- ->")
    lines = [f"WEBVTT - {title}", ""]
    note = [*([problems_heading(report), *report.verification_problems] if report.verification_problems else []),
            f"{rec.exhibit.ref} SHA-256 {rec.exhibit.sha256}: {rec.check_text}.",
            f"Case {audit_head(report)} ({report.audit_rows} entries). {keys_text(report)}",
            f"Generated {report.generated_text} by bwv-review {report.tool_version}."]
    lines += ["NOTE", *(_vtt_escape(_one_line(n)).replace("-->", "- ->") for n in note), ""]
    first = _first_cue(report, exhibit_id)
    if first:
        end = min(WARNING_MS, duration) if duration > 0 else WARNING_MS
        lines += ["footage-warning", f"{_vtt_time(0)} --> {_vtt_time(end)}",
                  *(_vtt_escape(_one_line(w)) for w in first), ""]
    for entry in report.entries_for(exhibit_id):
        start, end = point_span(entry.annotation, duration)
        lines.append(f"annotation-{entry.annotation.id}")
        lines.append(f"{_vtt_time(start)} --> {_vtt_time(end)}")
        lines += [_vtt_escape(line) for line in cue_lines(entry, report)]
        lines.append("")
    return "\n".join(lines).encode("utf-8")
