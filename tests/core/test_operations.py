"""Core operations: one transaction each, audited under names defined in core, returning the
change set the audit log records; undo and redo put rows back or refuse, never overwrite."""

from __future__ import annotations

import sqlite3

import pytest

from bwv_review.core import audit, operations
from bwv_review.core.errors import ReviewError
from bwv_review.core.evidence import import_footage
from bwv_review.core.model import Annotation
from bwv_review.core.store import CaseStore
from tests.footage import write_clip

ME = "Test Reviewer"


@pytest.fixture
def two_cameras(case, tmp_path):
    cd = write_clip(case.folder / "CD-1.mp4", frames=75, fps=25)
    import_footage(case, cd, "CD/1", ME, start="2019-07-01T23:34:57+01:00")
    return case


def _mark(store, ref="AB/1", at=1200, **fields) -> Annotation:
    return Annotation(exhibit_id=store.exhibit(ref).id, start_ms=at, category_id=store.category("disclosure").id,
                      **fields)


def _tail(store, n):
    return [(r["action"], r["detail"]) for r in store.audit_rows()[-n:]]


def test_add_returns_the_change_set_the_log_records(case):
    change = operations.add_annotation(case, _mark(case, text="He strangled me."), ME, label="Mark disclosure")
    [row] = change.rows
    stored = case.annotation(row.id)
    assert change.action == operations.ANNOTATION_ADD and change.label == "Mark disclosure"
    assert row.entity == "annotation" and row.before is None and row.after["text"] == "He strangled me."
    assert change.annotations() == {stored.id: stored} and change.annotation() == stored
    last = case.audit_rows()[-1]
    assert change.number == last["seq"] and last["detail"] == f"change {change.number}"
    assert change.undoable and not change.outside


def test_edit_with_nothing_different_writes_nothing(case):
    ann = operations.add_annotation(case, _mark(case, text="x"), ME).annotation()
    rows = len(case.audit_rows())
    change = operations.edit_annotation(case, ann.id, ME, {"text": "x"})
    assert not change and len(case.audit_rows()) == rows
    with pytest.raises(ReviewError, match="cannot be edited"):
        operations.edit_annotation(case, ann.id, ME, {"reviewer": "Someone else"})


def test_set_start_past_the_end_is_refused_not_moving_the_end(case):
    ann = operations.add_annotation(case, _mark(case, at=500, end_ms=900), ME).annotation()
    with pytest.raises(ReviewError, match="would come after the end"):
        operations.set_start(case, ann.id, 1500, ME)
    assert (case.annotation(ann.id).start_ms, case.annotation(ann.id).end_ms) == (500, 900)
    with pytest.raises(ReviewError, match="would come before the start"):
        operations.set_end(case, ann.id, 100, ME)
    assert operations.set_start(case, ann.id, 700, ME).action == "annotation.set-start"


def test_link_of_three_is_one_transaction_and_one_change(two_cameras, tmp_path):
    store = two_cameras
    ef = write_clip(store.folder / "EF-1.mp4", frames=30, fps=25)
    import_footage(store, ef, "EF/1", ME)
    ids = [operations.add_annotation(store, _mark(store, ref), ME).annotation().id for ref in ("AB/1", "CD/1", "EF/1")]
    change = operations.link(store, ids, ME)
    assert [r.action for r in change.rows] == ["annotation.link"] * 3
    assert {a.event for a in change.annotations().values()} == {min(ids)}
    assert {r["detail"] for r in store.audit_rows()[-3:]} == {f"change {change.number}"}


def test_a_failure_part_way_leaves_nothing(two_cameras, monkeypatch):
    """Unlinking writes two rows; if the second fails, the first is rolled back with it."""
    store = two_cameras
    ids = [operations.add_annotation(store, _mark(store, ref), ME).annotation().id for ref in ("AB/1", "CD/1")]
    operations.link(store, ids, ME)
    head = store.audit_head()
    real = store.update_annotation
    calls = []

    def second_fails(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "update_annotation", second_fails)
    with pytest.raises(ReviewError, match="could not be saved .disk I/O error.; nothing was changed"):
        operations.unlink(store, ids[1], ME)
    monkeypatch.undo()
    assert store.audit_head() == head
    assert [store.annotation(i).event for i in ids] == [ids[0], ids[0]]


def test_undo_and_redo_are_operations_with_their_own_names(case):
    add = operations.add_annotation(case, _mark(case), ME)
    edit = operations.edit_annotation(case, add.annotation().id, ME, {"text": "Keep the noise down."})
    undone = operations.undo(case, edit, ME)
    assert case.annotation(add.annotation().id).text == ""
    assert _tail(case, 1) == [("annotation.undo-update", f"change {undone.number} (undoes change {edit.number})")]
    redone = operations.redo(case, undone, ME)
    assert case.annotation(add.annotation().id).text == "Keep the noise down."
    assert _tail(case, 1) == [("annotation.redo-update", f"change {redone.number} (redoes change {edit.number})")]
    operations.undo(case, redone, ME)
    operations.undo(case, add, ME)
    assert case.annotations() == []
    assert [a for a, _ in _tail(case, 2)] == ["annotation.undo-update", "annotation.undo-add"]
    assert audit.check_chain(case.db) == [] and audit.check_records(case.db) == []


def test_undo_refuses_to_overwrite_a_later_change(case, tmp_path):
    change = operations.add_annotation(case, _mark(case, text="He strangled me."), ME)
    with CaseStore.open(case.path) as other:  # a second reviewer edits the same mark
        operations.edit_annotation(other, change.annotation().id, "Second Reviewer", {"status": "verified"})
    with pytest.raises(ReviewError, match=r"changed since \(annotation.update by Second Reviewer\)"):
        operations.undo(case, change, ME)
    assert case.annotation(change.annotation().id).status == "verified"


def test_undo_of_a_delete_brings_back_the_same_number(case):
    ann = operations.add_annotation(case, _mark(case, text="x"), ME).annotation()
    gone = operations.delete_annotation(case, ann.id, ME)
    assert gone.annotations() == {ann.id: None}
    back = operations.undo(case, gone, ME)
    assert back.annotation().id == ann.id and case.annotation(ann.id).text == "x"


def test_alignment_is_undoable_and_footage_add_is_not(two_cameras):
    store = two_cameras
    before = store.exhibit("CD/1").recording_start
    change = operations.set_start_from(store, "CD/1", "AB/1", 3200, ME, source="offset")
    assert change.action == "exhibit.start" and store.exhibit("CD/1").recording_start != before
    operations.undo(store, change, ME)
    assert store.exhibit("CD/1").recording_start == before
    assert store.audit_rows()[-1]["action"] == "exhibit.undo-start"
    added = operations.changes_since(store, 0)
    assert not added.undoable


def test_changes_since_reads_another_programs_writes(case):
    seen = case.audit_head()[0]
    with CaseStore.open(case.path) as other:
        a = operations.add_annotation(other, _mark(other), "CLI user").annotation()
        operations.edit_annotation(other, a.id, "CLI user", {"text": "Keep the noise down."})
    change = operations.changes_since(case, seen)
    assert change.outside and change.actors() == ["CLI user"]
    assert change.annotations()[a.id].text == "Keep the noise down."
    assert change.last_seq == case.audit_head()[0]


def test_last_change_for_the_command_lines_undo(case):
    first = operations.add_annotation(case, _mark(case, at=100), ME)
    second = operations.add_annotation(case, _mark(case, at=200), ME)
    operations.add_annotation(case, _mark(case, at=300), "Someone else")
    assert operations.last_change(case, ME).number == second.number
    undone = operations.undo(case, operations.last_change(case, ME), ME)
    assert operations.last_change(case, ME).number == first.number  # the undone one is skipped
    operations.redo(case, undone, ME)
    assert operations.last_change(case, ME).number == second.number  # redone: it counts again
    recorded = operations.recorded(case, second.number)
    assert [r.id for r in recorded.rows] == [r.id for r in second.rows]


def test_import_is_one_change_through_the_same_path(case, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("File time start,Category,Text\n00:00:00.400,disclosure,One\n00:00:01.000,advice,Two\n",
                    encoding="utf-8")
    change, result = operations.import_annotations(case, path, "AB/1", ME)
    assert result.warnings == [] and len(change.rows) == 2 == len(result.added)
    assert all(r["detail"] == f"imported from log.csv; change {change.number}" for r in case.audit_rows()[-2:])
    operations.undo(case, change, ME)
    assert case.annotations() == []


def test_readonly_case_refuses_every_operation(case):
    with CaseStore.open(case.path, readonly=True) as ro, pytest.raises(ReviewError, match="read-only"):
        operations.add_annotation(ro, _mark(ro), ME)


def test_reviewer_joins_the_case_only_once(case):
    assert operations.add_reviewer(case, "New Reviewer").action == "case.update"
    assert not operations.add_reviewer(case, "New Reviewer")
    assert "New Reviewer" in case.case().reviewers


def test_redactions_are_operations_undone_like_marks(engine_case):
    case = engine_case
    from bwv_review.core.redact import model, records

    ex = case.exhibit("AB/1")
    added = operations.add_redactions(case, [model.picture(ex.id, 100, 900, model.Box(10, 10, 40, 40),
                                                           status="suggested")], ME, action="redaction.suggest")
    [rid] = added.redactions()
    confirmed = operations.confirm_redactions(case, [rid], ME)
    moved = operations.edit_redaction(case, rid, ME, {"keyframes": [model.Keyframe(100.0, model.Box(20, 20, 40, 40))]},
                                      action="redaction.move")
    assert records.redaction(case, rid).status == "confirmed"
    for change in (moved, confirmed):
        operations.undo(case, change, ME)
    back = records.redaction(case, rid)
    assert back.status == "suggested" and back.keyframes[0].box == model.Box(10, 10, 40, 40)
    gone = operations.delete_redaction(case, rid, ME)
    operations.undo(case, gone, ME)
    assert records.redaction(case, rid).keyframes[0].box == model.Box(10, 10, 40, 40)
    operations.undo(case, added, ME)
    assert records.redactions(case) == []
    assert [r["action"] for r in case.audit_rows()][-5:] == [
        "redaction.undo-move", "redaction.undo-confirm", "redaction.delete", "redaction.undo-delete",
        "redaction.undo-suggest"]
    assert audit.check_chain(case.db) == [] and audit.check_records(case.db) == []
