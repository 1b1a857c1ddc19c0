"""Wording shared by the export formats: statement sentences, details, integrity and
verification text, and how case text is made safe for a document or a cell.

Re-exported by ``report`` (writers import these names from there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..chronology import Entry
from ..keys import shown as shown_key
from ..timecode import clock_at, format_ms, local

if TYPE_CHECKING:
    from .report import Report


_ARTICLES = ("the ", "a ", "an ")


def speaker_phrase(speaker: str) -> str:
    """"female" -> "the female"; "PC 123 Jones" stays as written."""
    s = speaker.strip()
    if s and s[0].islower() and not s.casefold().startswith(_ARTICLES):
        return "the " + s
    return s


def clock_text(entry: Entry, tz: str) -> str | None:
    start = local(entry.clock_start, tz)
    return start.strftime("%H:%M:%S") if start else None


def date_heading(entry: Entry, tz: str) -> str | None:
    start = local(entry.clock_start, tz)
    if start is None:
        return None
    return f"{start.strftime('%A')} {start.day} {start.strftime('%B %Y')} ({start.tzname()})"


def _members(entry: Entry) -> tuple[Entry, ...]:
    return entry.members if hasattr(entry, "members") else (entry,)


def lead_in(entry: Entry, tz: str) -> str:
    """``At 23:41:07 (00:06:12.400 into exhibit CD/1)``, or file time alone without a clock.

    A linked event cites every exhibit it was heard on, in clock order:
    ``At 23:41:07 (00:06:12.400 into exhibit CD/1; 00:03:10.200 into exhibit AB/1)``.
    """
    at = "; ".join(f"{format_ms(e.annotation.start_ms)} into exhibit {e.exhibit.ref}" for e in _members(entry))
    clock = clock_text(entry, tz)
    if clock:
        return f"At {clock} ({at})"
    return f"At {at}"


def statement_parts(entry: Entry, tz: str) -> tuple[str, str | None, str]:
    """(words before the quote, the verbatim quote or None, words after it).

    With a speaker: ``At ... the female says: "He strangled me."``; without one (an action or
    observation) the text is given after the category, still exactly as recorded.
    """
    a = entry.annotation
    head = lead_in(entry, tz)
    if a.speaker.strip():
        if a.text:
            return f"{head} {speaker_phrase(a.speaker)} says: \"", a.text, '"'
        return f"{head} {speaker_phrase(a.speaker)} speaks ({entry.category.name}; no words recorded).", None, ""
    if a.text:
        return f"{head}, {entry.category.name}: ", a.text, ""
    return f"{head}, {entry.category.name}.", None, ""


def statement_sentence(entry: Entry, tz: str) -> str:
    before, quote, after = statement_parts(entry, tz)
    return before + (quote or "") + after


def detail_line(entry: Entry, tz: str, report: Report | None = None) -> str:
    a = entry.annotation
    bits = [f"Category: {entry.category.name}"]
    if a.speaker:
        bits.append(f"Speaker: {a.speaker}")
    bits.append(f"Status: {status_text(report, entry)}")
    if a.end_ms is not None:
        end = local(entry.clock_end, tz)
        bits.append(f"Ends: {format_ms(a.end_ms)}" + (f" ({end.strftime('%H:%M:%S')})" if end else ""))
    if a.reviewer:
        bits.append(f"Reviewer: {a.reviewer}")
    bits.extend(_linked_bits(entry))
    return " · ".join(bits)


def _linked_bits(entry: Entry) -> list[str]:
    """Say which annotations make up a linked event, and any words recorded differently on
    another camera (the quote is the first camera's; a reader must see a disagreement)."""
    others = _members(entry)[1:]
    if not others:
        return []
    bits = [f"Linked event {entry.annotation.event}: also annotation "
            + ", ".join(f"{o.annotation.id} on {o.exhibit.ref} ({o.annotation.status})" for o in others)]
    for o in others:
        if o.annotation.text != entry.annotation.text:
            bits.append(f"On {o.exhibit.ref} the words are recorded as: \"{o.annotation.text}\"")
    return bits


def unverified_mark(entry: Entry, report: Report | None = None) -> str | None:
    """The warning a statement prints above a quote, or None. With ``report``, a quote that
    verification cannot vouch for is marked untrusted whatever its status."""
    if report is not None and not all(report.trusted(e) for e in _members(entry)):
        return UNTRUSTED_MARK
    # A linked event is only as checked as the least checked of its annotations.
    status = next((e.annotation.status for e in _members(entry) if e.annotation.status != "verified"), "verified")
    if status == "verified":
        return None
    return f"UNVERIFIED ({status}): not checked against the sound; do not rely on these words."


def exhibit_rows(report: Report) -> list[tuple[str, str, str, str, str, str]]:
    """(ref, wearer, file, duration, SHA-256, re-verification) for every exhibit section."""
    return [
        (
            r.exhibit.ref,
            r.exhibit.wearer,
            r.file_name,
            format_ms(r.exhibit.duration_ms),
            r.exhibit.sha256,
            r.check_text,
        )
        for r in report.exhibits
    ]


def _source_text(source: str) -> str:
    if source == "metadata":
        return "from the camera's metadata"
    if source == "typed":
        return "entered by the reviewer"
    if source.startswith("aligned:"):
        return f"aligned to {source.split(':', 1)[1]} by their shared sound"
    return source or "source not recorded"


def clock_lines(report: Report) -> list[str]:
    """Where each exhibit's clock comes from: a reader must know what a clock time rests on."""
    lines = []
    for rec in report.exhibits:
        ex = rec.exhibit
        start = local(clock_at(ex.recording_start, 0), report.tz)
        if start is None:
            lines.append(f"{ex.ref}: recording start not known; its times are file times only.")
            continue
        stamp = start.strftime("%Y-%m-%d %H:%M:%S.") + f"{start.microsecond // 1000:03d} {start.tzname()}"
        lines.append(f"{ex.ref} starts {stamp} ({_source_text(ex.start_source)}).")
    return lines


def head_phrase(rows: int, head_hash: str) -> str:
    """``audit head 21:<hash>``: the phrase ``bwv-review verify --statement`` looks for."""
    return f"audit head {rows}:{head_hash}"


def audit_head(report: Report) -> str:
    return head_phrase(report.audit_rows, report.audit_hash)


def audit_text(report: Report) -> str:
    return (
        f"Case audit log at export: {audit_head(report)} ({report.audit_rows} entries). Any later change "
        "to the case adds entries; `bwv-review verify CASE --statement THIS-FILE` shows whether the case "
        "still holds exactly this state."
    )


def provenance_keywords(report: Report) -> str:
    """The audit head and key fingerprints on one line, for a file's metadata (e.g. a PDF's
    Keywords), where ``verify --statement`` finds them without reading the page text."""
    return "; ".join([audit_head(report), *(shown_key(fpr) for _, fpr in report.signing_keys)])


def keys_text(report: Report) -> str:
    """The signing keys the case lists, each with its reviewer: printed so a reader can match them."""
    if not report.signing_keys:
        return "Signing keys: none (this case file's format has no signatures)."
    return "Signing keys listed in the case: " + "; ".join(
        f"{name} {shown_key(fpr)}" for name, fpr in report.signing_keys) + "."


UNTRUSTED_MARK = ("UNTRUSTED: this case failed verification and these words may have been changed outside "
                  "the app; do not rely on them.")


def status_text(report: Report | None, entry: Entry) -> str:
    """The annotation's status, or UNTRUSTED when verification cannot vouch for its words."""
    status = entry.annotation.status
    if report is None or report.trusted(entry):
        return status
    return f"UNTRUSTED (recorded as {status})"


def problems_heading(report: Report) -> str | None:
    """The sentence every export opens with when the case failed verification; None when sound."""
    n = len(report.verification_problems)
    if not n:
        return None
    return (f"WARNING: this case FAILED VERIFICATION when this export was made ({n} problem{'s' if n != 1 else ''} "
            "below). Quotes verification cannot vouch for are marked UNTRUSTED.")


def provenance_text(report: Report) -> str:
    return f"Generated {report.generated_text} by bwv-review {report.tool_version}."


_PICTURES = {c: 0x2400 + c for c in range(32)} | {0x7F: 0x2421}
_CONTROL = {c: p for c, p in _PICTURES.items() if chr(c) not in "\n\t"}
_CONTROL_KEEP_CR = {c: p for c, p in _PICTURES.items() if chr(c) not in "\n\t\r"}


def printable(text: str) -> str:
    """Text for a document format: line breaks as LF, other control characters shown as
    their visible symbols (U+2400...) instead of being dropped or breaking the file."""
    return (text or "").replace("\r\n", "\n").translate(_CONTROL)


def cell_text(text: str) -> str:
    """Text for a spreadsheet or XML cell: tab, LF and CR kept exactly; NUL and the other
    control characters (which XML and Excel refuse) shown as their visible symbols."""
    return (text or "").translate(_CONTROL_KEEP_CR)
