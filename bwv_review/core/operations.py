"""Every change to evidence as one core operation, and undo and redo as operations too.

An operation is one ``store.transaction()``: the rows it writes and their audit rows commit
together under an action name defined here, and it returns a :class:`ChangeSet` saying which
rows changed (each with its full row before and after). The window, the command line and
imports all change a case through these functions; views apply the change set instead of
reloading a whole model.

A change set is read back from the audit rows the operation wrote, inside its transaction,
so it is exactly what the log records. The same reader turns another program's writes
(noticed through ``PRAGMA data_version``) into a change set (:func:`changes_since`).

Each audit row an operation writes names its change ("change 41": the number of its first
audit row), so an undo, from the window or from ``bwv-review undo`` months later, takes back
the whole change or nothing. Undo refuses when a row has been changed since (by anyone), so
it never overwrites a later change without saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import events
from .changes import ChangeSet, RowChange, changes_since, last_change, recorded, rows_since  # noqa: F401 - one API
from .errors import ReviewError
from .model import Annotation, Category, from_row
from .timecode import format_ms

if TYPE_CHECKING:
    from .export.importer import ImportResult
    from .store import CaseStore

# -- audit action names: defined here, once ------------------------------------------------
ANNOTATION_ADD = "annotation.add"
ANNOTATION_ADD_FROM_TRANSCRIPT = "annotation.add_from_transcript"
ANNOTATION_UPDATE = "annotation.update"
ANNOTATION_SET_START = "annotation.set-start"
ANNOTATION_SET_END = "annotation.set-end"
ANNOTATION_SET_INTERVAL = "annotation.set-interval"
ANNOTATION_DELETE = "annotation.delete"
ANNOTATION_LINK = "annotation.link"
ANNOTATION_UNLINK = "annotation.unlink"
ANNOTATION_IMPORT = "annotation.import"
EXHIBIT_ADD = "exhibit.add"
EXHIBIT_UPDATE = "exhibit.update"
EXHIBIT_START = "exhibit.start"  # recording start typed, or set by hand as an offset
EXHIBIT_ALIGN = "exhibit.align"  # recording start found by sound
EXHIBIT_RELINK = "exhibit.relink"
CATEGORY_ADD = "category.add"
CATEGORY_UPDATE = "category.update"
CASE_UPDATE = "case.update"
CASE_REVIEWER = "case.update"  # a reviewer's name joins the case on their first change
TRANSCRIPT_SAVE = "transcript.save"  # rows say transcript.create / transcript.replace
REDACTION_ADD = "redaction.add"
REDACTION_SUGGEST = "redaction.suggest"  # a machine's suggestions (faces), never used until confirmed
REDACTION_UPDATE = "redaction.update"  # also redaction.move, .keyframe, .unkeyframe, .set-start, .set-end
REDACTION_CONFIRM = "redaction.confirm"
REDACTION_DELETE = "redaction.delete"
REDACTION_COPY = "redaction.copy"  # a redacted copy made: recorded, never undone
COVERAGE_RECORD = "coverage.record"  # not audited: it records the review, not the evidence

EDITABLE = ("category_id", "speaker", "text", "note", "status", "start_ms", "end_ms")
_SAME_ROW_VERB = {"add_from_transcript": "add"}  # undoing it is undoing an add


# -- running an operation --------------------------------------------------------------------
def _perform(store: CaseStore, actor: str, action: str, label: str, body: Callable[[], Any],
             undoes: tuple[str, int] | None = None) -> ChangeSet:
    """Run ``body`` (store writes) as one transaction; return what it wrote as a ChangeSet."""
    if store.readonly:
        raise ReviewError(f"Case file {store.path} is open read-only; nothing was changed.")
    with store.transaction():
        start = store.audit_head()[0]
        number = start + 1
        previous = getattr(store.db, "change_tag", "")
        store.db.change_tag = f"change {number}" + (f" ({undoes[0]} change {undoes[1]})" if undoes else "")
        try:
            body()
        finally:
            store.db.change_tag = previous
        rows = rows_since(store, start)
    return ChangeSet(action, actor, label, tuple(rows), number if rows else None,
                     undoes=undoes[1] if undoes else None, last_seq=rows[-1].seq if rows else start)


# -- annotations -----------------------------------------------------------------------------
def add_annotation(store: CaseStore, annotation: Annotation, actor: str, *, action: str = ANNOTATION_ADD,
                   label: str = "") -> ChangeSet:
    """A new mark (an id already set is kept: the same number as before, e.g. after an undo)."""
    return _perform(store, actor, action, label or f"Add mark at {format_ms(annotation.start_ms)}",
                    lambda: store.add_annotation(annotation, actor, action=action))


def edit_annotation(store: CaseStore, annotation_id: int, actor: str, changes: dict, *,
                    action: str = ANNOTATION_UPDATE, label: str = "", expected: Annotation | None = None) -> ChangeSet:
    """Change some fields of one mark; nothing is written (an empty change set) if none differ.
    ``expected``: the mark as the reviewer saw it; refused (conflicts.ConflictError, naming who)
    if anyone changed it since, never written over their change."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ReviewError(f"These cannot be edited: {', '.join(sorted(unknown))}.")
    current = store.annotation(annotation_id)
    changes = {k: v for k, v in changes.items() if getattr(current, k) != v}
    if not changes:
        return ChangeSet(action, actor, label or "Edit mark")
    return _perform(store, actor, action, label or f"Edit {', '.join(changes)}",
                    lambda: store.update_annotation(annotation_id, actor, action=action, expected=expected, **changes))


def set_start(store: CaseStore, annotation_id: int, start_ms: int, actor: str,
              expected: Annotation | None = None) -> ChangeSet:
    """Move a mark's start; refused (not silently moving the end) if it would pass its end."""
    ann = store.annotation(annotation_id)
    if ann.end_ms is not None and start_ms > ann.end_ms:
        raise ReviewError(f"The start {format_ms(start_ms)} would come after the end {format_ms(ann.end_ms)} of "
                          "this mark; move the end first (or clear it). Nothing was changed.")
    return edit_annotation(store, annotation_id, actor, {"start_ms": int(start_ms)}, action=ANNOTATION_SET_START,
                           label=f"Set start to {format_ms(start_ms)}", expected=expected)


def set_end(store: CaseStore, annotation_id: int, end_ms: int, actor: str,
            expected: Annotation | None = None) -> ChangeSet:
    ann = store.annotation(annotation_id)
    if end_ms < ann.start_ms:
        raise ReviewError(f"The end {format_ms(end_ms)} would come before the start {format_ms(ann.start_ms)}; "
                          "move to a later point first. Nothing was changed.")
    return edit_annotation(store, annotation_id, actor, {"end_ms": int(end_ms)}, action=ANNOTATION_SET_END,
                           label=f"Set end to {format_ms(end_ms)}", expected=expected)


def set_interval(store: CaseStore, annotation_id: int, start_ms: int, end_ms: int, actor: str,
                 expected: Annotation | None = None) -> ChangeSet:
    return edit_annotation(store, annotation_id, actor, {"start_ms": int(start_ms), "end_ms": int(end_ms)},
                           action=ANNOTATION_SET_INTERVAL,
                           label=f"Set interval {format_ms(start_ms)}-{format_ms(end_ms)}", expected=expected)


def delete_annotation(store: CaseStore, annotation_id: int, actor: str, expected: Annotation | None = None) -> ChangeSet:
    ann = expected or store.annotation(annotation_id)
    return _perform(store, actor, ANNOTATION_DELETE, f"Delete mark at {format_ms(ann.start_ms)}",
                    lambda: store.delete_annotation(annotation_id, actor, action=ANNOTATION_DELETE, expected=expected))


def link(store: CaseStore, annotation_ids: list[int], actor: str) -> ChangeSet:
    """Link marks (one per camera) as one event, with every member of an event they are in."""
    ids = list(dict.fromkeys(annotation_ids))
    return _perform(store, actor, ANNOTATION_LINK, f"Link {len(ids)} marks as one event",
                    lambda: events.link(store, ids, actor))


def unlink(store: CaseStore, annotation_id: int, actor: str) -> ChangeSet:
    """Take a mark out of its event (an event left with one mark is dissolved): one change."""
    return _perform(store, actor, ANNOTATION_UNLINK, "Unlink mark from its event",
                    lambda: events.unlink(store, annotation_id, actor))


def import_annotations(store: CaseStore, path: Path | str, exhibit_ref: str | None, actor: str, *,
                       progress=None, **options) -> tuple[ChangeSet, ImportResult]:
    """Add every annotation in an ELAN, CSV or JSON file (to ``exhibit_ref``, or to the exhibits
    the file names), or none: one change. The file is read and checked before the write lock
    is taken. Returns the change and the importer's result (added, warnings, links, summary)."""
    from .export.importer import prepare_import, write_import

    prepared = prepare_import(store, path, exhibit_ref=exhibit_ref, **options)
    result: list[ImportResult] = []
    change = _perform(store, actor, ANNOTATION_IMPORT, f"Import {Path(path).name}",
                      lambda: result.append(write_import(store, prepared, actor, progress)))
    return change, result[0]


# -- exhibits ----------------------------------------------------------------------------------
def add_footage(store: CaseStore, footage: Path | str, ref: str, actor: str, *, progress=None, cancel=None,
                **details) -> ChangeSet:
    """Probe and hash footage (long: outside any transaction), then add it as an exhibit."""
    from .evidence import describe_footage  # PyAV and the hash only when footage is added

    exhibit = describe_footage(store, footage, ref, progress=progress, cancel=cancel, **details)
    return _perform(store, actor, EXHIBIT_ADD, f"Add exhibit {exhibit.ref}", lambda: store.add_exhibit(exhibit, actor))


def update_exhibit(store: CaseStore, ref: str, actor: str, action: str = EXHIBIT_UPDATE, **changes) -> ChangeSet:
    """Wearer, camera or recording start of an exhibit (its footage and hash never change)."""
    allowed = {"wearer", "device", "recording_start", "start_source"}
    if set(changes) - allowed:
        raise ReviewError(f"Only {', '.join(sorted(allowed))} of an exhibit can be edited here.")
    return _perform(store, actor, action, f"Edit exhibit {ref}",
                    lambda: store.update_exhibit(ref, actor, action=action, **changes))


def set_recording_start(store: CaseStore, ref: str, recording_start: str, actor: str) -> ChangeSet:
    """A recording start typed by the reviewer (ISO 8601 with offset)."""
    from .timecode import format_instant, parse_instant

    start = format_instant(parse_instant(recording_start))
    return _perform(store, actor, EXHIBIT_START, f"Set the recording start of {ref}",
                    lambda: store.update_exhibit(ref, actor, action=EXHIBIT_START, recording_start=start,
                                                 start_source="typed"))


def set_start_from(store: CaseStore, ref: str, ref2: str, offset_ms: float, actor: str,
                   source: str = "aligned") -> ChangeSet:
    """REF's recording start = REF2's + offset: found by sound ("aligned") or by hand ("offset")."""
    from .align import set_start_from as store_start  # numpy only when aligning

    action = EXHIBIT_ALIGN if source == "aligned" else EXHIBIT_START
    return _perform(store, actor, action, f"Align {ref} to {ref2}",
                    lambda: store_start(store, ref, ref2, offset_ms, actor, source=source))


def relink(store: CaseStore, ref: str, footage: Path | str, sha256: str, actor: str) -> ChangeSet:
    """Point an exhibit at its footage moved elsewhere, only if the file hashed to its SHA-256."""
    exhibit = store.exhibit(ref)
    if sha256 != exhibit.sha256:
        raise ReviewError(f"{Path(footage).name} is not the footage of exhibit {exhibit.ref}: its SHA-256 "
                          "differs, so it was not linked.")
    return _perform(store, actor, EXHIBIT_RELINK, f"Relink {exhibit.ref}",
                    lambda: store.update_exhibit(exhibit.ref, actor, action=EXHIBIT_RELINK,
                                                 path=store.stored_path(Path(footage))))


# -- categories, the case, machine drafts, coverage ------------------------------------------
def add_category(store: CaseStore, category: Category, actor: str) -> ChangeSet:
    return _perform(store, actor, CATEGORY_ADD, f"Add category {category.name}",
                    lambda: store.add_category(category, actor))


def update_category(store: CaseStore, slug: str, actor: str, **changes) -> ChangeSet:
    """Rename, recolour or rebind a category's key."""
    return _perform(store, actor, CATEGORY_UPDATE, f"Edit category {slug}",
                    lambda: store.update_category(slug, actor, **changes))


def add_reviewer(store: CaseStore, name: str) -> ChangeSet:
    """A reviewer's name joins the case (on their first change, never on merely opening it)."""
    if not name or name in store.case().reviewers:
        return ChangeSet(CASE_REVIEWER, name, "Add reviewer")
    return _perform(store, name, CASE_REVIEWER, f"Add reviewer {name}", lambda: store.add_reviewer(name))


def save_machine_draft(store: CaseStore, exhibit, segments, *, reviewer: str, **fields) -> ChangeSet:
    """Store a machine draft transcript (replacing the exhibit's previous one); never evidence."""
    from .transcripts import save_draft

    return _perform(store, reviewer, TRANSCRIPT_SAVE, "Save the machine draft",
                    lambda: save_draft(store, exhibit, segments, reviewer=reviewer, **fields))


def record_coverage(store: CaseStore, exhibit_id: int, reviewer: str, seconds: Iterable[int],
                    speed: float) -> ChangeSet:
    """Whole seconds of an exhibit watched by ``reviewer`` at ``speed`` (one transaction, not audited)."""
    seconds = sorted(set(seconds))
    if seconds:
        store.record_coverage(exhibit_id, reviewer, seconds, speed)
    return ChangeSet(COVERAGE_RECORD, reviewer, "Coverage", coverage=frozenset({exhibit_id} if seconds else ()))


# -- redactions (the window's Redact mode, issue 18) -------------------------------------------
def _redaction_records():
    from .redact import records  # the case file's redaction rows (no numpy or PyAV)

    return records


def add_redactions(store: CaseStore, items: list, actor: str, *, action: str = REDACTION_ADD,
                   label: str = "") -> ChangeSet:
    """New redactions (a box drawn, a sound stretch, a face scan's suggestions): all or none."""
    return _perform(store, actor, action, label or f"Add {len(items)} redaction(s)",
                    lambda: _redaction_records().add_many(store, items, actor, action))


def edit_redaction(store: CaseStore, redaction_id: int, actor: str, changes: dict, *,
                   action: str = REDACTION_UPDATE, label: str = "", expected=None) -> ChangeSet:
    """Some fields of one redaction (``keyframes`` as Keyframes): a box moved, its times, its reason.
    ``expected``: the redaction as the reviewer saw it (refused if anyone changed it since)."""
    return _perform(store, actor, action, label or f"Edit redaction {redaction_id}",
                    lambda: _redaction_records().update(store, redaction_id, actor, action=action,
                                                        expected=expected, **changes))


def confirm_redactions(store: CaseStore, redaction_ids: list[int], actor: str) -> ChangeSet:
    n = len(redaction_ids)
    return _perform(store, actor, REDACTION_CONFIRM, f"Confirm {n} redaction{'s' if n != 1 else ''}",
                    lambda: _redaction_records().confirm(store, redaction_ids, actor))


def delete_redaction(store: CaseStore, redaction_id: int, actor: str, expected=None) -> ChangeSet:
    return _perform(store, actor, REDACTION_DELETE, f"Delete redaction {redaction_id}",
                    lambda: _redaction_records().delete(store, redaction_id, actor, action=REDACTION_DELETE,
                                                        expected=expected))


def record_redacted_copy(store: CaseStore, row: dict, actor: str) -> ChangeSet:
    """A redacted copy just made (its file in place), with both hashes and what it applied."""
    return _perform(store, actor, REDACTION_COPY, f"Record redacted copy {Path(row['path']).name}",
                    lambda: _redaction_records().record_copy(store, row, actor))


# -- undo and redo -----------------------------------------------------------------------------
def _reversed_action(action: str, verb: str) -> str:
    entity, _, done = action.partition(".")
    done = done.removeprefix("undo-").removeprefix("redo-")
    return f"{entity}.{verb}-{_SAME_ROW_VERB.get(done, done)}"


def _ends(change: ChangeSet) -> list[tuple[RowChange, RowChange]]:
    """(first, last) row written for each entity row the change touched, newest first."""
    first: dict[tuple[str, int], RowChange] = {}
    last: dict[tuple[str, int], RowChange] = {}
    for r in change.rows:
        first.setdefault((r.entity, r.id), r)
        last[(r.entity, r.id)] = r
    return [(first[k], last[k]) for k in reversed(list(first))]


def _same(row: dict | None, other: dict | None) -> bool:
    """The same content ("updated" is when, not what: an undo puts content back, not the stamp)."""
    if row is None or other is None:
        return row is other
    return {k: v for k, v in row.items() if k != "updated"} == {k: v for k, v in other.items() if k != "updated"}


def _check_unchanged(store: CaseStore, change: ChangeSet) -> None:
    for _first, last in _ends(change):
        current = store._row(last.entity, last.id)  # noqa: SLF001 - the core reads its own rows
        if not _same(current, last.after):
            later = store.db.conn.execute(
                "SELECT actor, action FROM audit WHERE entity = ? AND entity_id = ? AND seq > ? ORDER BY seq DESC",
                [last.entity, last.id, last.seq]).fetchone()
            who = f" ({later[1]} by {later[0]})" if later else " (outside the app)"
            raise ReviewError(f"{last.entity.replace('_', ' ').capitalize()} {last.id} has been changed since"
                              f"{who}; undoing would overwrite that, so nothing was changed.")


def _put_back(store: CaseStore, first: RowChange, last: RowChange, actor: str, verb: str) -> None:
    """Return one row to how it was before ``first`` wrote it."""
    want, action = first.before, _reversed_action(last.action, verb)
    if last.entity == "annotation":
        if want is None:
            store.delete_annotation(last.id, actor, action=action)
        elif last.after is None:
            store.add_annotation(from_row(Annotation, want), actor, action=action)
        else:
            changes = {k: v for k, v in want.items() if k not in ("id", "updated") and last.after.get(k) != v}
            store.update_annotation(last.id, actor, action=action, **changes)
    elif last.entity == "redaction":
        records = _redaction_records()
        if want is None:
            records.delete(store, last.id, actor, action=action)
        elif last.after is None:
            records.add(store, records.from_row(want), actor, action=action)
        else:
            was = records.from_row(want)
            changed = {k for k, v in want.items() if k not in ("id", "updated") and last.after.get(k) != v}
            records.update(store, last.id, actor, action=action, **{k: getattr(was, k) for k in changed})
    elif last.entity == "exhibit" and want and last.after:
        changes = {k: v for k, v in want.items() if k != "id" and last.after.get(k) != v}
        store.update_exhibit(last.after["ref"], actor, action=action, **changes)
    elif last.entity == "category" and want and last.after:
        changes = {k: v for k, v in want.items() if k != "id" and last.after.get(k) != v}
        store.update_category(last.after["slug"], actor, action=action, **changes)
    else:
        raise ReviewError(f"This change ({first.action}) cannot be undone; nothing was changed.")


def _reverse(store: CaseStore, change: ChangeSet, actor: str, verb: str) -> ChangeSet:
    if not change.rows:
        raise ReviewError(f"There is nothing to {verb}.")
    if not change.undoable:
        raise ReviewError(f"{change.label} cannot be undone; nothing was changed.")
    _check_unchanged(store, change)
    undoes = change.undoes if verb == "redo" and change.undoes is not None else change.number
    label = change.label.removeprefix("Undo: ").removeprefix("Redo: ")

    def body() -> None:
        for first, last in _ends(change):
            _put_back(store, first, last, actor, verb)

    return _perform(store, actor, _reversed_action(change.action, verb), f"{verb.capitalize()}: {label}", body,
                    undoes=(f"{verb}es", undoes))


def undo(store: CaseStore, change: ChangeSet, actor: str) -> ChangeSet:
    """Put back every row ``change`` wrote, as one audited change; refused if any has changed since."""
    return _reverse(store, change, actor, "undo")


def redo(store: CaseStore, undone: ChangeSet, actor: str) -> ChangeSet:
    """Take back an undo (``undone`` is the change set :func:`undo` returned)."""
    return _reverse(store, undone, actor, "redo")

