"""The one data builder every export format is fed from.

``build_report`` reads the case once: the chronology (filtered), the exhibits with their
footage re-hashed *now* (a changed or missing file is recorded and warned about, never
hidden), the audit head (so a later edit of the case can be proven), the time the export
was generated and the tool version. Every format renders the same ``Report``, so a
statement, a spreadsheet and an ELAN file made together always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import PurePosixPath, PureWindowsPath

from ... import __version__
from .. import chronology
from ..chronology import Entry
from ..errors import ReviewError
from ..evidence import check_footage
from ..integrity import Progress
from ..model import STATUSES, Case, Category, Exhibit
from ..store import CaseStore
from ..timecode import clock_at, format_instant, format_ms, local

DEFAULT_POINT_MS = 2000  # how long a point annotation lasts as a subtitle cue or ELAN annotation


def point_span(a, duration_ms: int) -> tuple[int, int]:
    """(start, end) for a player or ELAN: a point lasts DEFAULT_POINT_MS, never past the end of
    the footage (a point on its very last millisecond stays zero-length)."""
    if a.end_ms is not None and a.end_ms > a.start_ms:
        return a.start_ms, a.end_ms
    end = a.start_ms + (1 if a.end_ms is not None else DEFAULT_POINT_MS)
    return a.start_ms, min(end, max(duration_ms, a.start_ms)) if duration_ms > 0 else end

CHECK_TEXT = {
    "verified": "SHA-256 re-verified at export time: matches",
    "changed": "WARNING: SHA-256 does NOT match the footage file at export time",
    "missing": "WARNING: footage file not found at export time; hash not re-verified",
    "not-checked": "SHA-256 not re-verified at export time",
}


@dataclass(frozen=True)
class ExportOptions:
    """What to include. Empty ``categories``/``statuses`` mean all of them."""

    exhibit: str | None = None
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    include_drafts: bool = False  # statement formats: also non-verified, visibly marked
    tiers: str = "speaker"  # eaf: one tier per "speaker" or per "category"
    stills: bool = False

    def as_json(self) -> dict:
        return {
            "exhibit": self.exhibit,
            "categories": list(self.categories),
            "statuses": list(self.statuses),
            "include_drafts": self.include_drafts,
        }


@dataclass
class ExhibitRecord:
    exhibit: Exhibit
    file_name: str
    check: str  # "verified", "changed", "missing", "not-checked"
    problem: str | None = None

    @property
    def check_text(self) -> str:
        return CHECK_TEXT[self.check]


@dataclass
class Still:
    """A frame picture for a statement (PNG bytes) with the burned-in time as a caption."""

    png: bytes
    caption: str


@dataclass
class StatementEntry(Entry):
    """One quoted event: the first annotation of a linked event in clock order, with the same
    words heard on the other cameras in ``also`` (so a statement cites every exhibit once)."""

    also: tuple[Entry, ...] = ()

    @property
    def members(self) -> tuple[Entry, ...]:
        return (self, *self.also)


def group_events(entries: list[Entry]) -> list[StatementEntry]:
    """Fold annotations that share an ``event`` into the first of them (order kept)."""
    out: list[StatementEntry] = []
    by_event: dict[int, int] = {}
    for e in entries:
        event = e.annotation.event
        if event is not None and event in by_event:
            i = by_event[event]
            out[i] = replace(out[i], also=(*out[i].also, e))
            continue
        if event is not None:
            by_event[event] = len(out)
        out.append(StatementEntry(e.annotation, e.exhibit, e.category, e.clock_start, e.clock_end))
    return out


@dataclass
class Report:
    case: Case
    exhibits: list[ExhibitRecord]
    categories: list[Category]
    entries: list[Entry]  # the log: every annotation the filters let through, in clock order
    audit_rows: int
    audit_hash: str
    generated: datetime  # UTC
    tool_version: str
    options: ExportOptions
    warnings: list[str] = field(default_factory=list)
    stills: dict[int, Still] = field(default_factory=dict)
    # Set by verification (issue 14): shown first, on page 1 of statements and in every log.
    verification_problems: list[str] = field(default_factory=list)
    signing_keys: list[tuple[str, str]] = field(default_factory=list)  # (reviewer, key fingerprint)
    omitted_from_statement: int = 0

    @property
    def tz(self) -> str:
        return self.case.timezone

    @property
    def generated_text(self) -> str:
        return format_instant(self.generated.astimezone(UTC)).replace("+00:00", "Z")

    @property
    def quoted_entries(self) -> list[Entry]:
        """The annotations a statement may quote: verified only, unless drafts were asked for."""
        if self.options.include_drafts:
            return list(self.entries)
        return [e for e in self.entries if e.annotation.status == "verified"]

    @property
    def statement_entries(self) -> list[StatementEntry]:
        """What a statement's narrative quotes, a linked event once (see ``group_events``)."""
        return group_events(self.quoted_entries)

    def exhibit_record(self, ref: str) -> ExhibitRecord:
        for rec in self.exhibits:
            if rec.exhibit.ref == ref:
                return rec
        raise KeyError(ref)

    def entries_for(self, exhibit_id: int) -> list[Entry]:
        """One exhibit's entries in file-time order (subtitles, ELAN)."""
        mine = [e for e in self.entries if e.exhibit.id == exhibit_id]
        return sorted(mine, key=lambda e: (e.annotation.start_ms, e.annotation.id or 0))


def file_name(stored_path: str) -> str:
    parts = PureWindowsPath(stored_path).parts if "\\" in stored_path else PurePosixPath(stored_path).parts
    return parts[-1] if parts else stored_path


def _resolve_filters(store: CaseStore, options: ExportOptions) -> tuple[set[int] | None, set[str] | None]:
    cats = {store.category(c).id for c in options.categories} if options.categories else None
    statuses = None
    if options.statuses:
        bad = [s for s in options.statuses if s not in STATUSES]
        if bad:
            raise ReviewError(f"Status {bad[0]!r} is not one of {', '.join(STATUSES)}.")
        statuses = set(options.statuses)
    if options.tiers not in ("speaker", "category"):
        raise ReviewError("ELAN tiers are made per 'speaker' or per 'category'.")
    return cats, statuses


def build_report(
    store: CaseStore,
    options: ExportOptions | None = None,
    generated: datetime | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    verify: bool = True,
) -> Report:
    """Read the case and re-hash its footage. ``generated`` fixes the export time (same case
    + same ``generated`` = same bytes in every format); ``progress(done, total)`` gets bytes."""
    options = options or ExportOptions()
    generated = (generated or datetime.now(UTC)).astimezone(UTC)
    cats, statuses = _resolve_filters(store, options)
    entries = chronology.build(store, options.exhibit)
    log = [
        e for e in entries
        if (cats is None or e.category.id in cats) and (statuses is None or e.annotation.status in statuses)
    ]
    exhibits = [store.exhibit(options.exhibit)] if options.exhibit else store.exhibits()
    records, warnings = _check_exhibits(store, exhibits, progress, cancel, verify)
    rows, head = store.audit_head()
    report = Report(
        case=store.case(),
        exhibits=records,
        categories=store.categories(),
        entries=log,
        audit_rows=rows,
        audit_hash=head,
        generated=generated,
        tool_version=__version__,
        options=options,
        warnings=warnings,
    )
    report.omitted_from_statement = len(log) - len(report.quoted_entries)
    if options.stills:
        from .pictures import make_stills  # noqa: PLC0415 - decoding video only when asked

        report.stills, more = make_stills(store, report.statement_entries, records, report.tz)
        report.warnings.extend(more)
    return report


def _check_exhibits(store, exhibits, progress, cancel, verify) -> tuple[list[ExhibitRecord], list[str]]:
    total = sum(e.size for e in exhibits)
    base = 0

    def step(done: int, _total: int) -> None:
        if progress is not None:
            progress(base + done, total)

    records, warnings = [], []
    for ex in exhibits:
        if not verify:
            records.append(ExhibitRecord(ex, file_name(ex.path), "not-checked"))
            continue
        check = check_footage(store, ex, progress=step, cancel=cancel)
        base += ex.size
        records.append(ExhibitRecord(ex, file_name(ex.path), check.status, check.problem))
        if check.problem:
            warnings.append(check.problem)
    if progress is not None and verify:
        progress(total, total)
    return records, warnings


# -- wording shared by the statement formats --------------------------------------------------

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
    return entry.members if isinstance(entry, StatementEntry) else (entry,)


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


def detail_line(entry: Entry, tz: str) -> str:
    a = entry.annotation
    bits = [f"Category: {entry.category.name}"]
    if a.speaker:
        bits.append(f"Speaker: {a.speaker}")
    bits.append(f"Status: {a.status}")
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


def unverified_mark(entry: Entry) -> str | None:
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


def audit_text(report: Report) -> str:
    return (
        f"Case audit log at export: {report.audit_rows} entries, head hash {report.audit_hash}. "
        "Any later change to the case adds entries and changes this hash."
    )


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
