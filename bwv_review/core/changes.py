"""What a change to a case was, as its audit log records it: change sets.

Every audited write leaves an audit row with the full row before and after. A change set
is those rows for one change (a core operation, an undo, another program's writes), read
back from the log, so what the window shows and what an undo puts back are exactly what
the log says. Each row a core operation writes names its change in the row's detail
("change 41", "change 57 (undoes change 41)"): the number of its first audit row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .errors import ReviewError
from .model import Annotation, Category, Exhibit, from_row

if TYPE_CHECKING:
    from .store import CaseStore

OUTSIDE = "outside"  # written by another connection: another program, reviewer or worker
_TAG = re.compile(r"(?:^|; )change (\d+)(?: \((undoes|redoes) change (\d+)\))?$")


@dataclass(frozen=True)
class RowChange:
    """One audited row written: its table, id, the action named in the log, before and after.

    The rows are kept as the log holds them (JSON) and read on first use: a 200,000-row import
    is one change, and a command line that only reports it never needs them parsed."""

    entity: str
    id: int
    action: str
    before_json: str | None
    after_json: str | None
    seq: int
    actor: str = ""

    @cached_property
    def before(self) -> dict | None:
        return _loads(self.before_json)

    @cached_property
    def after(self) -> dict | None:
        return _loads(self.after_json)


@dataclass(frozen=True)
class ChangeSet:
    """What one operation (or another program) changed, as the audit log records it.

    ``rows`` in the order written. ``number`` is the change's number in the log (its first
    audit row), None when nothing audited was written. ``coverage`` names exhibits whose
    review coverage changed (not audited). ``undoes`` is the change an undo or redo reverses.
    """

    action: str
    actor: str
    label: str
    rows: tuple[RowChange, ...] = ()
    number: int | None = None
    coverage: frozenset[int] = frozenset()
    outside: bool = False
    undoes: int | None = None
    last_seq: int | None = None

    def __bool__(self) -> bool:
        return bool(self.rows or self.coverage)

    @property
    def undoable(self) -> bool:
        """Annotations and redactions come and go; exhibits and categories are only ever updated;
        the case details, machine drafts and redacted copies are not undone."""
        return bool(self.rows) and all(
            r.entity in ("annotation", "redaction") or (r.entity in ("exhibit", "category") and r.before and r.after)
            for r in self.rows)

    def _latest(self, entity: str) -> dict[int, dict | None]:
        out: dict[int, dict | None] = {}
        for r in self.rows:
            if r.entity == entity:
                out[r.id] = r.after
        return out

    def annotations(self) -> dict[int, Annotation | None]:
        """Each annotation changed, as it is now (None: it is gone)."""
        return {i: None if a is None else from_row(Annotation, a) for i, a in self._latest("annotation").items()}

    def annotation(self) -> Annotation | None:
        """The first annotation this change left in place (the new mark of an add)."""
        return next((a for a in self.annotations().values() if a is not None), None)

    def exhibits(self) -> dict[int, Exhibit | None]:
        return {i: None if e is None else from_row(Exhibit, {**e, "has_audio": bool(e.get("has_audio"))})
                for i, e in self._latest("exhibit").items()}

    def categories(self) -> dict[int, Category | None]:
        return {i: None if c is None else from_row(Category, c) for i, c in self._latest("category").items()}

    def redactions(self) -> dict[int, object]:
        """Each redaction changed, as it is now (None: gone)."""
        from .redact.records import from_row as redaction  # redaction rows only when there are some

        return {i: None if r is None else redaction(r) for i, r in self._latest("redaction").items()}

    @property
    def case_changed(self) -> bool:
        return any(r.entity == "case_info" for r in self.rows)

    def touches(self, *entities: str) -> bool:
        """Whether any row written is in one of these tables (e.g. "redaction", "redacted_copy")."""
        return any(r.entity in entities for r in self.rows)

    def transcripts(self) -> set[int]:
        """Exhibits whose machine draft was made, replaced or removed."""
        return {(r.after or r.before or {}).get("exhibit_id") for r in self.rows if r.entity == "transcript_run"}

    def actors(self) -> list[str]:
        return sorted({r.actor for r in self.rows if r.actor})



# -- reading the log ------------------------------------------------------------------------
def _loads(text: str | None) -> dict | None:
    return None if text is None else json.loads(text)


def rows_since(store: CaseStore, seq: int, until: int | None = None) -> list[RowChange]:
    sql = "SELECT seq, actor, action, entity, entity_id, before, after FROM audit WHERE seq > ?"
    args: list = [seq]
    if until is not None:
        sql += " AND seq <= ?"
        args.append(until)
    rows = store.db.conn.execute(sql + " ORDER BY seq", args)
    return [RowChange(entity, eid, action, before, after, s, actor)
            for s, actor, action, entity, eid, before, after in rows if entity is not None]


def changes_since(store: CaseStore, seq: int, coverage: Iterable[int] = ()) -> ChangeSet:
    """Everything audited after row ``seq`` (another program's writes), as one change set."""
    rows = rows_since(store, seq)
    head = store.audit_head()[0]
    actors = sorted({r.actor for r in rows})
    return ChangeSet(OUTSIDE, ", ".join(actors), "Changes made outside this window", tuple(rows),
                     rows[0].seq if rows else None, frozenset(coverage), outside=True, last_seq=head)


def _tag(detail: str | None) -> tuple[int, str | None, int | None] | None:
    found = _TAG.search(detail or "")
    if found is None:
        return None
    return int(found[1]), found[2], int(found[3]) if found[3] else None


def recorded(store: CaseStore, number: int) -> ChangeSet:
    """Change ``number`` as the log records it (every row tagged with it)."""
    rows, action, actor, undoes = [], "", "", None
    for seq, who, act, entity, eid, before, after, detail in store.db.conn.execute(
            "SELECT seq, actor, action, entity, entity_id, before, after, detail FROM audit WHERE seq >= ? "
            "ORDER BY seq", [number]):
        tag = _tag(detail)
        if tag is None or tag[0] != number:
            break
        actor, undoes = who, tag[2]
        if entity is not None:  # a row about no record (numbering.lowered, found on the way) names no change
            action = action or act
            rows.append(RowChange(entity, eid, act, before, after, seq, who))
    if not rows:
        raise ReviewError(f"There is no change {number} in this case's audit log.")
    return ChangeSet(action, actor, f"change {number} ({action})", tuple(rows), number, undoes=undoes,
                     last_seq=rows[-1].seq)


def last_change(store: CaseStore, actor: str) -> ChangeSet:
    """The newest change by ``actor`` that is not an undo or redo and has not been undone."""
    latest: dict[int, str] = {}  # change number -> "undoes" / "redoes", whichever came last
    for seq, who, action, detail in store.db.conn.execute(
            "SELECT seq, actor, action, detail FROM audit ORDER BY seq DESC"):
        tag = _tag(detail)
        if tag is not None and tag[1] is not None:
            latest.setdefault(tag[2], tag[1])
        if who != actor or action.startswith("case.") or tag is not None and tag[1] is not None:
            continue
        if tag is None:
            raise ReviewError(f"The last change by {actor} (audit row {seq}, {action}) was made by an earlier "
                              "bwv-review that did not record changes whole, so it cannot be undone here; "
                              "nothing was changed.")
        if latest.get(tag[0]) != "undoes":
            return recorded(store, tag[0])
    raise ReviewError(f"{actor} has made no change to this case that can be undone; nothing was changed.")
