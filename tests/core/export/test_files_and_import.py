"""Safe writing (atomic, no overwrite, NTFS-safe names), hash re-checks, import back."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
import srt
import webvtt
from docx import Document
from openpyxl import load_workbook
from pympi import Elan

from bwv_review.core import audit
from bwv_review.core.errors import ReviewError
from bwv_review.core.export import FORMATS, ExportOptions, export_case
from bwv_review.core.export.files import atomic_write, safe_filename
from bwv_review.core.export.importer import import_annotations
from bwv_review.core.model import Annotation

from .conftest import GENERATED, SAMPLES

FIELDS = ("start_ms", "end_ms", "category_id", "speaker", "text", "note", "status")


@pytest.mark.parametrize(
    ("text", "want"),
    [("AB/1", "AB-1"), ("CD\\2", "CD-2"), ('a:b*c?"d<e>f|g', "a-b-c--d-e-f-g"), ("CON", "_CON"),
     ("nul.txt", "_nul.txt"), ("trailing. ", "trailing"), ("", "export"), ("x\x00y", "x-y"), ("AB/1 é", "AB-1 é")],
)
def test_safe_filename(text, want):
    assert safe_filename(text) == want


def test_refuses_to_overwrite_without_force(case, out_dir):
    target = out_dir / "log.csv"
    target.write_bytes(b"precious")
    with pytest.raises(ReviewError, match="already exists"):
        export_case(case, "csv", target, generated=GENERATED)
    assert target.read_bytes() == b"precious"
    export_case(case, "csv", target, generated=GENERATED, force=True)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")


def test_atomic_write_leaves_no_temp_file_on_failure(out_dir, monkeypatch):
    def boom(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        atomic_write(out_dir / "x.pdf", b"data")
    assert list(out_dir.iterdir()) == []


def test_render_failure_writes_nothing(case, out_dir, monkeypatch):
    from bwv_review.core.export import tables

    monkeypatch.setattr(tables, "render_xlsx", lambda _r: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        export_case(case, "xlsx", out_dir / "x.xlsx", generated=GENERATED)
    assert list(out_dir.iterdir()) == []


def test_per_exhibit_formats_write_one_safe_named_file_each(case, second_exhibit, out_dir):
    (out_dir / "log CD-1.srt").write_text("mine")
    with pytest.raises(ReviewError, match="already exist"):
        export_case(case, "srt", out_dir / "log.srt", generated=GENERATED)
    assert sorted(p.name for p in out_dir.iterdir()) == ["log CD-1.srt"]  # nothing half done
    result = export_case(case, "srt", out_dir / "log.srt", generated=GENERATED, force=True)
    assert sorted(p.name for p in result.paths) == ["log AB-1.srt", "log CD-1.srt"]


def test_hash_mismatch_is_stated_and_warned(case, footage_copy, out_dir):
    data = bytearray(footage_copy.read_bytes())
    data[-1] ^= 0xFF
    footage_copy.write_bytes(bytes(data))
    seen = []
    result = export_case(case, "docx", out_dir / "s.docx", generated=GENERATED,
                         progress=lambda done, total: seen.append((done, total)))
    assert result.warnings and "SHA-256 no longer matches" in result.warnings[0]
    assert seen and seen[-1][0] == seen[-1][1]
    doc = Document(str(result.paths[0]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "SHA-256 no longer matches" in text
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "WARNING: SHA-256 does NOT match the footage file at export time" in cells
    for fmt in ("html", "json", "xlsx"):
        path = export_case(case, fmt, out_dir / f"s.{fmt}", generated=GENERATED).paths[0]
        if fmt == "xlsx":
            body = " ".join(str(c) for r in load_workbook(path)["Exhibits"].iter_rows(values_only=True) for c in r)
        else:
            body = path.read_text("utf-8")
        assert "does NOT match" in body or '"status": "changed"' in body
    lines = export_case(case, "csv", out_dir / "s.csv", generated=GENERATED).paths[0].read_text("utf-8-sig")
    preamble, _, table = lines.partition('"Exhibit","File time start"')
    assert preamble.startswith('"VERIFICATION FAILED"') and "SHA-256 no longer matches" in preamble
    rows = list(csv.DictReader(io.StringIO('"Exhibit","File time start"' + table)))
    assert {r["Footage check at export"] for r in rows} == {"changed"}
    subs = list(srt.parse(export_case(case, "srt", out_dir / "s.srt", generated=GENERATED).paths[0].read_text("utf-8")))
    assert "does NOT match" in subs[0].content and len(subs) == len(SAMPLES) + 1
    cues = webvtt.read(str(export_case(case, "vtt", out_dir / "s.vtt", generated=GENERATED).paths[0]))
    assert "does NOT match" in cues[0].text
    eaf = Elan.Eaf(str(export_case(case, "eaf", out_dir / "s.eaf", generated=GENERATED).paths[0]))
    assert "does NOT match" in dict(eaf.properties)["bwv-review.footage-check"]


def test_missing_footage_is_stated(case, footage_copy, out_dir):
    footage_copy.unlink()
    result = export_case(case, "json", out_dir / "s.json", generated=GENERATED)
    data = json.loads(result.paths[0].read_text("utf-8"))
    assert data["exhibits"][0]["hash_check"]["status"] == "missing"
    assert "missing" in result.warnings[0]


def _snapshot(store, exhibit_id):
    return [tuple(getattr(a, f) for f in FIELDS) for a in store.annotations(exhibit_id)]


@pytest.mark.parametrize("fmt", ["csv", "json", "eaf"])
def test_import_round_trip_into_a_fresh_exhibit(case, second_exhibit, out_dir, fmt):
    ab = case.exhibit("AB/1")
    out = out_dir / f"ab.{fmt}"
    export_case(case, fmt, out, ExportOptions(exhibit="AB/1"), generated=GENERATED)
    rows_before = case.audit_head()[0]
    result = import_annotations(case, out, "CD/1", "Second Reviewer")
    assert len(result.added) == len(SAMPLES)
    assert _snapshot(case, second_exhibit.id) == _snapshot(case, ab.id)
    rows = case.audit_rows()[rows_before:]
    assert [r["action"] for r in rows] == ["annotation.import"] * len(SAMPLES)
    assert all(r["actor"] == "Second Reviewer" and out.name in r["detail"] for r in rows)
    assert audit.check_chain(case.db) == [] and audit.check_records(case.db) == []
    if fmt == "eaf":  # made for AB/1's footage, applied to CD/1's: said so
        assert "other footage" in result.warnings[0]


def test_import_from_a_several_exhibit_file_needs_from(case, second_exhibit, out_dir):
    case.add_annotation(Annotation(exhibit_id=second_exhibit.id, start_ms=5, category_id=case.category("other").id,
                                   text="on CD/1"), "T")
    export_case(case, "json", out_dir / "all.json", generated=GENERATED)
    with pytest.raises(ReviewError, match="--from"):
        import_annotations(case, out_dir / "all.json", "CD/1", "R")
    added = import_annotations(case, out_dir / "all.json", "CD/1", "R", source_exhibit="AB/1").added
    assert len(added) == len(SAMPLES)
    export_case(case, "csv", out_dir / "all.csv", generated=GENERATED)
    with pytest.raises(ReviewError, match="--from"):
        import_annotations(case, out_dir / "all.csv", "AB/1", "R")


def test_import_of_an_elan_made_file(case, tmp_path):
    eaf = Elan.Eaf()
    eaf.add_tier("Woman")
    eaf.add_tier("Disclosure")
    eaf.add_annotation("Woman", 100, 900, "He strangled me.")
    eaf.add_annotation("Disclosure", 1000, 1500, "strangulation")
    eaf.add_tier("Woman-translation", parent="Woman")
    path = tmp_path / "elan.eaf"
    Elan.to_eaf(str(path), eaf)
    result = import_annotations(case, path, "AB/1", "R")
    got = sorted((a.start_ms, a.end_ms, a.speaker, case.db["category"].get(a.category_id)["slug"], a.status)
                 for a in result.added)
    assert got == [(100, 900, "Woman", "other", "draft"), (1000, 1500, "", "disclosure", "draft")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.eaf", b"<ANNOTATION_DOCUMENT><TIER", "not a readable ELAN file"),
        ("bad.json", b"{\"annotations\": [", "not valid JSON"),
        ("bad2.json", b'{"schema_version": 99, "annotations": []}', "schema_version"),
        ("bad3.json", b'{"schema_version": 1, "annotations": [{"start_ms": "1"}]}', "whole numbers"),
        ("bad.csv", b"Text,File time start\nok,00:00:00.100\nbad,half past\n", "row 3"),
        ("bad2.csv", b"Text,File time start\nlate,01:00:00.000\n", "past the end"),
        ("bad3.csv", b"Text,Start (ms),File time start\nx,100,00:00:00.200\n", "disagree"),
        ("bad4.csv", b"Text,File time start,Category\nx,00:00:00.100,nonsense\n", "no category .nonsense."),
        ("bad5.csv", b"\xff\xfeT\x00", "not UTF-8"),
        ("bad6.csv", b"a,b\n1,2\n", "no \"Text\""),
        ("bad.txt", b"hello", ".eaf, .csv or .json"),
    ],
)
def test_malformed_import_adds_nothing(case, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    before = (case.annotations(), case.audit_head())
    with pytest.raises(ReviewError, match=message):
        import_annotations(case, path, "AB/1", "R")
    assert (case.annotations(), case.audit_head()) == before


def test_control_characters_never_break_a_file(case, out_dir):
    from bwv_review.core.export import build_report, render

    ex = case.exhibit("AB/1")
    case.add_annotation(Annotation(exhibit_id=ex.id, start_ms=1700, category_id=case.category("other").id,
                                   speaker="s\x0b", text="nul\x00 \u202eRTL\u202c e\u0301", status="verified"),
                        "T")
    report = build_report(case, generated=GENERATED)
    for fmt in FORMATS:
        path = out_dir / f"c.{fmt}"
        path.write_bytes(render(report, fmt, ex.id, case, path))
    assert "nul\u2400 \u202eRTL\u202c e\u0301" in "\n".join(p.text for p in Document(str(out_dir / "c.docx")).paragraphs)
    assert Elan.Eaf(str(out_dir / "c.eaf")).tiers
    load_workbook(out_dir / "c.xlsx")
    assert json.loads((out_dir / "c.json").read_text("utf-8"))["annotations"][-1]["text"] == "nul\x00 \u202eRTL\u202c e\u0301"


ELAN_MADE = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2019-08-02T10:00:00+01:00" FORMAT="3.0" VERSION="3.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv3.0.xsd">
    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
        <MEDIA_DESCRIPTOR MEDIA_URL="file:///C:/cases/CD-1.mp4" MIME_TYPE="video/mp4" RELATIVE_MEDIA_URL="./CD-1.mp4"/>
        <PROPERTY NAME="URN">urn:nl-mpi-tools-elan-eaf:c45b7718-9185-49a2-8ff4-f59257751cb2</PROPERTY>
        <PROPERTY NAME="lastUsedAnnotationId">4</PROPERTY>
    </HEADER>
    <TIME_ORDER>
        <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="250"/>
        <TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="1180"/>
        <TIME_SLOT TIME_SLOT_ID="ts3"/>
        <TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="1500"/>
        <TIME_SLOT TIME_SLOT_ID="ts5" TIME_VALUE="1750"/>
    </TIME_ORDER>
    <TIER LINGUISTIC_TYPE_REF="utterance" PARTICIPANT="Woman" ANNOTATOR="Linguist B" TIER_ID="W">
        <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
            <ANNOTATION_VALUE>He strangled me.\u200f ‏שלום</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    </TIER>
    <TIER LINGUISTIC_TYPE_REF="words" PARENT_REF="W" TIER_ID="W-words">
        <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts3">
            <ANNOTATION_VALUE>He</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    </TIER>
    <TIER LINGUISTIC_TYPE_REF="utterance" TIER_ID="Advice">
        <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts4" TIME_SLOT_REF2="ts5">
            <ANNOTATION_VALUE>Keep the noise down &amp; "behave"</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    </TIER>
    <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="utterance" TIME_ALIGNABLE="true"/>
    <LINGUISTIC_TYPE CONSTRAINTS="Time_Subdivision" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="words" TIME_ALIGNABLE="true"/>
    <CONSTRAINT DESCRIPTION="Time subdivision of parent annotation's time interval" STEREOTYPE="Time_Subdivision"/>
</ANNOTATION_DOCUMENT>
"""


def test_import_of_a_file_saved_by_elan(case, tmp_path):
    path = tmp_path / "from-elan.eaf"
    path.write_text(ELAN_MADE, encoding="utf-8")
    result = import_annotations(case, path, "AB/1", "R")
    got = [(a.start_ms, a.end_ms, a.speaker, a.text, a.status, a.reviewer,
            case.db["category"].get(a.category_id)["slug"]) for a in result.added]
    assert got == [
        (250, 1180, "Woman", "He strangled me.\u200f \u200fשלום", "draft", "Linguist B", "other"),
        (1500, 1750, "", 'Keep the noise down & "behave"', "draft", "R", "advice"),
    ]
    # The word subdivision is kept with its utterance, and said in the summary.
    assert result.added[0].note == "[ELAN] tier W\n[ELAN] W-words (Time_Subdivision): He"
    assert any("'W-words' (Time_Subdivision of 'W')" in line for line in result.summary)
