"""Import time for a CSV log of 200,000 annotations, against bare SQLite in the same run.

    python benchmarks/import_bench.py [--rows 200000] [--work DIR]

The figure is ``bwv-review import`` done in process (``operations.import_annotations``, as
the command line and the window run it: read and check every row, then insert them in one
transaction with an audit row each, sealed once, as one undoable change) beside a reference measured in the
same run on the same machine: Python's csv module reading the same file and a bare
``sqlite3`` ``executemany`` of the same rows into a table with the annotation columns, one
transaction, WAL and synchronous=FULL like a case file. The target is under 10 s; the ratio
says how much of that is ours.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bwv_review.core import operations  # noqa: E402
from bwv_review.core.evidence import import_footage  # noqa: E402
from bwv_review.core.export.tables import HEADERS  # noqa: E402
from bwv_review.core.store import CaseStore  # noqa: E402
from bwv_review.core.timecode import format_ms  # noqa: E402
from tests.footage import write_clip  # noqa: E402

WORDS = "He strangled me. Look at the state she's in. Nothing happened, I'm not with him. Keep the noise down.".split()
TARGET_S = 10


def make_csv(path: Path, rows: int, duration_ms: int) -> None:
    rng = random.Random(1)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(HEADERS)
    col = {h: i for i, h in enumerate(HEADERS)}
    for i in range(rows):
        start = i * (duration_ms - 3000) // rows
        end = start + rng.choice((0, 1500)) or None
        row = [""] * len(HEADERS)
        row[col["Exhibit"]] = "AB/1"
        row[col["File time start"]], row[col["Start (ms)"]] = format_ms(start), str(start)
        row[col["File time end"]], row[col["End (ms)"]] = (format_ms(end), str(end)) if end else ("", "")
        row[col["Category"]] = rng.choice(("disclosure", "advice", "other"))
        row[col["Speaker"]] = rng.choice(("female", "male", "PC 1", ""))
        row[col["Text"]] = " ".join(rng.choices(WORDS, k=rng.randint(3, 25)))
        row[col["Status"]] = rng.choice(("draft", "verified"))
        row[col["Event"]] = str(i - i % 2) if i % 1000 < 2 else ""  # a few linked pairs
        writer.writerow(row)
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def reference(path: Path, folder: Path) -> float:
    t0 = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    conn = sqlite3.connect(folder / "bare.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE annotation (id INTEGER PRIMARY KEY AUTOINCREMENT, exhibit_id INTEGER, start_ms "
                 "INTEGER, end_ms INTEGER, category_id INTEGER, speaker TEXT, text TEXT, note TEXT, status TEXT, "
                 "reviewer TEXT, created TEXT, updated TEXT, source TEXT, event INTEGER)")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO annotation (exhibit_id, start_ms, end_ms, category_id, speaker, text, note, "
                     "status, reviewer, created, updated, source) VALUES (1, ?, ?, 1, ?, ?, ?, ?, ?, '', '', '')",
                     [(int(r[3]), int(r[4]) if r[4] else None, r[10], r[11], r[12], r[13] or "draft", r[14])
                      for r in rows])
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - t0


def figures(work: Path | None = None, rows: int = 200_000) -> list[dict]:
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        folder = Path(tmp)
        store = CaseStore.create(folder / "bench.bwvcase", "Benchmark", "BENCH 2", "bench")
        clip = write_clip(folder / "AB-1.mp4", frames=60 * 60, fps=1, size=(160, 120))
        ex = import_footage(store, clip, "AB/1", "bench")
        log = folder / "log.csv"
        make_csv(log, rows, ex.duration_ms)
        ref = reference(log, folder)
        t0, c0 = time.perf_counter(), time.process_time()
        change, result = operations.import_annotations(store, log, None, "bench")
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert len(result.added) == rows == len(change.rows)
        store.close()
    return [{"name": f"import {rows:,} CSV rows (one transaction, audited)", "value": round(took, 2), "unit": "s",
             "reference": f"bare csv.reader + sqlite3 executemany {ref:.2f} s ({took / ref:.1f}x); CPU {cpu:.2f} s; "
             f"{len(result.links)} links restored", "target": f"<= {TARGET_S} s", "met": took <= TARGET_S}]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    for f in figures(args.work, args.rows):
        print(f"{f['name']}: {f['value']} {f['unit']} (target {f['target']}; {f['reference']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
