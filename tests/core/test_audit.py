"""verify replays the audit chain and catches every kind of tampering."""

import sqlite3

import pytest

from bwv_review.core import audit, seals
from bwv_review.core.errors import ReviewError
from bwv_review.core.evidence import verify_case
from bwv_review.core.model import Annotation
from bwv_review.core.store import CaseStore


@pytest.fixture
def annotated(case):
    ex = case.exhibit("AB/1")
    ids = []
    for i, text in enumerate(["He strangled me.", "Look at the state she's in.", "Nothing happened."]):
        cat = case.category(["disclosure", "officer-remark", "retraction"][i])
        ids.append(case.add_annotation(
            Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=300 * (i + 1), text=text),
            "Test Reviewer").id)
    case.update_annotation(ids[0], "Test Reviewer", status="verified")
    path = case.path
    assert verify_case(case) == []
    case.close()
    return path, ids


def _behind_the_back(path, *sql):
    conn = sqlite3.connect(path)
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _problems(path):
    with CaseStore.open(path, readonly=True) as store:
        return [str(p) for p in verify_case(store)]


def test_clean_case_verifies(annotated):
    assert _problems(annotated[0]) == []


def test_annotation_text_edited_outside_app(annotated):
    path, ids = annotated
    _behind_the_back(path, f"UPDATE annotation SET text = 'He pushed me.' WHERE id = {ids[0]}")
    assert _problems(path) == [f"Annotation {ids[0]} was changed outside the app (text)."]


def test_annotation_time_edited_outside_app(annotated):
    path, ids = annotated
    _behind_the_back(path, f"UPDATE annotation SET start_ms = start_ms + 40 WHERE id = {ids[1]}")
    assert _problems(path) == [f"Annotation {ids[1]} was changed outside the app (start_ms)."]


def test_annotation_deleted_and_added_outside_app(annotated):
    path, ids = annotated
    _behind_the_back(
        path,
        f"DELETE FROM annotation WHERE id = {ids[2]}",
        "INSERT INTO annotation (exhibit_id, start_ms, category_id, status, text) VALUES (1, 5, 1, 'verified', 'forged')",
    )
    problems = _problems(path)
    assert f"Annotation {ids[2]} was deleted outside the app." in problems
    assert any("added outside the app" in p for p in problems)


def test_audit_row_altered(annotated):
    path, _ = annotated
    _behind_the_back(path, "UPDATE audit SET actor = 'Someone Else' WHERE seq = 3")
    assert any("Audit row 3" in p and "altered" in p for p in _problems(path))


def test_audit_row_deleted_in_the_middle(annotated):
    path, _ = annotated
    _behind_the_back(path, "DELETE FROM audit WHERE seq = 5")
    problems = _problems(path)
    assert any("rows 5 to 5 are missing" in p for p in problems)


def test_last_audit_row_deleted(annotated):
    path, ids = annotated
    _behind_the_back(path, "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
    problems = _problems(path)
    assert any("rows have been removed or replaced at its end" in p for p in problems)
    # and the change it recorded no longer has a record either
    assert f"Annotation {ids[0]} was changed outside the app (status, updated)." in problems


def test_last_audit_row_deleted_and_head_rewritten(annotated):
    path, ids = annotated
    _behind_the_back(
        path,
        "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)",
        "UPDATE audit_head SET seq = (SELECT max(seq) FROM audit), hash = (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1)",
    )
    assert f"Annotation {ids[0]} was changed outside the app (status, updated)." in _problems(path)


def test_footage_changed_by_one_bit(annotated, footage_copy):
    path, _ = annotated
    data = bytearray(footage_copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    footage_copy.write_bytes(bytes(data))
    assert _problems(path) == [
        f"Footage for exhibit AB/1 has changed since it was added (SHA-256 no longer matches): {footage_copy}."
    ]


def test_footage_missing(annotated, footage_copy):
    path, _ = annotated
    footage_copy.rename(footage_copy.with_name("moved.mp4"))
    assert _problems(path) == [f"Footage for exhibit AB/1 is missing (expected at {footage_copy})."]


def _written_by(case, write):
    """The audit rows and head ``write`` appends in one transaction, which is then undone."""
    class Undo(Exception):
        pass

    seq = audit.head(case.db)[0]
    with pytest.raises(Undo):
        with case.transaction():
            write()
            got = (case.db.execute("SELECT * FROM audit WHERE seq > ? ORDER BY seq", [seq]).fetchall(),
                   audit.head(case.db))
            raise Undo
    assert audit.head(case.db)[0] == seq
    return got


def test_a_batch_of_audit_rows_is_the_chain_one_row_at_a_time_makes(case, monkeypatch):
    monkeypatch.setattr(audit, "now_iso", lambda: "2019-08-01T09:30:00.000+00:00")
    changes = [(i, None, {"id": i, "text": f"line {i}", "é": "ü"}) for i in range(1, 400)]
    changes += [(7, {"id": 7, "text": "before"}, {"id": 7, "text": "after"}), (7, {"id": 7}, None), (None, None, None)]
    one_by_one = _written_by(case, lambda: [audit.record(case.db, "Test Reviewer", "annotation.import", "annotation",
                                                         i, before, after, "from a.csv") for i, before, after in changes])
    batched = _written_by(case, lambda: audit.record_many(case.db, "Test Reviewer", "annotation.import", "annotation",
                                                          iter(changes), "from a.csv"))
    assert batched == one_by_one and len(batched[0]) == len(changes)
    assert _written_by(case, lambda: audit.record_many(case.db, "T", "x", "annotation", [])) == ([], audit.head(case.db))


def test_a_bulk_import_is_audited_sealed_and_verified_like_single_adds(case):
    ex, cat = case.exhibit("AB/1"), case.category("disclosure")
    added = case.add_annotations([Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=i, text=f"line {i}")
                                  for i in range(500)], "Test Reviewer")
    rows = case.audit_rows()[-500:]
    assert [(r["action"], r["entity_id"]) for r in rows] == [("annotation.import", a.id) for a in added]
    assert audit.check_chain(case.db) == [] and audit.check_records(case.db) == []
    sealed = seals.check(case.db, thorough=True)
    assert sealed.problems == [] and sealed.covered_until == case.audit_head()[0]
    assert verify_case(case) == []


@pytest.mark.parametrize("where", ["text", "detail"])
def test_words_that_are_not_text_refuse_the_whole_batch(case, where):
    ex, cat = case.exhibit("AB/1"), case.category("disclosure")
    before = (case.annotations(), case.audit_head())
    bad = "bad \udc80"  # a byte that was not UTF-8, passed on as a lone surrogate
    anns = [Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=i, text=bad if where == "text" and i else "ok")
            for i in range(3)]
    with pytest.raises(ReviewError, match="not text|surrogate"):
        case.add_annotations(anns, "T", detail=bad if where == "detail" else "")
    assert (case.annotations(), case.audit_head()) == before
