"""Bringing annotations back in from ELAN (.eaf), a spreadsheet log (.csv) or JSON.

All or nothing: the whole file is read and every annotation checked against the case
first; only then are they added, in one transaction, each with its own audit row
(action ``annotation.import``, detail naming the file). A malformed file adds nothing.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import audit
from ..errors import ReviewError
from ..model import STATUSES, Annotation, insert_row
from ..store import CaseStore
from ..timecode import format_ms, now_iso, parse_time
from .eaf_read import read_eaf
from .json_export import SCHEMA_VERSION
from .tables import unneutralise

IMPORT_FORMATS = ("eaf", "csv", "json")
MAX_LISTED = 8


@dataclass
class Incoming:
    """One annotation as read from a file, before it is checked against the case."""

    where: str  # "row 4", "tier 'female' at 00:00:01.200": for error messages
    start_ms: int
    end_ms: int | None = None
    category: str = ""
    speaker: str = ""
    text: str = ""
    note: str = ""
    status: str = "draft"
    reviewer: str = ""


@dataclass
class ImportResult:
    added: list[Annotation]
    warnings: list[str] = field(default_factory=list)


def _fail(path: Path, problems: list[str]) -> ReviewError:
    shown = problems[:MAX_LISTED]
    more = f" (and {len(problems) - MAX_LISTED} more)" if len(problems) > MAX_LISTED else ""
    return ReviewError(f"{path.name} was not imported (nothing was added): " + "; ".join(shown) + more + ".")


# -- CSV ------------------------------------------------------------------------------------

_CSV_ALIASES = {
    "exhibit": ("exhibit",),
    "start": ("file time start", "start", "file time"),
    "start_ms": ("start (ms)", "start_ms"),
    "end": ("file time end", "end"),
    "end_ms": ("end (ms)", "end_ms"),
    "category": ("category",),
    "speaker": ("speaker",),
    "text": ("text", "words"),
    "note": ("note",),
    "status": ("status",),
    "reviewer": ("reviewer",),
}


def _decode(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReviewError(f"{path.name} is not UTF-8 text; save it as \"CSV UTF-8\" and try again.") from exc


def read_csv(path: Path, source_exhibit: str | None = None) -> tuple[list[Incoming], list[str]]:
    text = _decode(path)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows or not any(c.strip() for c in rows[0]):
        raise ReviewError(f"{path.name} is empty; nothing was added.")
    if rows[0] and rows[0][0] == "VERIFICATION FAILED":
        # A log exported from a case that failed verification lists the problems above its header.
        start = next((i for i, r in enumerate(rows) if r and r[0].strip().casefold() == "exhibit"), 0)
        rows = rows[start:]
    header = [h.strip().casefold() for h in rows[0]]
    col = {key: next((header.index(a) for a in names if a in header), None) for key, names in _CSV_ALIASES.items()}
    if col["text"] is None or (col["start"] is None and col["start_ms"] is None):
        raise ReviewError(f"{path.name} has no \"Text\" and \"File time start\" (or \"Start (ms)\") columns; "
                          "is it a bwv-review log?")
    _one_exhibit(path, [unneutralise(r[col["exhibit"]]) for r in rows[1:] if col["exhibit"] is not None
                        and col["exhibit"] < len(r) and r[col["exhibit"]].strip()], source_exhibit)
    items, problems = [], []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue

        def cell(key: str, row=row) -> str:
            i = col[key]
            return unneutralise(row[i]) if i is not None and i < len(row) else ""

        if source_exhibit and col["exhibit"] is not None and cell("exhibit").strip().casefold() != source_exhibit.casefold():
            continue
        try:
            start = _pick_time(cell("start"), cell("start_ms"), "start")
            end = _pick_time(cell("end"), cell("end_ms"), "end")
            if start is None:
                raise ReviewError("no start time")
        except ReviewError as exc:
            problems.append(f"row {n}: {exc}")
            continue
        items.append(Incoming(f"row {n}", start, end, cell("category"), cell("speaker"), cell("text"),
                              cell("note"), cell("status").strip() or "draft", cell("reviewer")))
    if problems:
        raise _fail(path, problems)
    return items, []


def _pick_time(text: str, ms: str, label: str) -> int | None:
    text, ms = text.strip(), ms.strip()
    from_text = parse_time(text) if text else None
    from_ms = None
    if ms:
        try:
            from_ms = int(ms)
        except ValueError as exc:
            raise ReviewError(f"{label} {ms!r} is not a whole number of milliseconds") from exc
    if from_text is not None and from_ms is not None and from_text != from_ms:
        raise ReviewError(f"{label} {text} and {ms} ms disagree; correct one of them or empty the other")
    return from_ms if from_ms is not None else from_text


def _one_exhibit(path: Path, refs: list[str], source_exhibit: str | None) -> None:
    distinct = sorted(set(refs))
    if len(distinct) > 1 and not source_exhibit:
        raise ReviewError(f"{path.name} holds annotations for several exhibits ({', '.join(distinct)}); "
                          "choose one with --from REF. Nothing was added.")


# -- JSON -----------------------------------------------------------------------------------


def read_json(path: Path, source_exhibit: str | None = None) -> tuple[list[Incoming], list[str]]:
    try:
        data = json.loads(_decode(path))
    except json.JSONDecodeError as exc:
        raise ReviewError(f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg}); nothing was added.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise ReviewError(f"{path.name} is not a bwv-review JSON export (no \"annotations\" list).")
    version = data.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ReviewError(f"{path.name} has schema_version {version!r}; this bwv-review reads up to "
                          f"{SCHEMA_VERSION}. Nothing was added.")
    anns = data["annotations"]
    refs = [a.get("exhibit") for a in anns if isinstance(a, dict) and isinstance(a.get("exhibit"), str)]
    _one_exhibit(path, refs, source_exhibit)
    items, problems = [], []
    for i, a in enumerate(anns, start=1):
        where = f"annotation {i}"
        if not isinstance(a, dict):
            problems.append(f"{where}: not an object")
            continue
        if source_exhibit and str(a.get("exhibit", "")).casefold() != source_exhibit.casefold():
            continue
        start, end = a.get("start_ms"), a.get("end_ms")
        if not isinstance(start, int) or isinstance(start, bool) or (
                end is not None and (not isinstance(end, int) or isinstance(end, bool))):
            problems.append(f"{where}: start_ms/end_ms must be whole numbers")
            continue
        fields = {k: a.get(k, "") for k in ("category", "speaker", "text", "note", "status", "reviewer")}
        bad = [k for k, v in fields.items() if v is not None and not isinstance(v, str)]
        if bad:
            problems.append(f"{where}: {', '.join(bad)} must be text")
            continue
        fields = {k: v or "" for k, v in fields.items()}
        fields["status"] = fields["status"] or "draft"
        items.append(Incoming(where, start, end, **fields))
    if problems:
        raise _fail(path, problems)
    return items, []


# -- checking and adding --------------------------------------------------------------------


def read_annotations(path: Path | str, source_exhibit: str | None = None, tiers: str = "auto",
                     categories: set[str] | None = None) -> tuple[list[Incoming], list[str], dict]:
    """Parse a file into ``Incoming`` annotations (no case needed), warnings, and metadata."""
    path = Path(path)
    if not path.is_file():
        raise ReviewError(f"{path} does not exist (nothing was added).")
    kind = path.suffix.lower().lstrip(".")
    if kind == "eaf":
        return read_eaf(path, Incoming, tiers, categories or set())
    if kind == "csv":
        return (*read_csv(path, source_exhibit), {})
    if kind == "json":
        return (*read_json(path, source_exhibit), {})
    raise ReviewError(f"{path.name}: import reads .eaf, .csv or .json files.")


def import_annotations(
    store: CaseStore,
    path: Path | str,
    exhibit_ref: str,
    actor: str,
    *,
    source_exhibit: str | None = None,
    tiers: str = "auto",
    default_category: str = "other",
) -> ImportResult:
    """Read ``path`` and add its annotations to ``exhibit_ref`` in one go, or add none."""
    path = Path(path)
    exhibit = store.exhibit(exhibit_ref)
    cats = store.categories()
    names = {c.slug.casefold() for c in cats} | {c.name.casefold() for c in cats}
    items, warnings, meta = read_annotations(path, source_exhibit, tiers, names)
    if meta.get("sha256") and meta["sha256"] != exhibit.sha256:
        warnings.append(f"{path.name} was made for exhibit {meta.get('exhibit', '?')} (other footage); "
                        f"its times were applied to {exhibit.ref} as they are.")
    if not items:
        raise ReviewError(f"{path.name} holds no annotations to import; nothing was added.")
    anns, problems = [], []
    for item in items:
        try:
            cat = store.category(item.category or default_category)
            if item.status not in STATUSES:
                raise ReviewError(f"status {item.status!r} is not one of {', '.join(STATUSES)}")
            ann = Annotation(exhibit_id=exhibit.id, start_ms=item.start_ms, end_ms=item.end_ms,
                             category_id=cat.id, speaker=item.speaker, text=item.text, note=item.note,
                             status=item.status, reviewer=item.reviewer,
                             source=f"import:{path.suffix.lower().lstrip('.')}")
            store._check_annotation(ann)  # noqa: SLF001 - the same rules as one annotation added by hand
        except ReviewError as exc:
            problems.append(f"{item.where} ({format_ms(item.start_ms)}): {str(exc).rstrip('.')}")
            continue
        anns.append(ann)
    if problems:
        raise _fail(path, problems)
    return ImportResult(add_annotations(store, anns, actor, detail=f"imported from {path.name}"), warnings)


def add_annotations(store: CaseStore, anns: list[Annotation], actor: str,
                    action: str = "annotation.import", detail: str = "") -> list[Annotation]:
    """Insert checked annotations in one transaction, one audit row each."""
    stamp = now_iso()
    ids = []
    with store.transaction():
        for ann in anns:
            ann.created = ann.created or stamp
            ann.updated = stamp
            ann.reviewer = ann.reviewer or actor
            rid = store.db["annotation"].insert(insert_row(ann)).last_pk
            audit.record(store.db, actor, action, "annotation", rid,
                         after=dict(store.db["annotation"].get(rid)), detail=detail)
            ids.append(rid)
    return [store.annotation(i) for i in ids]
