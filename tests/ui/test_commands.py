"""Undoable commands: each step saved at once and audited, undo and redo included."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from bwv_review.core.model import Annotation
from bwv_review.ui.commands import (
    AddAnnotation,
    DeleteAnnotation,
    EditAnnotation,
    StoreContext,
    set_end,
    set_start,
)

pytestmark = pytest.mark.gui


@pytest.fixture
def ctx(review_store, qapp):
    changes, errors = [], []
    context = StoreContext(review_store, lambda: "Test Reviewer",
                           lambda aid, ann: changes.append((aid, ann)), errors.append)
    context.changes, context.errors = changes, errors
    return context


def _actions(store, since: int) -> list[str]:
    return [r["action"] for r in store.audit_rows()[since:]]


def _new(store) -> Annotation:
    ex = store.exhibit("AB/1")
    return Annotation(exhibit_id=ex.id, start_ms=1200, category_id=store.category("disclosure").id)


def test_add_undo_redo_keeps_id_and_audits_each_step(ctx, review_store):
    stack = QUndoStack()
    base = len(review_store.audit_rows())
    stack.push(AddAnnotation(ctx, _new(review_store)))
    [ann] = review_store.annotations()
    stack.undo()
    assert review_store.annotations() == []
    stack.redo()
    [again] = review_store.annotations()
    assert again.id == ann.id and again.created == ann.created
    assert _actions(review_store, base) == ["annotation.add", "annotation.undo-add", "annotation.redo-add"]
    assert ctx.changes[-1] == (ann.id, again)
    assert ctx.errors == []


def test_edit_and_interval_undo_restore_old_values(ctx, review_store):
    stack = QUndoStack()
    stack.push(AddAnnotation(ctx, _new(review_store)))
    [ann] = review_store.annotations()
    base = len(review_store.audit_rows())
    stack.push(EditAnnotation(ctx, ann.id, {"text": "He strangled me.", "speaker": "the woman"}))
    stack.push(set_end(ctx, review_store.annotation(ann.id), 1800))
    stack.push(set_start(ctx, review_store.annotation(ann.id), 1900))  # drags the end along
    now = review_store.annotation(ann.id)
    assert (now.text, now.speaker, now.start_ms, now.end_ms) == ("He strangled me.", "the woman", 1900, 1900)
    stack.undo()
    stack.undo()
    stack.undo()
    back = review_store.annotation(ann.id)
    assert (back.text, back.speaker, back.start_ms, back.end_ms) == ("", "", 1200, None)
    assert _actions(review_store, base) == [
        "annotation.update", "annotation.set-end", "annotation.set-start",
        "annotation.undo-set-start", "annotation.undo-set-end", "annotation.undo-update",
    ]


def test_delete_undo_reinserts_same_row(ctx, review_store):
    stack = QUndoStack()
    stack.push(AddAnnotation(ctx, _new(review_store)))
    [ann] = review_store.annotations()
    stack.push(EditAnnotation(ctx, ann.id, {"text": "Keep the noise down."}))
    stack.push(DeleteAnnotation(ctx, ann.id))
    assert review_store.annotations() == []
    stack.undo()
    [back] = review_store.annotations()
    assert back.id == ann.id and back.text == "Keep the noise down." and back.created == ann.created
    assert review_store.audit_rows()[-1]["action"] == "annotation.undo-delete"


def test_refused_change_is_reported_and_not_kept(ctx, review_store):
    stack = QUndoStack()
    stack.push(AddAnnotation(ctx, _new(review_store)))
    [ann] = review_store.annotations()
    stack.push(set_end(ctx, ann, 100))  # before the start: the store refuses
    assert ctx.errors == ["An annotation cannot end before it starts."]
    assert stack.count() == 1
    assert review_store.annotation(ann.id).end_ms is None
