"""Make the sample statement export shown in the README (docs/sample-statement.pdf and a
PNG of its first page) from the worked example in the scenario: Operation Example,
IOPC 2019/0001, exhibits AB/1 and CD/1 on one clock.

    python docs/make_sample_export.py [--docx] [--scripts]   # from the repository root

Footage is generated on the spot (tests/footage.py: each frame shows its index), so names,
times and words are invented but every step is the one an investigator takes. The case is
signed with a key made for the sample alone, so its fingerprint and the audit head shown
on page 1 change each time the sample is made. Needs
pdftoppm (poppler-utils) for the PNG; --docx also writes the DOCX and, when LibreOffice
is installed, renders it to docs/sample-statement-docx.png for a visual check; --scripts
also writes docs/sample-statement-scripts.png, page 1 of a statement quoting words in other
scripts (what a reviewer types is invented here too).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bwv_review.core.evidence import import_footage  # noqa: E402
from bwv_review.core.export import ExportOptions, export_case  # noqa: E402
from bwv_review.core.model import Annotation  # noqa: E402
from bwv_review.core.store import CaseStore  # noqa: E402
from bwv_review.core.timecode import parse_time  # noqa: E402
from tests.footage import write_clip  # noqa: E402

GENERATED = datetime(2019, 8, 1, 9, 30, tzinfo=UTC)
REVIEWER = "DC Sam Taylor"

# (exhibit, at, end, category, speaker, words, note, status)
MARKS = [
    ("CD/1", "00:06:12.400", "00:06:14.100", "disclosure", "female", "He strangled me.",
     "Says this in the kitchen, then starts to cry.", "verified"),
    ("CD/1", "00:06:12.400", None, "risk-factor", "", "Non-fatal strangulation disclosed.",
     "A known high-risk factor; no DASH risk assessment seen on either camera.", "verified"),
    ("CD/1", "00:06:20.000", None, "disclosure", "female", "he had his hands on my [inaudible]",
     "Machine draft, not yet checked against the sound.", "draft"),
    ("AB/1", "00:07:03.120", "00:07:06.900", "officer-remark", "PC 2231 Hughes",
     "Look at the state she's in.\nShe's had a skinful, I wouldn't take that too seriously.",
     "Said to PC 4410 Patel in the hallway after the disclosure was relayed.", "verified"),
    ("CD/1", "00:09:40.800", "00:09:44.250", "retraction", "female",
     "Nothing happened. I'm not even with him — he's just a mate.", "", "verified"),
    ("AB/1", "00:12:15.000", "00:12:18.600", "advice", "PC 2231 Hughes",
     "Right, keep the noise down, the pair of you, or we'll be back.", "", "verified"),
    ("AB/1", "00:13:02.500", None, "action", "", "Both officers leave the address.", "", "verified"),
]


def build_case(folder: Path) -> CaseStore:
    store = CaseStore.create(folder / "Operation Example.bwvcase", "Operation Example", "IOPC 2019/0001",
                             REVIEWER)
    clips = {
        "AB/1": ("AB-1 PC2231 20190701 2334.mp4", 14 * 60, "PC 2231 Hughes", "2019-07-01T23:34:55+01:00"),
        "CD/1": ("CD-1 PC4410 20190701 2334.mp4", 12 * 60, "PC 4410 Patel", "2019-07-01T23:34:54.600+01:00"),
    }
    for ref, (name, seconds, wearer, start) in clips.items():
        clip = write_clip(folder / name, frames=seconds * 2, fps=2, size=(160, 120))
        import_footage(store, clip, ref, REVIEWER, wearer=wearer, start=start)
    store.update_exhibit("CD/1", REVIEWER, start_source="aligned:AB/1")
    for ref, at, end, cat, speaker, words, note, status in MARKS:
        store.add_annotation(
            Annotation(exhibit_id=store.exhibit(ref).id, start_ms=parse_time(at),
                       end_ms=parse_time(end) if end else None, category_id=store.category(cat).id,
                       speaker=speaker, text=words, note=note, status=status, reviewer=REVIEWER),
            REVIEWER,
        )
    return store


# (speaker, words): the same words as the PDF tests' other scripts, a few of them
SCRIPTS = [
    ("neighbour (Arabic)", "قال لي إنه خنقني."),
    ("neighbour (Hebrew)", "הוא חנק אותי."),
    ("interpreter (Welsh)", "Mae’r ŵyn a’r ŷd yn y maes."),
    ("female (Polish)", "Zażółć gęślą jaźń. Nic się nie stało."),
    ("caller (Chinese)", "他掐住了我的脖子。"),
    ("caller (Japanese)", "彼は私の首を絞めた。"),
    ("caller (Korean)", "그가 내 목을 졸랐어요."),
    ("text message", "ok 👍🏽 on my way 🚓 ❤️"),
    ("note", "e\u0301 n\u0303 a\u0308\u0323 𝐇𝐞 ∑"),
]


def scripts_page(folder: Path, out: Path) -> None:
    store = CaseStore.create(folder / "Scripts.bwvcase", "Operation Example", "IOPC 2019/0001", REVIEWER)
    clip = write_clip(folder / "EF-1.mp4", frames=120, fps=2, size=(160, 120))
    ex = import_footage(store, clip, "EF/1", REVIEWER, wearer="PC 1187 Okafor", start="2019-06-17T21:02:10+01:00")
    for i, (speaker, words) in enumerate(SCRIPTS):
        store.add_annotation(Annotation(exhibit_id=ex.id, start_ms=2000 + i * 4500, category_id=store.category(
            "disclosure").id, speaker=speaker, text=words, status="verified", reviewer=REVIEWER), REVIEWER)
    pdf = folder / "scripts.pdf"
    export_case(store, "pdf", pdf, ExportOptions(), generated=GENERATED)
    store.close()
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(out / "sample-statement-scripts")], check=True)
    print(f"Wrote {out / 'sample-statement-scripts.png'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docx", action="store_true", help="also write and render the DOCX")
    parser.add_argument("--scripts", action="store_true", help="also a page of quotes in other scripts")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # A signing key of the sample's own (and no note of it kept): never the user's.
        os.environ["BWV_REVIEW_HOME"] = str(folder / "sample-reviewer-home")
        if args.scripts:
            scripts_page(folder, args.out)
        with build_case(folder) as store:
            pdf = args.out / "sample-statement.pdf"
            export_case(store, "pdf", pdf, ExportOptions(), generated=GENERATED, force=True)
            print(f"Wrote {pdf}")
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(args.out / "sample-statement-page1")], check=True)
            print(f"Wrote {args.out / 'sample-statement-page1.png'}")
            if args.docx:
                docx = folder / "sample-statement.docx"
                export_case(store, "docx", docx, ExportOptions(), generated=GENERATED, force=True)
                shutil.copy(docx, args.out / "sample-statement.docx")
                office = shutil.which("soffice") or shutil.which("libreoffice")
                if office:
                    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(folder),
                                    str(docx)], check=True, capture_output=True)
                    subprocess.run(["pdftoppm", "-png", "-r", "60", str(folder / "sample-statement.pdf"),
                                    str(args.out / "sample-statement-docx")], check=True)
                    print(f"Rendered the DOCX to {args.out}/sample-statement-docx-*.png")
                else:
                    print("LibreOffice is not installed: the DOCX was not rendered.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
