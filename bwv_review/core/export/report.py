"""The one data builder every export format is fed from.

``build_report`` reads the case once and verifies it first: the audit chain, its
signatures and every record (``verification_problems``, listed first in every format; a
quote the check leaves untrusted is never shown as verified), the exhibits with their
footage re-hashed *now* (a changed or missing file is recorded and warned about, never
hidden), the audit head and the keys that signed it (so a later edit or a rollback of the
case can be proven), the time the export was generated and the tool version. Every format
renders the same ``Report``, so a statement, a spreadsheet and an ELAN file made together
always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import PurePosixPath, PureWindowsPath

from ... import __version__
from .. import chronology, evidence
from ..chronology import Entry
from ..errors import ReviewError
from ..integrity import Progress
from ..model import STATUSES, Case, Category, Exhibit
from ..seals import signing_keys
from ..store import CaseStore
from ..timecode import format_instant

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
    "refused": "WARNING: footage path refused at export time; hash not re-verified",
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
    omitted_from_statement: int = 0
    # What verification found at export time (empty when sound): shown before anything else.
    verification_problems: list[str] = field(default_factory=list)
    # (reviewer name, key fingerprint) for every signing key the case lists.
    signing_keys: list[tuple[str, str]] = field(default_factory=list)
    # Annotations whose words verification cannot vouch for (None: all of them).
    untrusted: frozenset[int] | None = frozenset()

    def trusted(self, entry: Entry) -> bool:
        """False when verification cannot vouch for this annotation's stored words."""
        return self.untrusted is not None and entry.annotation.id not in self.untrusted

    @property
    def other_warnings(self) -> list[str]:
        """Warnings not already among the verification problems (e.g. a still not made)."""
        return [w for w in self.warnings if w not in self.verification_problems]

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


def build_report(store: CaseStore, *args, **kwargs) -> Report:
    """See ``_build_report``: read in one committed state, even while other reviewers write."""
    with store.snapshot():
        return _build_report(store, *args, **kwargs)


def _build_report(
    store: CaseStore,
    options: ExportOptions | None = None,
    generated: datetime | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    verify: bool = True,
) -> Report:
    """Read the case, verify it and re-hash its footage. ``generated`` fixes the export time
    (same case + same ``generated`` = same bytes in every format); ``progress(done, total)``
    gets bytes. ``verify=False`` (a preview) still checks the case file, not the footage."""
    options = options or ExportOptions()
    generated = (generated or datetime.now(UTC)).astimezone(UTC)
    cats, statuses = _resolve_filters(store, options)
    entries = chronology.build(store, options.exhibit)
    log = [
        e for e in entries
        if (cats is None or e.category.id in cats) and (statuses is None or e.annotation.status in statuses)
    ]
    exhibits = [store.exhibit(options.exhibit)] if options.exhibit else store.exhibits()
    if verify:
        checked = evidence.verify(store, exhibits, progress=progress, cancel=cancel, thorough=False)
    else:
        checked = evidence.check_integrity(store)
    records, warnings = _exhibit_records(exhibits, checked, verify)
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
        verification_problems=[str(p) for p in checked.problems],
        signing_keys=signing_keys(store.db),
        untrusted=None if checked.untrusted_all else frozenset(checked.untrusted_annotations),
    )
    report.omitted_from_statement = len(log) - len(report.quoted_entries)
    if options.stills:
        from .pictures import make_stills  # noqa: PLC0415 - decoding video only when asked

        report.stills, more = make_stills(store, report.statement_entries, records, report.tz)
        report.warnings.extend(more)
    return report


def _exhibit_records(exhibits, checked: evidence.Verification, hashed: bool) -> tuple[list[ExhibitRecord], list[str]]:
    by_id = {c.exhibit.id: c for c in checked.footage}
    records, warnings = [], []
    for ex in exhibits:
        check = by_id.get(ex.id) if hashed else None
        if check is None:
            records.append(ExhibitRecord(ex, file_name(ex.path), "not-checked"))
            continue
        records.append(ExhibitRecord(ex, file_name(ex.path), check.status, check.problem))
        if check.problem:
            warnings.append(check.problem)
    return records, warnings


# Wording shared by the formats lives in wording.py; writers import it from here.
from .wording import (  # noqa: E402 - after Report, which wording.py refers to
    UNTRUSTED_MARK,
    audit_head,
    audit_text,
    cell_text,
    clock_lines,
    clock_text,
    date_heading,
    detail_line,
    exhibit_rows,
    keys_text,
    lead_in,
    printable,
    problems_heading,
    provenance_keywords,
    provenance_text,
    speaker_phrase,
    statement_parts,
    statement_sentence,
    status_text,
    unverified_mark,
)

__all__ = [
    "DEFAULT_POINT_MS",
    "ExhibitRecord",
    "ExportOptions",
    "Report",
    "StatementEntry",
    "Still",
    "build_report",
    "file_name",
    "group_events",
    "UNTRUSTED_MARK",
    "audit_head",
    "audit_text",
    "cell_text",
    "clock_lines",
    "clock_text",
    "date_heading",
    "detail_line",
    "exhibit_rows",
    "keys_text",
    "lead_in",
    "printable",
    "problems_heading",
    "provenance_keywords",
    "provenance_text",
    "speaker_phrase",
    "statement_parts",
    "statement_sentence",
    "status_text",
    "unverified_mark",
]
