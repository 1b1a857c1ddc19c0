"""The case file: every field round-trips, refusals leave files untouched."""

import shutil
import sqlite3

import pytest

from bwv_review.core import schema
from bwv_review.core.errors import CaseFileError, ReviewError
from bwv_review.core.evidence import import_footage, verify_case
from bwv_review.core.model import Annotation
from bwv_review.core.store import CaseStore

HOSTILE = "=cmd|' /C calc'!A0 <script>alert(1)</script> \u202eRTL\u202c e\u0301 \"quoted\" 'single'\n\tnext line \x00nul"


def _ann(store, **kw):
    ex = store.exhibit("AB/1")
    cat = store.category(kw.pop("category", "disclosure"))
    return Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=kw.pop("start_ms", 1234), **kw)


def test_case_and_exhibit_fields_round_trip(case, footage_copy):
    c = case.case()
    assert (c.title, c.reference, c.reviewers, c.timezone) == (
        "Operation Example", "IOPC 2019/0001", ["Test Reviewer"], "Europe/London")
    ex = case.exhibit("ab/1")  # refs match whatever the case
    assert ex.ref == "AB/1"
    assert ex.path == "AB-1 clip.mp4"  # relative to the case file's folder
    assert case.footage_path(ex) == footage_copy.parent / "AB-1 clip.mp4"
    assert ex.size == footage_copy.stat().st_size
    assert len(ex.sha256) == 64
    assert (ex.duration_ms, ex.frame_count, ex.width, ex.height, ex.codec, ex.has_audio) == (
        2000, 50, 320, 240, "h264", True)
    assert ex.recording_start == "2019-07-01T23:34:55.000+01:00"
    assert ex.start_source == "typed"
    assert ex.wearer == "PC 1234 Smith"


def test_annotation_round_trips_every_field_exactly(case):
    long_text = ("He strangled me. " * 12_000)[:200_000]
    for text in (HOSTILE, long_text, "他掐住我的脖子", "😢 he—“strangled” me…"):
        a = case.add_annotation(
            _ann(case, start_ms=1500, end_ms=1900, speaker="Female (victim) ☂", text=text,
                 note="note\r\nwith CRLF", status="verified"), "Test Reviewer")
        got = case.annotation(a.id)
        assert got.text == text
        assert (got.start_ms, got.end_ms, got.speaker, got.note, got.status, got.reviewer) == (
            1500, 1900, "Female (victim) ☂", "note\r\nwith CRLF", "verified", "Test Reviewer")
        assert got.created and got.updated
    assert verify_case(case) == []


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"start_ms": -1}, "before 00:00:00.000"),
        ({"start_ms": 2001}, "past the end"),
        ({"start_ms": 100, "end_ms": 50}, "end before it starts"),
        ({"start_ms": 100, "end_ms": 2500}, "past the end"),
        ({"status": "maybe"}, "not one of"),
    ],
)
def test_annotation_refusals_change_nothing(case, kw, message):
    before = case.audit_head()
    with pytest.raises(ReviewError, match=message):
        case.add_annotation(_ann(case, **kw), "Test Reviewer")
    assert case.annotations() == []
    assert case.audit_head() == before


def test_unknown_exhibit_and_category_are_named(case):
    with pytest.raises(ReviewError, match="No exhibit 'ZZ/9'.*AB/1"):
        case.exhibit("ZZ/9")
    with pytest.raises(ReviewError, match="No category 'nope'.*disclosure"):
        case.category("nope")
    assert case.category("Officer Remark").slug == "officer-remark"


def test_same_footage_twice_is_refused(case, footage_copy):
    with pytest.raises(ReviewError, match="already in the case as exhibit AB/1"):
        import_footage(case, footage_copy, "AB/2", "Test Reviewer")
    with pytest.raises(ReviewError, match="already in this case"):
        import_footage(case, footage_copy, "ab/1", "Test Reviewer")


def test_create_refuses_existing_file(tmp_path):
    path = tmp_path / "x.bwvcase"
    path.write_bytes(b"precious")
    with pytest.raises(CaseFileError, match="already exists"):
        CaseStore.create(path, "T")
    assert path.read_bytes() == b"precious"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a bwv-review case file"),
        (b"hello, I am a text file", "not a bwv-review case file"),
        (b"SQLite format 3\x00" + b"\xff" * 5000, "damaged"),
    ],
)
def test_files_that_are_not_cases_are_refused_unchanged(tmp_path, content, message):
    path = tmp_path / "bad.bwvcase"
    path.write_bytes(content)
    with pytest.raises(CaseFileError, match=message):
        CaseStore.open(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.bwvcase"]


def test_plain_sqlite_database_is_not_a_case(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("create table t (x)")
    conn.commit()
    conn.close()
    data = path.read_bytes()
    with pytest.raises(CaseFileError, match="not a bwv-review case file"):
        CaseStore.open(path)
    assert path.read_bytes() == data


def test_newer_case_format_is_refused_unchanged(case):
    path = case.path
    case.db.conn.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    case.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    case.close()
    data = path.read_bytes()
    with pytest.raises(CaseFileError, match="newer bwv-review"):
        CaseStore.open(path)
    assert path.read_bytes() == data


def test_damaged_page_is_refused_unchanged(case):
    path = case.path
    case.add_annotation(_ann(case, text="x" * 20_000), "Test Reviewer")
    case.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    case.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 3 : page * 3 + 200] = b"\x13" * 200  # scribble over a b-tree page
    path.write_bytes(bytes(data))
    with pytest.raises(CaseFileError, match="damaged"):
        CaseStore.open(path)
    assert path.read_bytes() == bytes(data)


def test_read_only_file_opens_read_only(case):
    path = case.path
    case.close()
    path.chmod(0o444)
    try:
        store = CaseStore.open(path)
        assert store.readonly
        assert store.case().title == "Operation Example"
        with pytest.raises(CaseFileError, match="read-only"):
            store.add_annotation(_ann(store), "Test Reviewer")
        store.close()
    finally:
        path.chmod(0o644)


def _write_format_1_case(path, footage):
    """A case file exactly as the first case format wrote it (schema step 1 only)."""
    saved = list(schema.STEPS)
    schema.STEPS[:] = saved[:1]
    real_version = schema.VERSION
    schema.VERSION = 1
    try:
        store = CaseStore.create(path, "Old case", "REF/OLD", "Old Reviewer")
        import_footage(store, footage, "AB/1", "Old Reviewer")
        ex = store.exhibit("AB/1")
        store.add_annotation(Annotation(exhibit_id=ex.id, category_id=store.category("retraction").id,
                                        start_ms=700, text="Nothing happened."), "Old Reviewer")
        store.close()
    finally:
        schema.STEPS[:] = saved
        schema.VERSION = real_version


def test_case_from_previous_format_opens_after_migration(tmp_path, footage_copy):
    path = footage_copy.parent / "old.bwvcase"
    _write_format_1_case(path, footage_copy)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name='coverage'").fetchone()
    conn.close()
    store = CaseStore.open(path)
    assert store.db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION
    assert [a.text for a in store.annotations()] == ["Nothing happened."]
    store.record_coverage(store.exhibit("AB/1").id, "Old Reviewer", [0, 1], 1.0)
    assert store.coverage(store.exhibit("AB/1").id) == {0: 1.0, 1: 1.0}
    assert any(r["action"] == "case.migrate" for r in store.audit_rows())
    assert verify_case(store) == []
    store.close()
    backup = path.with_name("old.bwvcase.format1.bak")
    assert backup.exists()
    conn = sqlite3.connect(backup)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_case_folder_can_be_moved(case, tmp_path):
    case.add_annotation(_ann(case, text="moved"), "Test Reviewer")
    folder = case.folder
    case.close()
    moved = shutil.move(str(folder), str(tmp_path / "elsewhere" / "case folder é"))
    store = CaseStore.open(next(p for p in (tmp_path / "elsewhere" / "case folder é").iterdir() if p.suffix == ".bwvcase"))
    assert str(store.footage_path(store.exhibit("AB/1"))).startswith(moved)
    assert verify_case(store) == []
    store.close()


def test_windows_separators_in_stored_path_resolve(case):
    ex = case.exhibit("AB/1")
    ex.path = "sub\\dir\\file.mp4"
    assert case.footage_path(ex) == case.folder / "sub" / "dir" / "file.mp4"


def test_coverage_keeps_slowest_speed(case):
    ex = case.exhibit("AB/1")
    case.record_coverage(ex.id, "A", [0, 1, 2], 2.0)
    case.record_coverage(ex.id, "A", [1], 1.0)
    case.record_coverage(ex.id, "A", [2], 4.0)
    case.record_coverage(ex.id, "B", [5], 1.0)
    assert case.coverage(ex.id, "A") == {0: 2.0, 1: 1.0, 2: 2.0}
    assert case.coverage(ex.id) == {0: 2.0, 1: 1.0, 2: 2.0, 5: 1.0}


def test_linking_one_utterance_heard_on_two_cameras(case, tmp_path):
    from tests.footage import write_clip
    other = write_clip(case.folder / "CD-1.mp4", frames=50, size=(160, 120))
    import_footage(case, other, "CD/1", "Test Reviewer", start="2019-07-01T23:34:56+01:00")
    a = case.add_annotation(_ann(case, text="He strangled me."), "Test Reviewer")
    b = case.add_annotation(Annotation(exhibit_id=case.exhibit("CD/1").id, category_id=a.category_id,
                                       start_ms=234, text="He strangled me."), "Test Reviewer")
    c = case.add_annotation(_ann(case, start_ms=1500, text="later"), "Test Reviewer")
    assert case.link([b.id, a.id], "Test Reviewer") == a.id
    assert case.link([c.id, b.id], "Test Reviewer") == a.id  # joins the existing event
    assert {x.id: x.event for x in case.annotations()} == {a.id: a.id, b.id: a.id, c.id: a.id}
    case.update_annotation(c.id, "Test Reviewer", action="annotation.unlink", event=None)
    assert case.annotation(c.id).event is None
    assert [r["action"] for r in case.audit_rows()].count("annotation.link") == 3
    assert verify_case(case) == []
    with pytest.raises(ReviewError, match="at least two"):
        case.link([a.id], "Test Reviewer")


def test_a_case_is_initialised_once_on_either_engine(engine_case):
    """`initialise` is the step after the schema in `create`; on a case that has its details
    it is refused, nothing written (no second case.create, no migration entries)."""
    head = engine_case.audit_head()
    before = engine_case.case()
    with pytest.raises(CaseFileError, match="has its details already"):
        engine_case.initialise(before, "Mallory")
    assert engine_case.audit_head() == head
    assert engine_case.case() == before
