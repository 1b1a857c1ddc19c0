"""Case-file figures: commit one annotation with its audit row (and signed seal); checking a
case's log and signatures; SHA-256 vs sha256sum.

python benchmarks/case_bench.py [--hash-mb 1024] [--log-entries 10000]
Each figure is a ratio against a reference measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bwv_review.core import operations  # noqa: E402
from bwv_review.core.integrity import sha256_file  # noqa: E402
from bwv_review.core.model import Annotation, Exhibit  # noqa: E402
from bwv_review.core.store import CaseStore  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def annotation_commit(work: Path, n: int = 500) -> list[dict]:
    store = CaseStore.create(work / "bench.bwvcase", "Bench")
    ex = store.add_exhibit(Exhibit(ref="AB/1", path="x.mp4", sha256="0" * 64, size=1, duration_ms=3_600_000), "b")
    cat = store.category("disclosure")
    times = []
    # Reference: a bare sqlite3 insert + commit in WAL/FULL on the same disk.
    conn = sqlite3.connect(work / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, start_ms INT, text TEXT)")
    # And what the same durable write costs when it touches what ours touches (the row, an
    # index, an audit row, the audit head): how much of the ratio is SQLite's commit itself.
    conn.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, exhibit_id INT, start_ms INT, text TEXT)")
    conn.execute("CREATE INDEX b_start ON b(exhibit_id, start_ms)")
    conn.execute("CREATE TABLE audit (seq INTEGER PRIMARY KEY, row TEXT, hash TEXT)")
    conn.execute("CREATE TABLE head (id INTEGER PRIMARY KEY, seq INT, hash TEXT)")
    conn.execute("INSERT INTO head VALUES (1, 0, '')")
    ref, ref4, store_only = [], [], []
    for i in range(n):  # interleaved, so a burst of disk load from elsewhere hits all of them alike
        t = time.perf_counter()
        # What the window and the CLI run: the core operation (transaction, audit row tagged with
        # its change, the change set read back for the views).
        operations.add_annotation(store, Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=i,
                                                    text=f"quote {i}"), "b")
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        store.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=i, text=f"quote {i}"), "b")
        store_only.append(time.perf_counter() - t)
        t = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO a (start_ms, text) VALUES (?, ?)", (i, f"quote {i}"))
        conn.execute("COMMIT")
        ref.append(time.perf_counter() - t)
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        rid = conn.execute("INSERT INTO b (exhibit_id, start_ms, text) VALUES (1, ?, ?)", (i, f"quote {i}")).lastrowid
        conn.execute("INSERT INTO audit (row, hash) VALUES (?, ?)", (f"annotation {rid}", "0" * 64))
        conn.execute("UPDATE head SET seq = seq + 1, hash = ? WHERE id = 1", ("1" * 64,))
        conn.execute("COMMIT")
        ref4.append(time.perf_counter() - t)
    conn.close()
    store.close()
    med, p99, ref_med = statistics.median(times), _pct(times, 0.99), statistics.median(ref)
    ref4_med = statistics.median(ref4)
    return [
        {"name": "commit one annotation with audit, median", "value": round(med / ref_med, 2), "unit": "x bare insert",
         "reference": f"bare sqlite3 insert+commit {ref_med * 1000:.2f} ms; bare row+index+audit+head commit "
         f"{ref4_med * 1000:.2f} ms ({med / ref4_med:.1f}x); the store's write alone, without the operation's "
         f"change set, {statistics.median(store_only) * 1000:.2f} ms", "target": "<= 3x",
         "met": med / ref_med <= 3, "absolute_ms": round(med * 1000, 2)},
        {"name": "commit one annotation with audit, p99", "value": round(p99 * 1000, 2), "unit": "ms",
         "reference": f"bare insert p99 {_pct(ref, 0.99) * 1000:.2f} ms, row+audit p99 {_pct(ref4, 0.99) * 1000:.2f} ms "
         f"({n} commits)", "target": "<= 10 ms", "met": p99 * 1000 <= 10},
    ]


def log_check(work: Path, n: int) -> list[dict]:
    """A case of ``n`` annotations made one transaction each (so ``n`` signed seals): how long
    the export-time check (newest valid seal) and ``verify``'s thorough check (every seal)
    take, against reading every audit row and re-hashing it with plain sqlite3 + hashlib."""
    import hashlib  # noqa: PLC0415

    from bwv_review.core import evidence  # noqa: PLC0415

    store = CaseStore.create(work / "log.bwvcase", "Log")
    ex = store.add_exhibit(Exhibit(ref="AB/1", path="x.mp4", sha256="0" * 64, size=1, duration_ms=3_600_000), "b")
    cat = store.category("disclosure")
    for i in range(n):
        store.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=i, text=f"quote {i}"), "b")
    t = time.perf_counter()
    rows = store.db.conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()
    for row in rows:
        hashlib.sha256(repr(row).encode()).hexdigest()
    ref = time.perf_counter() - t
    t = time.perf_counter()
    fast = evidence.check_integrity(store)
    fast_s = time.perf_counter() - t
    t = time.perf_counter()
    full = evidence.check_integrity(store, thorough=True)
    full_s = time.perf_counter() - t
    store.close()
    assert fast.problems == full.problems == []
    reference = f"read and hash {len(rows)} audit rows with sqlite3 + hashlib: {ref:.3f} s"
    return [
        {"name": f"check a case's log at export, {n} transactions", "value": round(fast_s / ref, 1),
         "unit": "x reading the log", "reference": reference, "absolute_s": round(fast_s, 3)},
        {"name": f"verify every signature, {n} transactions", "value": round(full_s / ref, 1),
         "unit": "x reading the log", "reference": reference, "absolute_s": round(full_s, 3)},
    ]


def hashing(work: Path, megabytes: int, rounds: int = 1, keep: bool = False) -> list[dict]:
    """SHA-256 throughput against sha256sum on the same (page-cached) file; the best of
    ``rounds`` interleaved runs each, since load from elsewhere only ever slows a run.
    With ``keep``, the file stays in ``work`` for the next run."""
    path = work / f"hash-{megabytes}MB.bin"
    if not (path.exists() and path.stat().st_size == megabytes << 20):
        block = bytes(range(256)) * 4096
        with path.open("wb") as handle:
            for _ in range(megabytes):
                handle.write(block)
    subprocess.run(["sha256sum", str(path)], capture_output=True, check=True)  # warm the page cache
    ref_runs, our_runs = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        ref = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]
        ref_runs.append(time.perf_counter() - t)
        t = time.perf_counter()
        ours = sha256_file(path)
        our_runs.append(time.perf_counter() - t)
        assert ours == ref
    if not keep:
        path.unlink()
    ref_s, ours_s = min(ref_runs), min(our_runs)
    ratio = ref_s / ours_s  # throughput ratio: ours / sha256sum
    return [{"name": f"SHA-256 of a {megabytes} MB file", "value": round(ratio, 2), "unit": "x sha256sum throughput",
             "reference": f"sha256sum {megabytes / ref_s:.0f} MB/s (best of {rounds})", "target": ">= 0.9x",
             "met": ratio >= 0.9, "absolute": f"{megabytes / ours_s:.0f} MB/s"}]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hash-mb", type=int, default=1024)
    parser.add_argument("--log-entries", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        import os  # noqa: PLC0415 - the signing key the bench makes must not be the user's

        os.environ["BWV_REVIEW_HOME"] = str(Path(tmp) / "home")
        figures = annotation_commit(Path(tmp)) + log_check(Path(tmp), args.log_entries) + hashing(Path(tmp), args.hash_mb)
    print(json.dumps({"figures": figures}, indent=2))


if __name__ == "__main__":
    main()
