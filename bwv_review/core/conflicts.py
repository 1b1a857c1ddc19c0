"""Two reviewers editing the same mark: the second save is refused, showing the first.

A reviewer's edit starts from the mark as they saw it (``expected``). When they save, inside
the write transaction (so nobody can slip in between), the stored row is compared with
it; if anyone changed or deleted the mark meanwhile, nothing is written and the sentence
says who changed it, when, which audit entry holds their change (the row's version) and
what they changed, so the reviewer can look and decide. Never a silent overwrite.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from .errors import ReviewError
from .model import Annotation

if TYPE_CHECKING:
    from .store import CaseStore

SHOWN = 60  # characters of a changed value shown in the sentence


class ConflictError(ReviewError):
    """Someone else changed the record first; ``current`` is it as it is now (None: deleted)."""

    def __init__(self, message: str, current: dict | None, entry: dict | None):
        super().__init__(message)
        self.current = current
        self.entry = entry


def _short(value: object) -> str:
    text = "" if value is None else str(value)
    return repr(text if len(text) <= SHOWN else text[: SHOWN - 1] + "…")


def last_change(store: CaseStore, entity: str, rid: int) -> dict | None:
    """The newest audit entry about one record: its version."""
    rows = list(store.db.query(
        "SELECT seq, at, actor, db_role, action FROM audit WHERE entity = ? AND entity_id = ? ORDER BY seq DESC LIMIT 1",
        [entity, rid]))
    return rows[0] if rows else None


def _who(entry: dict | None) -> str:
    if entry is None:
        return "someone, outside the app"
    role = f" (database role {entry['db_role']})" if entry.get("db_role") else ""
    return f"{entry['actor']}{role} at {entry['at']} (audit entry {entry['seq']})"


def check(store: CaseStore, entity: str, rid: int, stored: dict | None, expected: Annotation | dict | None,
          mine: dict | None = None) -> None:
    """Refuse (ConflictError) when the stored row is not the one the reviewer started from
    (``expected``: a record, or its row as stored, e.g. a redaction's).
    ``mine``: the reviewer's own change, repeated in the sentence so nothing typed is lost."""
    if expected is None:
        return
    label = "Mark" if entity == "annotation" else entity.capitalize()
    yours = "your change" if not mine else "your change (" + "; ".join(
        f"{k} {_short(v)}" for k, v in mine.items()) + ")"
    if stored is None:
        entry = last_change(store, entity, rid)
        raise ConflictError(f"{label} {rid} was deleted by {_who(entry)} while you were changing it; {yours} "
                            "was not saved.", None, entry)
    seen = dict(expected) if isinstance(expected, dict) else asdict(expected)
    # Only what a reviewer can see counts: a mark changed and changed back (an undo) holds
    # nothing this change would overwrite.
    changed = [k for k in seen if k in stored and stored[k] != seen[k] and k != "updated"]
    if not changed:
        return
    entry = last_change(store, entity, rid)
    what = "; ".join(f"{k} {_short(seen[k])} -> {_short(stored[k])}" for k in changed)
    raise ConflictError(f"{label} {rid} was changed by {_who(entry)} since you opened it ({what}); {yours} was "
                        "not saved. Look at theirs and make yours again if it still applies.", stored, entry)


def still(store: CaseStore, expected: Annotation) -> Annotation:
    """The annotation as stored, or ConflictError if it was deleted since ``expected`` was read."""
    rows = list(store.db.query("SELECT id FROM annotation WHERE id = ?", [expected.id]))
    if not rows:
        check(store, "annotation", expected.id, None, expected)
    return store.annotation(expected.id)
