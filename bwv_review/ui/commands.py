"""Every change a reviewer makes to the evidence, as an undoable, audited command.

Each command's redo/undo calls ``CaseStore``, which writes the change and its audit row in
one transaction, so the case file is saved the moment a command runs (there is no Save)
and the audit log shows undo and redo as what they are (``annotation.undo-add`` ...).

If the store refuses a change (a read-only case, an end before its start, a row another
program deleted) the command marks itself obsolete, so QUndoStack drops it instead of
keeping a step that never happened, and the sentence goes to ``on_error``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from ..core.errors import ReviewError
from ..core.model import Annotation
from ..core.outbox import Change
from ..core.timecode import format_ms

if TYPE_CHECKING:  # the case file (sqlite_utils) loads when a case opens
    from ..core.store import CaseStore

EDITABLE = ("category_id", "speaker", "text", "note", "status", "start_ms", "end_ms")


class StoreContext:
    """What a command needs besides its own data: the store, who acts, whom to tell."""

    def __init__(
        self,
        store: CaseStore,
        actor: Callable[[], str],
        on_changed: Callable[[int, Annotation | None], None],
        on_error: Callable[[str], None],
        keep: Callable[[Change], None] | None = None,
    ):
        self.store = store
        self.actor = actor
        self.on_changed = on_changed  # (annotation id, annotation now or None if gone)
        self.on_error = on_error
        self.keep = keep  # a server case: keeps a change the server could not take (core/outbox.py)


class _StoreCommand(QUndoCommand):
    def __init__(self, ctx: StoreContext, text: str):
        super().__init__(text)
        self.ctx = ctx
        self._first = True

    def _run(self, step: Callable[[], None], first: bool = False) -> None:
        try:
            step()
        except ReviewError as exc:
            self.setObsolete(True)
            change = self._offline(first) if getattr(exc, "lost", False) and self.ctx.keep else None
            if change is not None:
                doubt = getattr(self.ctx.store, "in_doubt", None)
                change.landed_if = list(doubt) if doubt else None
                self.ctx.keep(change)
                self.ctx.on_error(f"{exc} Your change is kept on this computer and sent when the server is back.")
                return
            self.ctx.on_error(str(exc))

    def _offline(self, first: bool) -> Change | None:
        """This command's change as the outbox keeps it (only a new change, not an undo or redo)."""
        return None

    def redo(self) -> None:
        first, self._first = self._first, False
        self._run(lambda: self._redo(first), first)

    def undo(self) -> None:
        self._run(self._undo)

    def _redo(self, first: bool) -> None:
        raise NotImplementedError

    def _undo(self) -> None:
        raise NotImplementedError


class AddAnnotation(_StoreCommand):
    """A new mark; undo deletes it, redo puts it back with the same id."""

    def __init__(self, ctx: StoreContext, annotation: Annotation, label: str = "Add mark",
                 action: str = "annotation.add"):
        super().__init__(ctx, f"{label} at {format_ms(annotation.start_ms)}")
        self.annotation = dataclasses.replace(annotation)
        self.annotation_id: int | None = None
        self.action = action  # the audit says how it was made ("annotation.add_from_transcript")

    def _redo(self, first: bool) -> None:
        action = self.action if first else "annotation.redo-add"
        ann = dataclasses.replace(self.annotation, id=self.annotation_id)
        saved = self.ctx.store.add_annotation(ann, self.ctx.actor(), action=action)
        self.annotation_id = saved.id
        self.annotation = saved
        self.ctx.on_changed(saved.id, saved)

    def _offline(self, first: bool) -> Change | None:
        data = {k: v for k, v in dataclasses.asdict(self.annotation).items() if k != "id"}
        return Change("add", self.ctx.actor(), annotation=data) if first else None

    def _undo(self) -> None:
        # Keep what the row held when it was undone (it may have been edited since).
        current = self.ctx.store.delete_annotation(self.annotation_id, self.ctx.actor(), action="annotation.undo-add")
        self.annotation = current
        self.ctx.on_changed(self.annotation_id, None)


class DeleteAnnotation(_StoreCommand):
    """Removes a mark; undo re-inserts it with the same id and content. ``expected``: the
    mark as the reviewer saw it (refused if someone changed it since: core/conflicts.py)."""

    def __init__(self, ctx: StoreContext, annotation_id: int, expected: Annotation | None = None):
        super().__init__(ctx, "Delete mark")
        self.annotation_id = annotation_id
        self.annotation: Annotation | None = expected

    def _redo(self, first: bool) -> None:
        action = "annotation.delete" if first else "annotation.redo-delete"
        self.annotation = self.ctx.store.delete_annotation(self.annotation_id, self.ctx.actor(), action=action,
                                                           expected=self.annotation)
        self.setText(f"Delete mark at {format_ms(self.annotation.start_ms)}")

    def _offline(self, first: bool) -> Change | None:
        if not first or self.annotation is None:
            return None
        return Change("delete", self.ctx.actor(), expected=dataclasses.asdict(self.annotation))
        self.ctx.on_changed(self.annotation_id, None)

    def _undo(self) -> None:
        saved = self.ctx.store.add_annotation(
            dataclasses.replace(self.annotation), self.ctx.actor(), action="annotation.undo-delete"
        )
        self.ctx.on_changed(saved.id, saved)


class EditAnnotation(_StoreCommand):
    """Changes some fields of one mark; undo puts the old values back.

    ``expected`` is the mark as the reviewer saw it when they made the change; each later
    undo or redo expects it as this command left it. If another reviewer changed it in
    between, the store refuses with a sentence naming them (core/conflicts.py): never a
    silent overwrite of their work."""

    def __init__(self, ctx: StoreContext, annotation_id: int, changes: dict, action: str = "annotation.update",
                 label: str = "Edit mark", expected: Annotation | None = None):
        super().__init__(ctx, label)
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        self.annotation_id = annotation_id
        self.after = dict(changes)
        self.before: dict | None = None
        self.action = action
        self.expected = expected

    def _redo(self, first: bool) -> None:
        if self.before is None:
            current = self.expected or self.ctx.store.annotation(self.annotation_id)
            self.before = {k: getattr(current, k) for k in self.after}
        verb = self.action.split(".", 1)
        action = self.action if first else f"{verb[0]}.redo-{verb[1]}"
        saved = self.ctx.store.update_annotation(self.annotation_id, self.ctx.actor(), action=action,
                                                 expected=self.expected, **self.after)
        self.expected = saved
        self.ctx.on_changed(saved.id, saved)

    def _offline(self, first: bool) -> Change | None:
        if not first or self.expected is None:
            return None
        return Change("update", self.ctx.actor(), expected=dataclasses.asdict(self.expected), changes=dict(self.after))

    def _undo(self) -> None:
        verb = self.action.split(".", 1)
        saved = self.ctx.store.update_annotation(
            self.annotation_id, self.ctx.actor(), action=f"{verb[0]}.undo-{verb[1]}", expected=self.expected,
            **self.before
        )
        self.expected = saved
        self.ctx.on_changed(saved.id, saved)


def set_start(ctx: StoreContext, annotation: Annotation, start_ms: int) -> EditAnnotation:
    """Move the start; an end that would come before it moves with it."""
    changes: dict = {"start_ms": int(start_ms)}
    if annotation.end_ms is not None and annotation.end_ms < start_ms:
        changes["end_ms"] = int(start_ms)
    return EditAnnotation(ctx, annotation.id, changes, action="annotation.set-start",
                          label=f"Set start to {format_ms(start_ms)}", expected=annotation)


def set_end(ctx: StoreContext, annotation: Annotation, end_ms: int) -> EditAnnotation:
    return EditAnnotation(ctx, annotation.id, {"end_ms": int(end_ms)}, action="annotation.set-end",
                          label=f"Set end to {format_ms(end_ms)}", expected=annotation)


def set_interval(ctx: StoreContext, annotation: Annotation, start_ms: int, end_ms: int) -> EditAnnotation:
    return EditAnnotation(ctx, annotation.id, {"start_ms": int(start_ms), "end_ms": int(end_ms)},
                          action="annotation.set-interval",
                          label=f"Set interval {format_ms(start_ms)}-{format_ms(end_ms)}", expected=annotation)
