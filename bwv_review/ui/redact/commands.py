"""Undoable, audited changes to redactions, on the same undo stack as marks.

Each command's redo/undo calls ``core.redact.records``, which writes the change and its
audit row in one transaction; undo and redo are audited as what they are
(``redaction.undo-add``, ``redaction.redo-confirm`` ...), exactly as marks are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from ...core.timecode import format_ms
from ..commands import _StoreCommand

if TYPE_CHECKING:
    from ...core.redact.model import Redaction
    from ...core.store import CaseStore

EDITABLE = ("start_ms", "end_ms", "keyframes", "shape", "style", "audio", "reason")


def _records():
    from ...core.redact import records  # noqa: PLC0415 - the case file loads with a case

    return records


class RedactionContext:
    def __init__(self, store: CaseStore, actor: Callable[[], str], on_changed: Callable[[], None],
                 on_error: Callable[[str], None]):
        self.store = store
        self.actor = actor
        self.on_changed = on_changed  # redraw: the list, the overlay
        self.on_error = on_error


class AddRedactions(_StoreCommand):
    """New redactions (a box drawn, a sound stretch, a face scan's suggestions)."""

    def __init__(self, ctx: RedactionContext, items: list[Redaction], label: str, action: str = "redaction.add"):
        super().__init__(ctx, label)
        self.items = [dataclasses.replace(r) for r in items]
        self.action = action

    def _redo(self, first: bool) -> None:
        action = self.action if first else "redaction.redo-add"
        self.items = _records().add_many(self.ctx.store, [dataclasses.replace(r) for r in self.items],
                                         self.ctx.actor(), action)
        self.ctx.on_changed()

    def _undo(self) -> None:
        records = _records()
        kept = []
        for r in self.items:
            kept.append(records.delete(self.ctx.store, r.id, self.ctx.actor(), action="redaction.undo-add"))
        self.items = kept
        self.ctx.on_changed()


class DeleteRedaction(_StoreCommand):
    def __init__(self, ctx: RedactionContext, redaction_id: int):
        super().__init__(ctx, f"Delete redaction {redaction_id}")
        self.redaction_id = redaction_id
        self.removed: Redaction | None = None

    def _redo(self, first: bool) -> None:
        action = "redaction.delete" if first else "redaction.redo-delete"
        self.removed = _records().delete(self.ctx.store, self.redaction_id, self.ctx.actor(), action=action)
        self.ctx.on_changed()

    def _undo(self) -> None:
        _records().add(self.ctx.store, dataclasses.replace(self.removed), self.ctx.actor(),
                       action="redaction.undo-delete")
        self.ctx.on_changed()


class EditRedaction(_StoreCommand):
    """Some fields of one redaction (a box moved at a keyframe, its times, its reason)."""

    def __init__(self, ctx: RedactionContext, redaction_id: int, changes: dict, label: str,
                 action: str = "redaction.update"):
        super().__init__(ctx, label)
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        self.redaction_id = redaction_id
        self.after = dict(changes)
        self.before: dict | None = None
        self.action = action

    def _redo(self, first: bool) -> None:
        records = _records()
        if self.before is None:
            current = records.redaction(self.ctx.store, self.redaction_id)
            self.before = {k: getattr(current, k) for k in self.after}
        head, verb = self.action.split(".", 1)
        action = self.action if first else f"{head}.redo-{verb}"
        records.update(self.ctx.store, self.redaction_id, self.ctx.actor(), action=action, **self.after)
        self.ctx.on_changed()

    def _undo(self) -> None:
        head, verb = self.action.split(".", 1)
        _records().update(self.ctx.store, self.redaction_id, self.ctx.actor(), action=f"{head}.undo-{verb}",
                          **self.before)
        self.ctx.on_changed()


class ConfirmRedactions(_StoreCommand):
    """Suggestions confirmed by the reviewer; undo makes them suggestions again."""

    def __init__(self, ctx: RedactionContext, redaction_ids: list[int]):
        n = len(redaction_ids)
        super().__init__(ctx, f"Confirm {n} redaction{'s' if n != 1 else ''}")
        self.redaction_ids = list(redaction_ids)

    def _redo(self, first: bool) -> None:
        records = _records()
        if first:
            records.confirm(self.ctx.store, self.redaction_ids, self.ctx.actor())
        else:
            for rid in self.redaction_ids:
                records.update(self.ctx.store, rid, self.ctx.actor(), action="redaction.redo-confirm",
                               status="confirmed")
        self.ctx.on_changed()

    def _undo(self) -> None:
        for rid in self.redaction_ids:
            _records().update(self.ctx.store, rid, self.ctx.actor(), action="redaction.undo-confirm",
                              status="suggested")
        self.ctx.on_changed()


def interval_label(r: Redaction) -> str:
    return f"{format_ms(r.start_ms)}-{format_ms(r.end_ms)}"
