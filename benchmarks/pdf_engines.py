"""Our PDF typesetter against typst (the `typst` wheel), on what a statement needs.

    pip install typst  # only for this comparison
    python benchmarks/pdf_engines.py [--rows 10000]

For each engine, the same 30 quotes of tests/core/export/test_pdf.py (Arabic, Hebrew,
Persian, Urdu, CJK, Korean, Welsh, Polish, combining marks, emoji, maths letters, Thai, a
20,000-character quote, a 5,000-character unbroken string...) are set in one document with
the same fonts, and poppler's pdftotext is asked for them back (NFKC, white space and
direction marks ignored): how many come back character for character, and whether any
text runs past the right margin (pdftotext -bbox). Then a log table of ``--rows`` rows of
those quotes is timed (CPU of this process). The words go to typst as data (sys.inputs),
never as markup.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bwv_review.core.export.pdf_export import _chain  # noqa: E402
from bwv_review.core.export.pdf_layout import Layout, Para, Table  # noqa: E402
from bwv_review.core.export.pdf_text import Style, Typesetter  # noqa: E402
from bwv_review.core.export.pdf_writer import PdfWriter  # noqa: E402
from bwv_review.core.export.report import printable  # noqa: E402
from tests.core.export.test_pdf import QUOTES  # noqa: E402

CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
TYPST = r"""#let data = json(bytes(sys.inputs.data))
#set page(paper: "a4", margin: 2cm)
#set smartquote(enabled: false)
#set text(font: FONTS, size: 10.5pt)
#for q in data.quotes [At 23:34:55 the #q.speaker says: "#q.text"

]
#set text(size: 7.5pt)
#table(columns: (1.4cm, 1.3cm, 2.4cm, 2.2cm, 2.3cm, 5.9cm, 1.4cm),
  table.header([Clock], [Exhibit], [File time], [Category], [Speaker], [Words], [Status]),
  ..data.rows.map(q => ([23:34:55], [AB/1], [00:00:01.250], [Disclosure], [#q.speaker], [#q.text], [verified])).flatten())
"""
FAMILIES = ["Noto Sans", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari", "Noto Sans Thai",
            "Noto Sans Ethiopic", "Noto Sans Georgian", "Noto Sans Armenian", "Noto Sans Symbols", "Noto Sans Math",
            "Noto Sans Symbols2", "Noto Emoji", "WenQuanYi Micro Hei", "Droid Sans Fallback", "DejaVu Sans"]


def _flat(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).translate(CONTROLS).split())


def ours(quotes: list[tuple[str, str]], rows: list[tuple[str, str]]) -> bytes:
    from datetime import UTC, datetime  # noqa: PLC0415

    pdf = PdfWriter({"Title": "engines"}, datetime(2019, 8, 1, tzinfo=UTC))
    lay = Layout(Typesetter(_chain()), pdf)
    body, cell = Style(10.5), Style(7.5)
    for speaker, words in quotes:
        lay.para(Para([(f'At 23:34:55 the {speaker} says: "', body), (words, body), ('"', body)], after=6))
    widths = [w * 28.3465 for w in (1.4, 1.3, 2.4, 2.2, 2.3, 5.9, 1.4)]
    head = [[(h, cell)] for h in ("Clock", "Exhibit", "File time", "Category", "Speaker", "Words", "Status")]
    lay.table(Table(widths, head, [[[(v, cell)] for v in ("23:34:55", "AB/1", "00:00:01.250", "Disclosure", s, w,
                                                          "verified")] for s, w in rows]))
    lay.finish("engines", Style(8))
    return pdf.finish()


def typst_pdf(quotes: list[tuple[str, str]], rows: list[tuple[str, str]], folder: Path) -> bytes:
    import typst  # noqa: PLC0415 - optional, for this comparison only

    template = folder / "statement.typ"
    template.write_text(TYPST.replace("FONTS", "(" + ", ".join(json.dumps(f) for f in FAMILIES) + ",)"), "utf-8")
    data = {"quotes": [{"speaker": s, "text": w} for s, w in quotes], "rows": [{"speaker": s, "text": w} for s, w in rows]}
    fonts = sorted({str(face.path.parent) for face in _chain().faces} | {str(p.parent) for p, _ in _chain()._pending})
    return typst.compile(str(template), font_paths=fonts, ignore_system_fonts=True, sys_inputs={"data": json.dumps(data)},
                         timestamp=1564650000)


def judge(pdf: bytes, quotes: list[tuple[str, str]], folder: Path, name: str) -> dict:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    # Page footers land between the lines of a quote that runs over a page.
    text = _flat("\n".join(line for line in raw.splitlines() if not re.search(r"^engines$|Page \d+ of \d+", line)))
    exact = [s for s, w in quotes if _flat(w) in text]
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True).stdout
    overflow = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes)) > 595.28 - 56.69 + 0.5
    return {"exact": len(exact), "missed": [s for s, _ in quotes if s not in exact], "overflow": overflow}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    quotes = [(s, printable(w).replace("\t", "    ")) for s, w, _ in QUOTES]
    short = [q for q in quotes if len(q[1]) < 200]
    rows = [short[i % len(short)] for i in range(args.rows)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engines = {"ours": lambda q, r: ours(q, r)}
        try:
            import typst  # noqa: F401, PLC0415

            engines["typst"] = lambda q, r: typst_pdf(q, r, folder)
        except ImportError:
            print("typst not installed: pip install typst")
        for name, make in engines.items():
            make(quotes[:2], [])  # fonts loaded once, outside the timing
            verdict = judge(make(quotes, []), quotes, folder, name)
            c0, t0 = time.process_time(), time.perf_counter()
            make(quotes[:1], rows)
            cpu, wall = time.process_time() - c0, time.perf_counter() - t0
            print(f"{name:6} quotes back exactly {verdict['exact']}/{len(quotes)} (not: {', '.join(verdict['missed'])}); "
                  f"text past the margin: {verdict['overflow']}; {args.rows:,}-row log {cpu:.1f} s CPU, {wall:.1f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
