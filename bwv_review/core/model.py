"""What a case is made of, as plain dataclasses (no Qt, no SQL)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from functools import cache

from .timecode import format_ms

STATUSES = ("draft", "verified", "disputed", "inaudible")


@dataclass
class Case:
    title: str
    reference: str = ""
    created: str = ""
    reviewers: list[str] = field(default_factory=list)
    timezone: str = "Europe/London"


@dataclass
class Exhibit:
    ref: str
    path: str  # relative to the case file's folder when possible, with "/" separators
    sha256: str
    size: int
    id: int | None = None
    wearer: str = ""
    device: str = ""
    duration_ms: int = 0
    frame_count: int = 0
    fps: float = 0.0
    width: int = 0
    height: int = 0
    codec: str = ""
    has_audio: bool = False
    creation_time: str | None = None  # from the container, as found there
    recording_start: str | None = None  # ISO 8601 with offset, when known
    start_source: str = ""  # "metadata", "typed", "aligned:<ref>"
    added: str = ""
    added_by: str = ""


@dataclass
class Category:
    slug: str
    name: str
    colour: str
    key: str = ""
    description: str = ""
    position: int = 0
    id: int | None = None


@dataclass
class Annotation:
    exhibit_id: int
    start_ms: int
    category_id: int
    id: int | None = None
    end_ms: int | None = None
    speaker: str = ""
    text: str = ""
    note: str = ""
    status: str = "draft"
    reviewer: str = ""
    created: str = ""
    updated: str = ""
    source: str | None = None  # None: typed by a reviewer; "machine-draft"; "import:csv" ...
    event: int | None = None  # shared by annotations of one utterance heard on several cameras


def to_row(obj) -> dict:
    """The dataclass as a dict of column values (id left out when unset)."""
    row = asdict(obj)
    if row.get("id") is None:
        row.pop("id", None)
    return row


@cache
def _field_names(cls) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def insert_row(obj) -> dict:
    """Columns for an INSERT: values left unset (None) are omitted, so they take the column's
    default (NULL). A case still in an earlier format, before a column existed, can then be
    written with the same dataclass."""
    return {k: v for k, v in asdict(obj).items() if v is not None}


def from_row(cls, row: dict):
    # Field names cached per class: a case of 100,000 marks loads in a fraction of a second.
    names = _field_names(cls)
    if names.issuperset(row):
        return cls(**row)
    return cls(**{k: v for k, v in row.items() if k in names})


def annotation_problem(ann: Annotation, ex: Exhibit, category_ids: set[int]) -> str | None:
    """What is wrong with ``ann`` on exhibit ``ex`` (one sentence), or None. The one rule set
    for an annotation typed, edited or imported."""
    if isinstance(ann.start_ms, bool) or not isinstance(ann.start_ms, int) or (
            ann.end_ms is not None and (isinstance(ann.end_ms, bool) or not isinstance(ann.end_ms, int))):
        return "Times must be whole milliseconds."
    if ann.start_ms < 0:
        return "An annotation cannot start before 00:00:00.000."
    # A zero-length exhibit has no time past 00:00:00.000.
    if problem := past_end(ann.start_ms, ex):
        return problem
    if ann.end_ms is not None:
        if ann.end_ms < ann.start_ms:
            return "An annotation cannot end before it starts."
        if problem := past_end(ann.end_ms, ex, "End "):
            return problem
    if ann.status not in STATUSES:
        return f"Status {ann.status!r} is not one of {', '.join(STATUSES)}."
    for name in ("speaker", "text", "note", "reviewer"):
        value = getattr(ann, name)
        if not isinstance(value, str):
            return f"The {name} must be text."
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                return (f"The {name} holds U+{ord(value[exc.start]):04X}, half of a surrogate pair (as left by "
                        "bytes that were not UTF-8), which is not valid text.")
    if ann.category_id not in category_ids:
        return f"Category {ann.category_id} does not exist."
    return None


def past_end(ms: int, ex: Exhibit, what: str = "") -> str | None:
    """The one sentence for a typed time past the end of an exhibit (a mark's, a redaction's)."""
    if ms > ex.duration_ms:
        return f"{what}{_shown(ms)} is past the end of exhibit {ex.ref} ({format_ms(ex.duration_ms)} long)."
    return None


def _shown(ms: int) -> str:
    return format_ms(ms) if ms <= 10**12 else f"{str(ms)[:15]}... ms"
