"""DOCX and HTML statements give the same words as the case, each run with its language and
direction, so Word, LibreOffice and browsers shape and order them right."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest
from docx import Document

from bwv_review.core.export import ExportOptions, export_case
from bwv_review.core.export.scripts import script_runs
from bwv_review.core.model import Annotation

from .conftest import GENERATED

QUOTES = {"ar": "قال لي إنه خنقني.", "he": "הוא חנק אותי.", "ja": "私の首を絞めた。", "ko": "그가 내 목을 졸랐어요.",
          "zh": "他掐住了我的脖子。", "cy": "Mae’r ŵyn a’r ŷd.", "pl": "Zażółć gęślą jaźń.", "mixed": "He said \"مرحبا بك\" twice."}


@pytest.fixture
def scripts_case(case):
    ex = case.exhibit("AB/1")
    for i, (speaker, words) in enumerate(QUOTES.items()):
        case.add_annotation(Annotation(exhibit_id=ex.id, start_ms=20 + i * 10, category_id=case.category("other").id,
                                       speaker=speaker, text=words, status="verified"), "T")
    return case


def test_script_runs_join_back_and_say_direction_and_language():
    assert script_runs("He said \"مرحبا بك\" twice.") == [
        ("He said \"", "", False), ("مرحبا بك", "und-Arab", True), ("\" twice.", "", False)]
    assert script_runs("私の首を絞めた。") == [("私の首を絞めた", "ja", False), ("。", "", False)]
    assert script_runs("הוא חנק אותי.")[0] == ("הוא חנק אותי", "und-Hebr", True)
    for words in QUOTES.values():
        assert "".join(part for part, _tag, _rtl in script_runs(words)) == words


def test_docx_runs_carry_direction_and_language(scripts_case, out_dir):
    path = export_case(scripts_case, "docx", out_dir / "s.docx", generated=GENERATED).paths[0]
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    for words in QUOTES.values():
        assert words in text  # the same words, exactly
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    assert re.search(r'<w:rtl/><w:cs/><w:lang w:bidi="und-Arab"/></w:rPr><w:t xml:space="preserve">قال لي إنه خنقني</w:t>', xml)
    assert '<w:lang w:bidi="und-Hebr"/></w:rPr><w:t xml:space="preserve">הוא חנק אותי</w:t>' in xml
    assert '<w:rFonts w:hint="eastAsia"/><w:sz w:val="16"/><w:szCs w:val="16"/><w:lang w:eastAsia="ja"/>' in xml
    assert "<w:pPr><w:bidi/></w:pPr>" in xml  # a log cell whose words start in Arabic reads from the right


def test_html_runs_carry_direction_and_language(scripts_case, out_dir):
    page = export_case(scripts_case, "html", out_dir / "s.html", generated=GENERATED).paths[0].read_text("utf-8")
    assert '<span lang="und-Arab" dir="rtl">قال لي إنه خنقني</span>.' in page
    assert 'He said &quot;<span lang="und-Arab" dir="rtl">مرحبا بك</span>&quot; twice.' in page
    assert '<span lang="ko" dir="ltr">그가 내 목을 졸랐어요</span>' in page
    plain = re.sub(r"<[^>]+>", "", page).replace("&quot;", '"')
    for words in QUOTES.values():
        assert words in plain


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")), reason="LibreOffice not installed")
def test_libreoffice_opens_the_docx_and_sets_every_quote(scripts_case, out_dir):
    path = export_case(scripts_case, "docx", out_dir / "s.docx", ExportOptions(), generated=GENERATED).paths[0]
    profile = out_dir / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out_dir), str(path)], check=True, capture_output=True, timeout=120)
    text = subprocess.run(["pdftotext", str(out_dir / "s.pdf"), "-"], capture_output=True, check=True).stdout.decode()
    flat = "".join(text.translate(dict.fromkeys(range(0x202A, 0x202F))).split())  # poppler's direction marks
    for speaker in ("he", "ar", "cy", "pl"):
        assert "".join(QUOTES[speaker].split()) in flat, speaker
