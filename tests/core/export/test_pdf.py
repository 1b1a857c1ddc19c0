"""PDF statements in any script and of any length, read back by poppler as a reader would."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata

import pytest

from bwv_review.core.export import ExportOptions, build_report, export_case, render
from bwv_review.core.export.pdf_fonts import FontChain
from bwv_review.core.export.report import (
    audit_head,
    keys_text,
    problems_heading,
    provenance_keywords,
)
from bwv_review.core.model import Annotation

from .conftest import GENERATED

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")

LONG = " ".join(f"word{i} he said he would strangle me" for i in range(700))[:20_000]
UNBROKEN = "X" * 2500 + "Y" * 2500
# (speaker, words, exact): the words a statement must give back. Where right-to-left words meet
# punctuation or left-to-right words inside our left-to-right sentence, poppler places the
# neutral characters (quotes, commas, full stops) by its own guess at the change of direction,
# so those come back word for word (every word, in order) rather than character for character.
QUOTES = [
    ("en", "He strangled me.", True),
    ("ar", "قال لي إنه خنقني.", True),
    ("ar2", "لم يحدث شيء، لست معه.", False),  # an Arabic comma inside: see WORDS_ONLY
    ("he", "הוא חנק אותי.", True),
    ("he2", "לא קרה כלום, אני לא איתו.", False),
    ("zh", "他掐住了我的脖子。", True),
    ("zh2", "什么都没发生，我没有和他在一起。", True),
    ("ja", "彼は私の首を絞めた。何もなかった。", True),
    ("ko", "그가 내 목을 졸랐어요. 아무 일도 없었어요.", True),
    ("cy", "Mae’r ŵyn a’r ŷd yn y maes; ŵ ŷ Ŵ Ŷ ẁ ẃ ẅ.", True),
    ("pl", "Zażółć gęślą jaźń. ŁÓDŹ, źdźbło, Żółw.", True),
    ("comb", "e\u0301 n\u0303 a\u0308\u0323 o\u0328\u0301 Z\u0335\u0301algo", True),
    ("emoji", "😀 👍🏽 ❤️ 🚓 👮‍♀️ 👨‍👩‍👧 🇬🇧", True),
    ("math", "𝐇𝐞 𝑠𝑡𝑟𝑎𝑛𝑔𝑙𝑒𝑑 𝔪𝔢 ∑ ∫ ℌ", True),
    ("el", "Με έπνιξε. Τίποτα δεν συνέβη.", True),
    ("ru", "Он душил меня. Ничего не случилось.", True),
    ("uk", "Він мене душив. Ґанок, їжак, є.", True),
    ("vi", "Anh ta bóp cổ tôi. Không có gì xảy ra.", True),
    ("tr", "Beni boğdu. İstanbul'da ığdır şişli.", True),
    ("deva", "उसने मेरा गला दबाया। कुछ नहीं हुआ।", True),
    ("th", "เขาบีบคอฉัน ไม่มีอะไรเกิดขึ้น", True),
    ("am", "አንገቴን አነቀኝ።", True),
    ("ka", "მან დამახრჩო.", True),
    ("hy", "Նա խեղդեց ինձ։", True),
    ("fa", "او گلوی مرا فشار داد.", True),
    ("ur", "اس نے میرا گلا دبایا۔", False),
    ("mixed", "He said \"مرحبا بك\" twice, then שלום (x2).", False),
    ("ctrl", "tab\there nul\x00 esc\x1b bell\x07", True),
    ("long", LONG, True),
    ("unbroken", UNBROKEN, True),
]
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def _flat(text: str) -> str:
    """What a comparison of words needs: NFKC, no direction marks, no white space at all."""
    text = unicodedata.normalize("NFKC", text).translate(BIDI_CONTROLS)
    return "".join(text.split())


def _expected(words: str) -> str:
    # Control characters are printed as their visible symbols (U+2400...), tabs as spaces.
    from bwv_review.core.export.report import printable

    return _flat(printable(words))


@pytest.fixture
def many_scripts(case):
    ex = case.exhibit("AB/1")
    cat = case.category("disclosure").id
    for i, (speaker, words, _one) in enumerate(QUOTES):
        case.add_annotation(Annotation(exhibit_id=ex.id, start_ms=10 + i * 20, category_id=cat, speaker=speaker,
                                       text=words, status="verified"), "T")
    return case


def _pdf(store, out_dir, name="s.pdf", **options):
    return export_case(store, "pdf", out_dir / name, ExportOptions(**options), generated=GENERATED).paths[0]


def _text(path) -> str:
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    # The footer of each page lands between the lines of a quote that runs over a page. Pages
    # stay apart ("\f"; str.splitlines would take it for a line break and lose it).
    return "\f".join("\n".join(line for line in page.split("\n")
                               if not re.search(r"· generated 2019-08-01T09:30:00.000Z|^\s*Page \d+ of \d+\s*$", line))
                     for page in raw.split("\f"))


def test_every_quote_comes_back_from_the_text_layer(many_scripts, out_dir):
    path = _pdf(many_scripts, out_dir)
    text = _flat(_text(path))
    chain = FontChain()
    for speaker, words, one_direction in QUOTES:
        if speaker in ("zh", "zh2", "ja", "ko") and chain.face_for(words[0]) is None:
            pytest.skip("no CJK font on this machine (.ci/run installs fonts-wqy-microhei)")
        if one_direction:
            assert _expected(words) in text, speaker
        else:
            found = [text.find(_flat(w)) for w in re.findall(r"[^\W\d_]+|\d+", words)]
            assert -1 not in found, speaker


def test_every_font_is_embedded_and_no_glyph_is_a_box(many_scripts, out_dir):
    path = _pdf(many_scripts, out_dir)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows
    for row in rows:
        assert " yes yes yes " in row, row  # embedded, subset, with a ToUnicode map
        assert not re.match(r"(Helvetica|Courier|Times|Symbol|ZapfDingbats)", row)
    assert "[U+" not in _text(path)  # every character here has a font


def test_a_twenty_thousand_character_quote_runs_over_pages_and_stays_in_the_page(many_scripts, out_dir):
    path = _pdf(many_scripts, out_dir)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 6
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True,
                           text=True).stdout
    xs = [float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes)]
    ys = [float(y) for y in re.findall(r'yMax="([\d.]+)"', boxes)]
    assert max(xs) <= 595.28 - 56.69 + 0.5  # nothing runs past the right margin
    assert max(ys) <= 841.89 - 20  # nor off the foot of the page
    assert _expected(LONG) in _flat(_text(path)) and _expected(UNBROKEN) in _flat(_text(path))


def test_a_character_no_font_has_is_stated_not_boxed(case, out_dir):
    ex = case.exhibit("AB/1")
    case.add_annotation(Annotation(exhibit_id=ex.id, start_ms=5, category_id=case.category("other").id,
                                   text="private \U0010fffd use", status="verified"), "T")
    text = _text(_pdf(case, out_dir))
    first_page = text.split("\f")[0]
    assert "cannot be drawn by any font" in " ".join(first_page.split()) and "[U+10FFFD]" in first_page
    assert "private \U0010fffd use" in text  # the text layer still holds the character itself


def test_verification_problems_come_first_then_head_and_keys(case, out_dir):
    report = build_report(case, generated=GENERATED)
    quoted = report.statement_entries[0].annotation
    report.verification_problems = ["Annotation 3 was changed outside the app (text)."]
    report.signing_keys = [("Test Reviewer", "1f2e3d4c" * 4)]
    report.untrusted = frozenset({quoted.id})
    path = out_dir / "v.pdf"
    path.write_bytes(render(report, "pdf"))
    first_page = " ".join(_text(path).split("\f")[0].split())
    order = [problems_heading(report), "1. Annotation 3 was changed outside the app (text).",
             "Case reference:", audit_head(report).capitalize(), keys_text(report), "Exhibits viewed"]
    at = [first_page.index(" ".join(part.split())) for part in order]
    assert at == sorted(at) and "ed25519:" + "1f2e3d4c" * 4 in first_page
    text = " ".join(_text(path).split())
    assert text.count("UNTRUSTED: this case failed verification") == 1  # above the one untrusted quote
    assert "UNTRUSTED (recorded as verified)" in text  # its status in the log
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Keywords:\s+(.*)$", info, re.M).group(1) == provenance_keywords(report)


def test_a_one_megabyte_title_is_set_in_full(case, out_dir):
    title = "Operation Example " * 58_255  # just over 1 MB
    case.update_case("T", title=title)
    path = _pdf(case, out_dir)
    assert _flat("Statement extract: IOPC 2019/0001 " + title) in _flat(_text(path))


def test_a_quote_never_starts_a_page_without_its_warning(case, out_dir):
    ex, other = case.exhibit("AB/1"), case.category("other").id
    for i in range(60):  # quotes of one to four lines, so page ends fall everywhere
        case.add_annotation(Annotation(exhibit_id=ex.id, start_ms=1000 + i, category_id=other, status="verified",
                                       text=" ".join(["He said he would come back."] * (1 + i % 7))), "T")
    report = build_report(case, generated=GENERATED)
    report.verification_problems = ["Audit entries 3 to 9 are not covered by a valid signature."]
    report.untrusted = None  # verification vouches for nothing: every quote is headed UNTRUSTED
    path = out_dir / "u.pdf"
    path.write_bytes(render(report, "pdf"))
    pages = [" ".join(page.split()) for page in _text(path).split("\f")]
    assert len(pages) > 3
    for page in pages:
        chronology = page.split(" Log Clock ")[0]
        assert chronology.count("UNTRUSTED: this case failed verification") == chronology.count(" into exhibit ")


def test_the_same_export_gives_the_same_bytes_whatever_the_clock_says(case, out_dir, monkeypatch):
    """A statement made again (in the window, then on the command line) is byte for byte the
    same: nothing in it may come from the wall clock, not even inside an embedded font."""
    from fontTools.ttLib.tables import _h_e_a_d

    report = build_report(case, generated=GENERATED)
    made = []
    for now in (3_000_000_000, 3_000_000_001):  # fontTools stamps a font it saves with "now"
        monkeypatch.setattr(_h_e_a_d, "timestampNow", lambda now=now: now)
        made.append(render(report, "pdf"))
    assert made[0] == made[1]
