"""Subtitles that no words can split, add to or restyle, read by the parsers players use."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import srt
import webvtt

from bwv_review.core.export import ExportOptions, export_case
from bwv_review.core.export.subtitles import ZWSP
from bwv_review.core.model import Annotation, Category

from .conftest import GENERATED, SAMPLES

HOSTILE = [
    # (speaker, text)
    ("female", "He said\n\n2\n00:00:00,000 --> 00:00:09,000\nINJECTED CUE"),
    ("PC 1\n\nWEBVTT", "<b>bold</b> <i>it</i> <script>alert(1)</script> <font color=\"red\">red</font>"),
    ("female\r\n\r\n00:00.000 --> 00:05.000", "{\\an8}{\\c&H0000FF&}moved \\N newline \\h hard"),
    ("", "one\u2028\u2028two\u2029three\x0b\x0cfour\x85five"),
    ("  \n  ", "   \n\n   "),
    ("x", "&amp; &lt;b&gt; --> <v Someone>voice</v> <c.red>class</c>"),
]
CATEGORY = "<u>Odd</u>\n\n{\\an8}Category"


@pytest.fixture
def hostile(case):
    ex = case.exhibit("AB/1")
    cat = case.add_category(Category(slug="odd", name=CATEGORY, colour="#123456"), "T")
    for i, (speaker, text) in enumerate(HOSTILE):
        case.add_annotation(Annotation(exhibit_id=ex.id, start_ms=100 + i * 10, end_ms=None, category_id=cat.id,
                                       speaker=speaker, text=text, status="verified"), "T")
    return case


def _words(text: str) -> str:
    return " ".join(text.replace(ZWSP, "").split())


def _export(store, fmt, out_dir):
    return export_case(store, fmt, out_dir / f"s.{fmt}", ExportOptions(), generated=GENERATED).paths[0]


def test_srt_one_cue_per_annotation_whatever_the_words(hostile, out_dir):
    path = _export(hostile, "srt", out_dir)
    subs = list(srt.parse(path.read_text("utf-8")))
    assert len(subs) == len(SAMPLES) + len(HOSTILE)
    hostile_subs = [s for s in subs if "Odd" in s.content]
    assert len(hostile_subs) == len(HOSTILE)
    first = _words(hostile_subs[0].content)
    assert "He said 2 00:00:00,000 --> 00:00:09,000 INJECTED CUE" in first
    for sub in subs:
        assert "\n\n" not in sub.content and sub.content.strip()
        assert not re.search(r"<[A-Za-z/]|\{\\|\\[Nnh]|-->", sub.content)  # no tag, override or timing line
    assert "<b>bold</b>" in _words(hostile_subs[1].content)
    assert "[<u>Odd</u> {\\an8}Category] PC 1 WEBVTT:" in _words(hostile_subs[1].content)


def test_vtt_one_cue_per_annotation_whatever_the_words(hostile, out_dir):
    path = _export(hostile, "vtt", out_dir)
    cues = webvtt.read(str(path))
    assert len(cues) == len(SAMPLES) + len(HOSTILE)
    odd = [c for c in cues if "Odd" in c.raw_text]
    assert len(odd) == len(HOSTILE)
    assert "INJECTED CUE" in odd[0].text and "female" in odd[2].raw_text
    body = path.read_text("utf-8")
    assert "<b>" not in body and "<v Someone>" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body
    assert "&amp;amp;" in body  # an ampersand in the words is escaped, not taken as an entity


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg not installed")
@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_ffmpeg_and_libass_see_the_same_cues(hostile, out_dir, fmt):
    path = _export(hostile, fmt, out_dir)
    ass = out_dir / f"s-{fmt}.ass"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), str(ass)], check=True, capture_output=True)
    dialogues = [line.split(",", 9)[9] for line in ass.read_text("utf-8").splitlines() if line.startswith("Dialogue:")]
    assert len(dialogues) == len(SAMPLES) + len(HOSTILE)
    odd = [d for d in dialogues if "Odd" in d]
    assert len(odd) == len(HOSTILE)
    for text in odd:
        # An ASS override block is an unescaped "{\": ffmpeg writes one only for markup it
        # recognised (<b> becomes {\b1}), and escapes literal braces as \{.
        assert not re.search(r"(?<!\\)\{\\", text), text
    assert "INJECTED CUE" in odd[0]


def test_point_marks_near_the_end_stop_at_the_footage(case, out_dir):
    ex = case.exhibit("AB/1")
    other = case.category("other").id
    for start in (ex.duration_ms - 500, ex.duration_ms):
        case.add_annotation(Annotation(exhibit_id=ex.id, start_ms=start, category_id=other, text="near the end"), "T")
    subs = list(srt.parse(_export(case, "srt", out_dir).read_text("utf-8")))
    ends = [s.end.total_seconds() * 1000 for s in subs if "near the end" in s.content]
    assert ends == [ex.duration_ms, ex.duration_ms]
    cues = [c for c in webvtt.read(str(_export(case, "vtt", out_dir))) if "near the end" in c.text]
    assert [c.end_in_seconds * 1000 for c in cues] == [ex.duration_ms, ex.duration_ms]
    assert all(s.end.total_seconds() * 1000 <= ex.duration_ms for s in subs)
