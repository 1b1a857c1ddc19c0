"""Redactions in the case file: audited like marks, caught when edited behind the app's
back, and a case from the format before redactions existed."""

from __future__ import annotations

import sqlite3

import pytest

from bwv_review.core import schema
from bwv_review.core.errors import ReviewError
from bwv_review.core.evidence import import_footage, verify_case
from bwv_review.core.redact import model, records
from bwv_review.core.store import CaseStore


def _actions(store) -> list[str]:
    return [r["action"] for r in store.audit_rows() if r["action"].startswith("redaction")]


def test_every_change_is_audited_and_replays(engine_case):
    case = engine_case
    ex = case.exhibit("AB/1")
    box = records.add(case, model.picture(ex.id, 100, 900, model.Box(1, 2, 30, 40), reason="screen"), "Jo")
    tone = records.add(case, model.sound(ex.id, 200, 400, audio="tone"), "Jo")
    face, = records.add_many(case, [model.picture(ex.id, 0, 500, model.Box(5, 5, 20, 20), status="suggested",
                                                  source="faces:centerface")], "machine", "redaction.suggest")
    assert face.reviewer == "machine" and face.status == "suggested"
    records.update(case, box.id, "Jo", keyframes=box.with_keyframe(800, model.Box(50, 2, 30, 40)).keyframes)
    records.confirm(case, [face.id, box.id], "Al")  # box is confirmed already: no row for it
    assert records.redaction(case, face.id).reviewer == "Al"
    records.delete(case, tone.id, "Jo")
    assert _actions(case) == ["redaction.add", "redaction.add", "redaction.suggest", "redaction.update",
                              "redaction.confirm", "redaction.delete"]
    again = records.redaction(case, box.id)
    assert again.box_at(450) == model.Box(25.5, 2, 30, 40)
    assert [r.id for r in records.redactions(case, ex.id)] == [face.id, box.id]
    assert verify_case(case) == []


def test_refusals(engine_case):
    case = engine_case
    ex = case.exhibit("AB/1")
    with pytest.raises(ReviewError, match="outside the picture"):
        records.add(case, model.picture(ex.id, 0, 10, model.Box(5000, 0, 5, 5)), "Jo")
    with pytest.raises(ReviewError, match="No redaction 99"):
        records.update(case, 99, "Jo", reason="x")
    r = records.add(case, model.picture(ex.id, 0, 99_999, model.Box(0, 0, 5, 5)), "Jo")
    assert r.end_ms == ex.duration_ms  # "to the end" means the footage's end
    with pytest.raises(ReviewError, match="no field .exhibit_id. that can be changed"):
        records.update(case, r.id, "Jo", exhibit_id=2)
    assert _actions(case) == ["redaction.add"]


def test_a_redaction_changed_behind_the_apps_back_is_caught(case):
    ex = case.exhibit("AB/1")
    r = records.add(case, model.picture(ex.id, 0, 900, model.Box(10, 10, 50, 50), reason="child"), "Jo")
    path = case.path
    case.close()
    attacker = sqlite3.connect(path)
    attacker.execute("UPDATE redaction SET keyframes = '[[0,10,10,1,1]]' WHERE id = ?", [r.id])
    attacker.execute("INSERT INTO redacted_copy (exhibit_id, path, sha256, size, source_sha256, redactions) "
                     "VALUES (1, 'x.mp4', 'ab', 1, 'cd', '[]')")
    attacker.commit()
    attacker.close()
    with CaseStore.open(path, readonly=True) as store:
        problems = [str(p) for p in verify_case(store)]
    assert f"Redaction {r.id} was changed outside the app (keyframes)." in problems
    assert "Redacted_copy 1 was added outside the app (no audit record)." in problems


def test_a_format_4_case_gains_the_redaction_tables(footage_copy):
    path = footage_copy.parent / "format4.bwvcase"
    saved, real_version = list(schema.STEPS), schema.VERSION
    schema.STEPS[:] = saved[:4]
    schema.VERSION = 4
    try:
        store = CaseStore.create(path, "Old case", "REF/OLD", "Old Reviewer")
        import_footage(store, footage_copy, "AB/1", "Old Reviewer")
        store.close()
    finally:
        schema.STEPS[:] = saved
        schema.VERSION = real_version
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'redaction'").fetchone()
    conn.close()
    with CaseStore.open(path, readonly=True) as store:  # read through an upgraded copy in memory
        assert [p.kind for p in verify_case(store)] == ["format"]  # unsigned until upgraded: said, not hidden
    with CaseStore.open(path, actor="Old Reviewer") as store:
        assert store.db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION >= 6
        details = [r["detail"] for r in store.audit_rows()]
        assert "case format 4 -> 5" in details and "case format 5 -> 6" in details
        ex = store.exhibit("AB/1")
        records.add(store, model.sound(ex.id, 0, 500), "Old Reviewer")
        assert verify_case(store) == []
    assert path.with_name("format4.bwvcase.format4.bak").exists()


def test_copies_replaced_or_gone_are_noted_not_failed(engine_case, tmp_path):
    case = engine_case
    ex = case.exhibit("AB/1")
    first = case.folder / "copy.mp4"  # copies are made in the case folder or a media folder
    first.write_bytes(b"one")
    row = {"exhibit_id": ex.id, "path": str(first), "sha256": "x", "size": 3, "source_sha256": ex.sha256,
           "redactions": "[]"}
    records.record_copy(case, row, "Jo")
    import hashlib

    first.write_bytes(b"two")
    records.record_copy(case, dict(row, sha256=hashlib.sha256(b"two").hexdigest()), "Jo")
    present, notes = records.copy_notes(case)
    assert [r["id"] for r, _ in present] == [2] and notes == ["Redacted copy 1 (copy.mp4) was replaced by copy 2."]
    assert records.check_copies(case) == []
    first.unlink()
    assert "not here any more" in records.copy_notes(case)[1][-1]


@pytest.mark.pg
def test_a_redaction_changed_on_the_server_behind_the_apps_back_is_caught(server_case):
    """The case's owner (who may write any table) edits a redaction with psql: verify says so."""
    import psycopg

    from bwv_review.core.cases import open_case

    owner, as_role = server_case
    with open_case(as_role("reviewer_a"), actor="Jo") as store:
        ex = store.exhibit("AB/1")
        r = records.add(store, model.picture(ex.id, 0, 900, model.Box(10, 10, 50, 50), reason="child"), "Jo")
    with psycopg.connect(owner, autocommit=True) as attacker:
        attacker.execute("UPDATE bwv.redaction SET keyframes = '[[0,10,10,1,1]]' WHERE id = %s", [r.id])
    with open_case(as_role("reviewer_b"), readonly=True) as store:
        problems = [str(p) for p in verify_case(store)]
    assert f"Redaction {r.id} was changed outside the app (keyframes)." in problems


def test_a_second_reviewers_edit_from_an_old_view_is_refused_naming_the_first(engine_case):
    """As for marks: a redaction moved by one reviewer is not silently moved back (or deleted)
    by another working from what they saw before; the sentence names who changed it."""
    from bwv_review.core import operations
    from bwv_review.core.cases import open_case
    from bwv_review.core.conflicts import ConflictError

    case = engine_case
    ex = case.exhibit("AB/1")
    (rid,) = operations.add_redactions(case, [model.picture(ex.id, 0, 900, model.Box(10, 10, 50, 50))],
                                       "Reviewer A").redactions()
    seen_by_a = records.redaction(case, rid)
    assert records.seen(seen_by_a) == case._row("redaction", rid)  # what was seen is what is stored, exactly
    with open_case(case.path, actor="Reviewer B") as other:
        operations.edit_redaction(other, rid, "Reviewer B", {"keyframes": [model.Keyframe(0, model.Box(90, 10, 50, 50))]},
                                  action="redaction.move", expected=records.redaction(other, rid))
    head = case.audit_head()
    with pytest.raises(ConflictError, match=rf"Redaction {rid} was changed by Reviewer B .*keyframes"):
        operations.edit_redaction(case, rid, "Reviewer A", {"style": "solid"}, expected=seen_by_a)
    with pytest.raises(ConflictError, match=rf"Redaction {rid} was changed by Reviewer B"):
        operations.delete_redaction(case, rid, "Reviewer A", expected=seen_by_a)
    assert case.audit_head() == head  # nothing written
    assert records.redaction(case, rid).keyframes[0].box.x == 90 and records.redaction(case, rid).style == "pixelate"
    fresh = records.redaction(case, rid)  # from what is there now: fine
    operations.edit_redaction(case, rid, "Reviewer A", {"style": "solid"}, expected=fresh)
    assert records.redaction(case, rid).style == "solid"


def test_a_report_recorded_without_its_hash_is_said_not_checked(engine_case):
    """A copy recorded before reports were hashed (no report_sha256): still verifies, and says
    the report's bytes were not checked rather than passing it in silence."""
    case = engine_case
    ex = case.exhibit("AB/1")
    copy, report = case.folder / "copy.mp4", case.folder / "copy report.docx"
    copy.write_bytes(b"one")
    report.write_bytes(b"report")
    import hashlib

    records.record_copy(case, {"exhibit_id": ex.id, "path": str(copy), "sha256": hashlib.sha256(b"one").hexdigest(),
                               "size": 3, "source_sha256": ex.sha256, "redactions": "[]",
                               "report_path": str(report)}, "Jo")
    assert records.check_copies(case) == [] and verify_case(case) == []
    assert records.report_notes(case) == ([], [
        "The disclosure report of redacted copy 1 (copy report.docx) was not checked: its SHA-256 was not recorded "
        "when it was written."])
