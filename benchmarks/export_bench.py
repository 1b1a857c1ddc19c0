"""Export time for a case with 10,000 annotations, per format.

    python benchmarks/export_bench.py [--annotations 10000] [--work DIR]

Each format's time (build the report once, then render and write atomically) is put beside
a reference measured in the same run on the same machine: writing the same 10,000 rows
with nothing but Python's csv module (no report, no neutralising, no atomic write). The
footage is a generated 20-minute, 1 fps clip, so hashing it is negligible here; for real
footage, add the hash time (the disk's read speed: ``bwv-review verify`` gives it).
Wall-clock seconds swing with machine load; the CPU column (this process only) is steadier.
Statements are exported with ``include_drafts`` so they quote all 10,000 annotations.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bwv_review.core import chronology  # noqa: E402
from bwv_review.core.evidence import import_footage  # noqa: E402
from bwv_review.core.export import FORMATS, ExportOptions, build_report, render_outputs, write_all  # noqa: E402
from bwv_review.core.model import STATUSES, Annotation  # noqa: E402
from bwv_review.core.store import CaseStore  # noqa: E402
from tests.footage import write_clip  # noqa: E402

WORDS = ("He strangled me. Look at the state she's in. Nothing happened — I'm not with him. "
         "Keep the noise down. =cmd|' /C calc'!A0 <script>alert(1)</script> שלום e\u0301").split()


def make_case(folder: Path, count: int) -> CaseStore:
    store = CaseStore.create(folder / "bench.bwvcase", "Benchmark", "BENCH 1", "bench")
    clip = write_clip(folder / "AB-1.mp4", frames=20 * 60, fps=1, size=(160, 120))
    ex = import_footage(store, clip, "AB/1", "bench", wearer="PC 1", start="2019-07-01T23:34:55+01:00")
    cats = store.categories()
    rng = random.Random(1)
    anns = []
    for i in range(count):
        start = i * (ex.duration_ms - 3000) // count
        anns.append(Annotation(
            exhibit_id=ex.id, start_ms=start, end_ms=rng.choice((None, start + 1500)),
            category_id=rng.choice(cats).id, speaker=rng.choice(("female", "male", "PC 1", "")),
            text=" ".join(rng.choices(WORDS, k=rng.randint(3, 25))), note=rng.choice(("", "checked twice")),
            status=rng.choice(STATUSES)))
    for a in anns:
        if a.end_ms is not None and a.end_ms > ex.duration_ms:
            a.end_ms = ex.duration_ms
    store.add_annotations(anns, "bench", action="annotation.add")
    return store


def reference(store: CaseStore) -> float:
    t0 = time.perf_counter()
    buf = io.StringIO()
    writer = csv.writer(buf)
    for a in store.annotations():
        writer.writerow([a.exhibit_id, a.start_ms, a.end_ms, a.category_id, a.speaker, a.text, a.note, a.status])
    return time.perf_counter() - t0


TARGETS_S = {"csv": 1, "docx": 10, "pdf": 15}


def figures(work: Path | None = None, count: int = 10_000) -> list[dict]:
    """Seconds to render and write each format of the issue (csv, docx, pdf) for ``count``
    marks, the report built once first (its time is added to each: a user exports one).
    The case is made once in ``work`` and reused by later runs."""
    out = []
    base = Path(work or tempfile.gettempdir()) / f"export-{count}"
    case = base / "bench.bwvcase"
    if case.exists():
        store = CaseStore.open(case)
    else:
        base.mkdir(parents=True, exist_ok=True)
        for old in base.iterdir():
            old.unlink()
        store = make_case(base, count)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        folder = Path(tmp)
        ref = reference(store)
        t0 = time.perf_counter()
        report = build_report(store, ExportOptions(include_drafts=True), generated=datetime(2019, 8, 1, tzinfo=UTC))
        build = time.perf_counter() - t0
        for fmt, limit in TARGETS_S.items():
            t0, c0 = time.perf_counter(), time.process_time()
            write_all(render_outputs(report, fmt, folder / f"out.{fmt}", store))
            took, cpu = build + time.perf_counter() - t0, time.process_time() - c0
            out.append({"name": f"export {count:,} annotations: {fmt}", "value": round(took, 2), "unit": "s",
                        "reference": f"bare csv.writer rows {ref * 1000:.0f} ms ({took / ref:.0f}x); "
                        f"build_report {build:.2f} s included; CPU {cpu:.2f} s", "target": f"<= {limit} s",
                        "met": took <= limit})
    store.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=10_000)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        folder = Path(tmp)
        store = make_case(folder, args.annotations)
        ref = reference(store)
        t0 = time.perf_counter()
        chronology.build(store)
        chron = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = build_report(store, ExportOptions(include_drafts=True), generated=datetime(2019, 8, 1, tzinfo=UTC))
        build = time.perf_counter() - t0
        print(f"{len(report.entries)} annotations; reference (bare csv.writer rows) {ref * 1000:.0f} ms")
        print(f"{'step':<24}{'seconds':>9}{'x reference':>13}{'size':>12}{'CPU s':>8}")
        print(f"{'chronology.build':<24}{chron:>9.2f}{chron / ref:>13.1f}")
        print(f"{'build_report':<24}{build:>9.2f}{build / ref:>13.1f}")
        for fmt in FORMATS:
            t0, c0 = time.perf_counter(), time.process_time()
            files = render_outputs(report, fmt, folder / f"out.{fmt}", store)
            write_all(files)
            took, cpu = time.perf_counter() - t0, time.process_time() - c0
            size = sum(len(data) for _, data in files)
            print(f"{fmt + ' (render+write)':<24}{took:>9.2f}{took / ref:>13.1f}{size / 1e6:>9.1f} MB{cpu:>8.2f}")
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
