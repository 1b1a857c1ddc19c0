"""Words the model was unsure of, and words a setting biased it toward, are marked in every
export that carries a mark made from machine-draft words ([?word], [*word])."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from openpyxl import load_workbook

from bwv_review.core import transcripts
from bwv_review.core.export import FORMATS, ExportOptions, export_case
from bwv_review.core.transcripts import Segment, Word
from tests.core.export.conftest import GENERATED

MARKED = 'He [?grabbed] me by the [*throat.]'


@pytest.fixture
def drafted(case):
    words = [Word("He", 100, 200, 0.95), Word("grabbed", 200, 500, 0.31), Word("me", 500, 600, 0.9),
             Word("by", 600, 700, 0.9), Word("the", 700, 800, 0.92), Word("throat.", 800, 1100, 0.9, True)]
    transcripts.save_draft(case, "AB/1", [Segment(100, 1100, "He grabbed me by the throat.", words)],
                           model="tiny.en", reviewer="Test Reviewer", parameters={"decoding": {"hotwords": "throat"}})
    [stored] = transcripts.segments(case, "AB/1")
    assert [w.biased for w in stored.words] == [False] * 5 + [True]  # stored with the draft
    ann = transcripts.annotation_from_words(case, "AB/1", stored.words, "disclosure", speaker="female")
    case.add_annotation(ann, "Test Reviewer", action="annotation.add_from_transcript")
    return case


def _text(path, fmt: str) -> str:
    if fmt == "docx":
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        return re.sub(r"<[^>]+>", "", xml)
    if fmt == "xlsx":
        sheet = load_workbook(path).active
        return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    if fmt == "pdf":
        pypdf = pytest.importorskip("pypdf")
        return " ".join(page.extract_text() for page in pypdf.PdfReader(str(path)).pages)
    text = path.read_text("utf-8-sig")
    if fmt == "html":
        text = text.replace("&quot;", '"').replace("&#x27;", "'")
    if fmt == "json":
        text = "\n".join(a["note"] for a in json.loads(text)["annotations"])
    return text


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_marks_unsure_and_biased_machine_words(drafted, out_dir, fmt):
    result = export_case(drafted, fmt, out_dir / f"out.{fmt}", ExportOptions(include_drafts=True), generated=GENERATED)
    [path] = result.paths
    text = " ".join(_text(path, fmt).split())
    assert MARKED in text, text[:3000]


def test_the_note_says_what_the_marks_mean_and_a_verified_quote_keeps_its_record(drafted):
    [ann] = [a for a in drafted.annotations() if transcripts.is_machine_sourced(a)]
    assert f'Machine words: "{MARKED}" ([?] the model was unsure, [*] a decoding setting' in ann.note
    assert transcripts.machine_words(ann) == MARKED
    verified = drafted.update_annotation(ann.id, "Test Reviewer", text="He grabbed me by the throat.",
                                         status="verified")
    assert transcripts.machine_words(verified) == MARKED  # what the machine heard stays on record


def test_words_with_nothing_to_mark_add_nothing(case):
    words = [Word("Keep", 0, 200, 0.9), Word("calm.", 200, 400, 0.95)]
    ann = transcripts.annotation_from_words(case, "AB/1", words, "advice")
    assert "Machine words" not in ann.note and transcripts.machine_words(ann) is None
