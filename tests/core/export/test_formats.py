"""Every export opened with the library its users' tools rely on."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import zipfile
from datetime import datetime

import pytest
import srt
import webvtt
from docx import Document
from openpyxl import load_workbook
from pympi import Elan

from bwv_review.core.export import ExportOptions, build_report, export_case, render
from bwv_review.core.export.tables import HEADERS, neutralise, unneutralise
from bwv_review.core.keys import load, shown

from .conftest import GENERATED, SAMPLES

HOSTILE = ["=cmd|' /C calc'!A0", "+1 note", "-2+3", "@SUM(A1)", "\tTabbed\rCR"]


def _export(case, fmt, out_dir, **options):
    result = export_case(case, fmt, out_dir / f"out.{fmt}", ExportOptions(**options), generated=GENERATED)
    return result.paths[0]


def test_csv_has_bom_exact_times_text_and_neutralised_formulas(case, out_dir):
    data = _export(case, "csv", out_dir).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == HEADERS
    assert len(rows) == len(SAMPLES)
    by_start = {int(r["Start (ms)"]): r for r in rows}
    for start, end, cat, speaker, text, note, status in SAMPLES:
        row = by_start[start]
        assert row["File time start"] == f"00:00:{start // 1000:02d}.{start % 1000:03d}"
        assert row["End (ms)"] == ("" if end is None else str(end))
        assert unneutralise(row["Text"]) == text and unneutralise(row["Note"]) == note
        assert row["Category"] == cat and row["Status"] == status and row["Speaker"] == speaker
        assert row["SHA-256"] == case.exhibits()[0].sha256
    assert by_start[412]["Clock start (local)"] == "2019-07-01T23:34:55.412+01:00"
    assert by_start[412]["Clock start (UTC)"] == "2019-07-01T22:34:55.412+00:00"
    cells = [v for r in rows for v in r.values()]
    for bad in HOSTILE:
        assert "'" + bad in cells  # shown as typed, never run
    assert not any(c and c[0] in "=+-@\t\r" for c in cells)


@pytest.mark.parametrize("text", ["=1+1", "'=1+1", "''@x", "'plain", "plain", "", "-", "'", "\r"])
def test_neutralise_is_reversible(text):
    assert unneutralise(neutralise(text)) == text
    out = neutralise(text)
    assert not (out and out[0] in "=+-@\t\r")


def test_xlsx_typed_cells_frozen_header_widths(case, out_dir):
    path = _export(case, "xlsx", out_dir)
    wb = load_workbook(path)
    ws = wb["Annotations"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.column_dimensions["L"].width == 60
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    first = rows[0]
    col = {h: i for i, h in enumerate(HEADERS)}
    assert first[col["Start (ms)"]] == 412 and first[col["End (ms)"]] == 1250
    assert first[col["Clock start (local)"]] == datetime(2019, 7, 1, 23, 34, 55, 412000)
    assert first[col["Clock start (UTC)"]] == datetime(2019, 7, 1, 22, 34, 55, 412000)
    texts = {r[col["Start (ms)"]]: r for r in rows}
    for start, _end, _cat, _speaker, text, note, _status in SAMPLES:
        # Typed string cells never run as formulas: the words are there exactly, no apostrophe.
        assert (texts[start][col["Text"]] or "") == text
        assert (texts[start][col["Note"]] or "") == note
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    assert wb.properties.created == GENERATED.replace(tzinfo=None)
    summary = [c for r in wb["Exhibits"].iter_rows(values_only=True) for c in r]
    assert case.exhibits()[0].sha256 in summary


def test_json_whole_case(case, out_dir):
    data = json.loads(_export(case, "json", out_dir).read_text("utf-8"))
    assert data["schema_version"] == 1
    assert data["case"]["reference"] == "IOPC 2019/0001"
    ex = data["exhibits"][0]
    assert ex["ref"] == "AB/1" and ex["sha256"] == case.exhibits()[0].sha256
    assert ex["hash_check"]["status"] == "verified"
    assert {c["slug"] for c in data["categories"]} >= {"disclosure", "retraction"}
    assert [a["text"] for a in data["annotations"]] == [s[4] for s in SAMPLES]
    first = data["annotations"][0]
    assert first["start_ms"] == 412 and first["wall_clock_start"] == "2019-07-01T23:34:55.412+01:00"
    assert first["wall_clock_start_utc"] == "2019-07-01T22:34:55.412+00:00"
    rows, head = case.audit_head()
    assert data["audit"] == {"rows": rows, "head_hash": head, "head": f"audit head {rows}:{head}",
                             "signing_keys": [{"reviewer": "Test Reviewer", "fingerprint": shown(load().fingerprint)}]}
    assert data["verification"] == {"sound": True, "problems": []}
    assert list(data)[0] == "verification"  # problems come first


def test_srt_and_vtt_one_cue_per_annotation(case, out_dir):
    subs = list(srt.parse(_export(case, "srt", out_dir).read_text("utf-8")))
    vtt_path = _export(case, "vtt", out_dir)
    cues = webvtt.read(str(vtt_path))
    assert len(subs) == len(cues) == len(SAMPLES)
    for sub, cue, (start, end, *_rest) in zip(subs, cues, SAMPLES, strict=True):
        want_end = end if end is not None else min(start + 2000, case.exhibits()[0].duration_ms)
        assert sub.start.total_seconds() * 1000 == pytest.approx(start, abs=0.001)
        assert sub.end.total_seconds() * 1000 == pytest.approx(want_end, abs=0.001)
        assert cue.start == f"00:00:{start // 1000:02d}.{start % 1000:03d}"
    assert "He strangled me." in subs[0].content
    assert "[Retraction, DRAFT]" in subs[2].content
    assert "<script>" not in vtt_path.read_text("utf-8")
    assert "&lt;script&gt;" in cues[5].raw_text
    assert "Look at \"the state\" she's in…\nShe's had a few." in subs[1].content


@pytest.mark.parametrize("tiers", ["speaker", "category"])
def test_eaf_opens_in_pympi(case, out_dir, tiers):
    path = _export(case, "eaf", out_dir, tiers=tiers)
    eaf = Elan.Eaf(str(path))
    assert eaf.adocument["VERSION"] == "3.0"
    media = eaf.get_linked_files()[0]
    assert media["MEDIA_URL"].startswith("file://") and media["MEDIA_URL"].endswith("clip.mp4")
    assert media["RELATIVE_MEDIA_URL"] == "../case/AB-1 clip.mp4"
    got = sorted(
        (start, end, value)
        for tier, (_, _, attrs, _) in eaf.tiers.items() if not attrs.get("PARENT_REF")
        for start, end, value in eaf.get_annotation_data_for_tier(tier)
    )
    duration = case.exhibits()[0].duration_ms  # a point lasts 2 s, but never past the footage
    want = sorted((s, e if e is not None else min(s + 2000, duration), t) for s, e, _c, _sp, t, _n, _st in SAMPLES)
    assert got == want
    tier_names = set(eaf.get_tier_names())
    assert ("female" in tier_names) == (tiers == "speaker")
    assert ("Disclosure" in tier_names) == (tiers == "category")


def test_eaf_keeps_carriage_returns(case, out_dir):
    from bwv_review.core.model import Annotation

    ex = case.exhibits()[0]
    case.add_annotation(Annotation(exhibit_id=ex.id, start_ms=5, category_id=case.category("other").id,
                                   speaker="x", text="a\r\nb"), "T")
    eaf = Elan.Eaf(str(_export(case, "eaf", out_dir)))
    assert ["a\r\nb"] == [v for _s, _e, v in eaf.get_annotation_data_for_tier("x")]


def test_docx_statement_wording_verbatim_and_hashes(case, out_dir):
    doc = Document(str(_export(case, "docx", out_dir)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert 'At 23:34:55 (00:00:00.412 into exhibit AB/1) the female says: "He strangled me."' in text
    assert "PC 123 Jones says: \"Look at \"the state\" she's in…\nShe's had a few.\"" in text
    assert "Nothing happened" not in text  # a draft is not quoted in a statement
    assert "=cmd|' /C calc'!A0" in text  # quoted exactly; a document never runs it
    assert "שלום עולם — مرحبا" in text and "e\u0301 combining" in text
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "SHA-256 " + case.exhibits()[0].sha256 in cells
    assert "SHA-256 re-verified at export time: matches" in cells
    rows, head = case.audit_head()
    assert head in text and f"{rows} entries" in text
    assert doc.core_properties.created == GENERATED


def test_docx_include_drafts_marks_them(case, out_dir):
    doc = Document(str(_export(case, "docx", out_dir, include_drafts=True)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Nothing happened. ‘I’m not with him.’" in text
    assert "UNVERIFIED (draft)" in text and "UNVERIFIED (disputed)" in text


def test_html_escapes_everything(case, out_dir):
    page = _export(case, "html", out_dir, include_drafts=True).read_text("utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;" in page
    assert "default-src 'none'" in page
    assert "the female says: &quot;<span class=\"quote\" dir=\"auto\">He strangled me.</span>&quot;" in page
    assert case.exhibits()[0].sha256 in page
    assert "http://" not in page and "https://" not in page and "src=\"http" not in page


def _pdf_text(path) -> str:
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(str(path)).pages)


def test_pdf_has_a_text_layer_with_the_words_and_hash(case, out_dir):
    path = _export(case, "pdf", out_dir)
    text = _pdf_text(path)
    flat = " ".join(text.split())
    assert 'At 23:34:55 (00:00:00.412 into exhibit AB/1) the female says: "He strangled me."' in flat
    assert "She's had a few." in text and "=cmd|' /C calc'!A0" in flat
    assert "e\u0301 combining" in text or "é combining" in text
    sha = case.exhibits()[0].sha256
    assert sha[:32] in flat.replace(" ", "") and sha[32:] in flat.replace(" ", "")
    if shutil.which("pdftotext"):
        poppler = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
        assert b"He strangled me." in poppler


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html", "csv", "xlsx", "json", "srt", "vtt", "eaf"])
def test_same_case_same_generated_time_same_bytes(case, out_dir, fmt):
    one = render(build_report(case, generated=GENERATED), fmt, case.exhibits()[0].id, case, out_dir / "a")
    two = render(build_report(case, generated=GENERATED), fmt, case.exhibits()[0].id, case, out_dir / "a")
    assert one == two


def test_filters(case, out_dir):
    report = build_report(case, ExportOptions(categories=("disclosure", "Retraction")), generated=GENERATED)
    assert {e.category.slug for e in report.entries} == {"disclosure", "retraction"}
    report = build_report(case, ExportOptions(statuses=("draft",)), generated=GENERATED)
    assert [e.annotation.status for e in report.entries] == ["draft"]
    assert report.statement_entries == []
    report = build_report(case, ExportOptions(exhibit="ab/1"), generated=GENERATED)
    assert len(report.entries) == len(SAMPLES)


def test_stills_under_quotes_show_the_exact_frame(case, out_dir):
    import cv2
    import numpy as np

    from tests.footage import read_index

    report = build_report(case, ExportOptions(stills=True), generated=GENERATED)
    assert not report.warnings
    quoted = {e.annotation.id: e for e in report.statement_entries}
    assert set(report.stills) == set(quoted)
    for ann_id, still in report.stills.items():
        image = cv2.imdecode(np.frombuffer(still.png, np.uint8), cv2.IMREAD_COLOR)
        frame = read_index(image[:240])  # the picture above the caption strip is the frame itself
        assert frame == quoted[ann_id].annotation.start_ms * 25 // 1000
        assert "AB/1" in still.caption
    first = next(e for e in report.statement_entries if e.annotation.start_ms == 412)
    caption = report.stills[first.annotation.id].caption  # frame 10 is shown from 400 ms
    assert "File time 00:00:00.400" in caption and "23:34:55.400" in caption and "at 00:00:00.412" in caption
    doc = Document(str(_export(case, "docx", out_dir, stills=True)))
    assert len(doc.inline_shapes) == len(quoted)
    assert _export(case, "html", out_dir, stills=True).read_text("utf-8").count("data:image/png;base64,") == len(quoted)
    pypdf = pytest.importorskip("pypdf")
    pdf = pypdf.PdfReader(str(_export(case, "pdf", out_dir, stills=True)))
    assert sum(len(page.images) for page in pdf.pages) == len(quoted)


def test_no_stills_from_changed_footage(case, footage_copy, out_dir):
    data = bytearray(footage_copy.read_bytes())
    data[-1] ^= 0xFF
    footage_copy.write_bytes(bytes(data))
    report = build_report(case, ExportOptions(stills=True), generated=GENERATED)
    assert report.stills == {}
    assert any("No stills from exhibit AB/1" in w for w in report.warnings)


def test_statement_without_a_known_start_gives_file_time_only(tmp_path, footage_copy, out_dir):
    from bwv_review.core.evidence import import_footage
    from bwv_review.core.export.report import statement_sentence
    from bwv_review.core.store import CaseStore

    from .conftest import add_samples

    with CaseStore.create(tmp_path / "case" / "n.bwvcase", "No clock", "REF 1", "T") as store:
        ex = import_footage(store, footage_copy, "CD/1", "T")
        assert ex.recording_start is None  # generated footage carries no creation time
        add_samples(store, ex.id, SAMPLES[:1])
        report = build_report(store, generated=GENERATED)
        assert statement_sentence(report.entries[0], report.tz) == (
            'At 00:00:00.412 into exhibit CD/1 the female says: "He strangled me."')
        page = render(report, "html").decode("utf-8")
        assert "Exhibits without a known start time" in page
        assert "CD/1: recording start not known" in page
