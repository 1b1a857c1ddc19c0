"""One utterance heard on two cameras and linked as one event: quoted once, citing both."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from docx import Document
from openpyxl import load_workbook

from bwv_review.core.align import set_start_from
from bwv_review.core.export import ExportOptions, build_report, export_case
from bwv_review.core.model import Annotation

from .conftest import GENERATED

WORDS = "He strangled me."
# CD/1 starts 1.2 s before AB/1, so 1.600 s into CD/1 is 12 ms before 0.412 s into AB/1:
# the event is quoted at CD/1's moment, CD/1 cited first (clock order).
LEAD = "At 23:34:55 (00:00:01.600 into exhibit CD/1; 00:00:00.412 into exhibit AB/1)"
SENTENCE = f'{LEAD} the female says: "{WORDS}"'


@pytest.fixture
def linked(case, second_exhibit):
    """AB/1's disclosure (annotation 1, 0.412 s) linked with the same words on CD/1."""
    set_start_from(case, "CD/1", "AB/1", -1200, "Test Reviewer", source="offset")
    ab = next(a for a in case.annotations() if a.text == WORDS)
    cd = case.add_annotation(
        Annotation(exhibit_id=second_exhibit.id, start_ms=1600, end_ms=2400,
                   category_id=case.category("disclosure").id, speaker="female", text=WORDS,
                   status="verified"),
        "Test Reviewer",
    )
    event = case.link([ab.id, cd.id], "Test Reviewer")
    return case, event, ab.id, cd.id


def _export(store, fmt, out_dir, **options):
    return export_case(store, fmt, out_dir / f"out.{fmt}", ExportOptions(**options), generated=GENERATED).paths[0]


def _docx_paragraphs_with(path, words):
    return [p.text for p in Document(str(path)).paragraphs if words in p.text]


def test_docx_quotes_a_linked_event_once_citing_both_exhibits(linked, out_dir):
    store, event, ab_id, cd_id = linked
    paras = _docx_paragraphs_with(_export(store, "docx", out_dir), WORDS)
    assert len(paras) == 1
    assert paras[0].startswith(SENTENCE)
    assert f"Linked event {event}: also annotation {ab_id} on AB/1 (verified)" in paras[0]
    assert "recorded as" not in paras[0]  # same words on both cameras
    # The statement's log table still lists each annotation on its own row.
    doc = Document(str(out_dir / "out.docx"))
    rows = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
    assert sum(1 for r in rows if WORDS in r) == 2


def test_html_and_pdf_quote_it_once(linked, out_dir):
    store, *_ = linked
    page = _export(store, "html", out_dir).read_text("utf-8")
    narrative = html.unescape(re.sub(r"<[^>]+>", "", page.split("<h2>Log</h2>")[0]))
    assert narrative.count(WORDS) == 1
    assert SENTENCE in narrative
    pypdf = pytest.importorskip("pypdf")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(_export(store, "pdf", out_dir))).pages)
    flat = " ".join(text.split())
    assert " ".join(LEAD.split()) in flat


def test_logs_carry_the_event(linked, out_dir):
    store, event, ab_id, cd_id = linked
    data = _export(store, "csv", out_dir).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    by_id = {int(r["Annotation id"]): r for r in rows}
    assert by_id[ab_id]["Event"] == by_id[cd_id]["Event"] == str(event)
    assert all(r["Event"] == "" for i, r in by_id.items() if i not in (ab_id, cd_id))

    ws = load_workbook(_export(store, "xlsx", out_dir)).active
    head = [c.value for c in ws[1]]
    ids, events = head.index("Annotation id"), head.index("Event")
    got = {row[ids]: row[events] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert got[ab_id] == got[cd_id] == event and sum(v is not None for v in got.values()) == 2

    items = json.loads(_export(store, "json", out_dir).read_text("utf-8"))["annotations"]
    assert {a["id"]: a["event"] for a in items if a["event"] is not None} == {ab_id: event, cd_id: event}


def test_a_linked_event_is_only_as_verified_as_its_least_checked_annotation(linked, out_dir):
    store, event, ab_id, cd_id = linked
    store.update_annotation(ab_id, "Test Reviewer", status="draft", text="He strangled me")
    report = build_report(store, ExportOptions(), generated=GENERATED, verify=False)
    quoted = [e for e in report.statement_entries if e.annotation.text == WORDS]
    assert len(quoted) == 1 and quoted[0].also == ()  # the draft is not quoted, nor cited
    assert report.omitted_from_statement == 3  # the sample draft and disputed ones, and this one

    paras = _docx_paragraphs_with(_export(store, "docx", out_dir, include_drafts=True), WORDS)
    assert len(paras) == 1 and paras[0].startswith(LEAD)
    assert 'On AB/1 the words are recorded as: "He strangled me"' in paras[0]
    doc = Document(str(out_dir / "out.docx"))
    texts = [p.text for p in doc.paragraphs]
    i = texts.index(paras[0])
    assert texts[i - 1].startswith("UNVERIFIED (draft)")


def test_unlinked_annotations_are_quoted_separately(linked, out_dir):
    store, event, ab_id, cd_id = linked
    for ann_id in (ab_id, cd_id):
        store.update_annotation(ann_id, "Test Reviewer", action="annotation.unlink", event=None)
    paras = _docx_paragraphs_with(_export(store, "docx", out_dir), WORDS)
    assert [p.split(" the female")[0] for p in paras] == [
        "At 23:34:55 (00:00:01.600 into exhibit CD/1)",
        "At 23:34:55 (00:00:00.412 into exhibit AB/1)",
    ]
