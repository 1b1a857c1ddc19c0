"""Imports: links restored, whole cases at once, progress, and hostile files refused whole."""

from __future__ import annotations

import json

import pytest

from bwv_review.core import audit
from bwv_review.core.align import set_start_from
from bwv_review.core.errors import ReviewError
from bwv_review.core.evidence import import_footage
from bwv_review.core.export import ExportOptions, export_case
from bwv_review.core.export.importer import import_file
from bwv_review.core.model import Annotation, Exhibit
from bwv_review.core.store import CaseStore

from .conftest import GENERATED, SAMPLES

FIELDS = ("start_ms", "end_ms", "speaker", "text", "note", "status")


@pytest.fixture
def linked(case, second_exhibit):
    """AB/1's disclosure linked with the same words on CD/1, and two AB/1 marks linked too."""
    set_start_from(case, "CD/1", "AB/1", -1200, "T", source="offset")
    anns = case.annotations(case.exhibit("AB/1").id)
    cd = case.add_annotation(Annotation(exhibit_id=second_exhibit.id, start_ms=1600, end_ms=1900,
                                        category_id=case.category("disclosure").id, speaker="female",
                                        text="He strangled me.", status="verified"), "T")
    case.link([anns[0].id, cd.id], "T")
    case.link([anns[1].id, anns[2].id], "T")
    return case


@pytest.fixture
def fresh(tmp_path, footage_copy, other_clip):
    """Another case holding the same two exhibits and nothing else."""
    folder = tmp_path / "fresh"
    folder.mkdir()
    store = CaseStore.create(folder / "fresh.bwvcase", "Fresh", "REF 2", "T")
    for ref, clip in (("AB/1", footage_copy), ("CD/1", other_clip)):
        target = folder / clip.name
        target.write_bytes(clip.read_bytes())
        import_footage(store, target, ref, "T")
    yield store
    store.close()


def _events(store) -> set[frozenset[tuple]]:
    groups: dict[int, set] = {}
    for ex in store.exhibits():
        for a in store.annotations(ex.id):
            if a.event is not None:
                groups.setdefault(a.event, set()).add((ex.ref, a.start_ms, a.text))
    return {frozenset(g) for g in groups.values()}


def _content(store) -> list[tuple]:
    return sorted((ex.ref, *(getattr(a, f) for f in FIELDS)) for ex in store.exhibits() for a in store.annotations(ex.id))


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_whole_case_comes_back_in_one_go_with_its_links(linked, fresh, out_dir, fmt):
    path = export_case(linked, fmt, out_dir / f"all.{fmt}", generated=GENERATED).paths[0]
    seen = []
    result = import_file(fresh, path, "Second Reviewer", progress=lambda done, total: seen.append((done, total)))
    assert _content(fresh) == _content(linked)
    assert _events(fresh) == _events(linked) and len(_events(fresh)) == 2
    assert sorted(len(g) for g in result.links) == [2, 2]
    assert seen and seen[-1] == (len(SAMPLES) + 1, len(SAMPLES) + 1)
    assert "2 event link(s) restored (4 annotations)" in result.summary
    rows = fresh.audit_rows()[-len(result.added):]
    assert {r["action"] for r in rows} == {"annotation.import"} and len(rows) == len(result.added)
    assert audit.check_chain(fresh.db) == [] and audit.check_records(fresh.db) == []


def test_a_log_that_lists_verification_problems_above_its_header_comes_back(case, fresh, footage_copy, out_dir):
    data = bytearray(footage_copy.read_bytes())  # case's footage changes after fresh copied it
    data[-1] ^= 0xFF
    footage_copy.write_bytes(bytes(data))
    path = export_case(case, "csv", out_dir / "log.csv", generated=GENERATED).paths[0]
    assert path.read_text("utf-8-sig").startswith('"VERIFICATION FAILED"')
    result = import_file(fresh, path, "R")
    assert _content(fresh) == _content(case) and len(result.added) == len(SAMPLES)


def test_links_come_back_from_an_elan_file(linked, fresh, out_dir):
    path = export_case(linked, "eaf", out_dir / "ab.eaf", ExportOptions(exhibit="AB/1"), generated=GENERATED).paths[0]
    result = import_file(fresh, path, "R", exhibit_ref="AB/1")
    assert len(result.links) == 1  # the pair on AB/1; its partner on CD/1 is not in the file
    assert any("linked to annotations not in this import" in line for line in result.summary)
    assert {frozenset((ref, s) for ref, s, _t in g) for g in _events(fresh)} == {
        frozenset(("AB/1", a.start_ms) for a in fresh.annotations(fresh.exhibit("AB/1").id) if a.event)}


def test_a_file_naming_an_exhibit_the_case_lacks_is_refused(case, out_dir, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Exhibit,Text,File time start\nZZ/9,hello,00:00:00.100\n", encoding="utf-8")
    with pytest.raises(ReviewError, match="names exhibit.*'ZZ/9'.*does not hold"):
        import_file(case, path, "R")
    assert len(import_file(case, path, "R", exhibit_ref="AB/1").added) == 1  # unless told where


def _refused(store, path, message, **kwargs):
    before = (store.annotations(), store.audit_head())
    with pytest.raises(ReviewError, match=message) as err:
        import_file(store, path, "R", exhibit_ref="AB/1", **kwargs)
    assert (store.annotations(), store.audit_head()) == before
    assert "\n" not in str(err.value) and len(str(err.value)) < 600  # one sentence, not the file
    return str(err.value)


def test_a_ten_megabyte_csv_field_is_refused(case, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("Text,File time start\n\"" + "x" * 10_000_000 + "\",00:00:00.100\n", encoding="utf-8")
    _refused(case, path, "row 2 has a field longer than 4,194,304 characters")


def test_json_nested_a_hundred_thousand_deep_is_refused(case, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"schema_version": 1, "annotations": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    _refused(case, path, "nests its JSON too deeply")


def test_a_lone_surrogate_is_refused(case, tmp_path):
    path = tmp_path / "surrogate.json"
    path.write_text(json.dumps({"schema_version": 1, "annotations": [
        {"start_ms": 100, "text": "fine"}, {"start_ms": 200, "text": "half \ud800 a pair"}]}), encoding="utf-8")
    _refused(case, path, r"annotation 2 .*U\+D800, half of a surrogate pair")


@pytest.mark.parametrize("where", ["json", "csv-ms", "csv-time"])
def test_a_five_thousand_digit_number_is_refused(case, tmp_path, where):
    digits = "9" * 5000
    if where == "json":
        path = tmp_path / "big.json"
        path.write_text('{"schema_version": 1, "annotations": [{"start_ms": ' + digits + "}]}", encoding="utf-8")
        _refused(case, path, "number too long to read")
    else:
        path = tmp_path / "big.csv"
        column = "Start (ms)" if where == "csv-ms" else "File time start"
        path.write_text(f"Text,{column}\nx,{digits}\n", encoding="utf-8")
        _refused(case, path, "row 2: start '9999")


def test_times_past_a_zero_length_exhibit_are_refused(case, tmp_path):
    case.add_exhibit(Exhibit(ref="ZL/1", path="zero.mp4", sha256="0" * 64, size=0, duration_ms=0), "T")
    path = tmp_path / "zero.csv"
    path.write_text("Text,File time start\nat zero,00:00:00.000\nlater,00:00:01.000\n", encoding="utf-8")
    before = (case.annotations(), case.audit_head())
    with pytest.raises(ReviewError, match=r"row 3 \(00:00:01.000\): 00:00:01.000 is past the end of exhibit ZL/1"):
        import_file(case, path, "R", exhibit_ref="ZL/1")
    assert (case.annotations(), case.audit_head()) == before
