"""Real processes: two writers at once lose nothing; kill -9 loses nothing acknowledged."""

import random
import sqlite3
import subprocess
import sys
from pathlib import Path

from bwv_review.core.evidence import verify_case
from bwv_review.core.store import CaseStore

ROOT = Path(__file__).resolve().parents[2]


def _writer(path, count, tag):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.core.writer_process", str(path), str(count), tag],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_two_processes_writing_at_once_lose_nothing(case):
    path = case.path
    case.close()
    a, b = _writer(path, 150, "A"), _writer(path, 150, "B")
    out_a, err_a = a.communicate(timeout=120)
    out_b, err_b = b.communicate(timeout=120)
    assert a.returncode == 0 and b.returncode == 0, err_a + err_b
    with CaseStore.open(path, readonly=True) as store:
        texts = {x.text for x in store.annotations()}
        assert texts == {f"A {i}" for i in range(150)} | {f"B {i}" for i in range(150)}
        assert verify_case(store) == []


def test_kill_9_during_writes_loses_no_acknowledged_annotation(case):
    path = case.path
    case.close()
    rng = random.Random(7)
    acknowledged: set[int] = set()
    for trial in range(6):
        proc = _writer(path, 100_000, f"T{trial}")
        stop_after = rng.randint(1, 40)
        seen = 0
        for line in proc.stdout:
            if line.startswith("ACK "):
                acknowledged.add(int(line.split()[1]))
                seen += 1
                if seen >= stop_after:
                    proc.kill()  # SIGKILL: no clean-up, mid-transaction more often than not
                    break
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        with CaseStore.open(path) as store:
            present = {a.id for a in store.annotations()}
            assert acknowledged <= present
            assert verify_case(store) == []


def _other_process(path, sql, *params):
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=30); "
            "r = c.execute(sys.argv[2], sys.argv[3:]).fetchall(); c.commit(); c.close(); print(r)")
    r = subprocess.run([sys.executable, "-c", code, str(path), sql, *params], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_reopening_a_case_this_process_holds_keeps_its_write_ahead_log(case):
    # QA: the window reopens its own case in workers (verify on open, export). The header check
    # read the file with a descriptor of its own, whose close dropped this process's SQLite locks;
    # the next program to close the case (a `bwv-review list` in a terminal) then deleted the -wal
    # and -shm under the window, which went on writing to a log nobody else saw: another program's
    # change was lost when the window closed, and the window's export failed with "disk I/O error".
    case.update_case("Test Reviewer", title="one")
    CaseStore.open(case.path, readonly=True).close()  # what a window worker does
    CaseStore.open(case.path).close()
    _other_process(case.path, "SELECT title FROM case_info")  # opens and closes: must not be "the last"
    assert Path(str(case.path) + "-wal").exists() and Path(str(case.path) + "-shm").exists()
    case.update_case("Test Reviewer", title="two")
    assert _other_process(case.path, "SELECT title FROM case_info") == "[('two',)]"
    _other_process(case.path, "UPDATE case_info SET timezone = ?", "UTC")  # another program's change
    case.update_case("Test Reviewer", title="three")
    case.close()
    with CaseStore.open(case.path, readonly=True) as store:
        assert (store.case().title, store.case().timezone) == ("three", "UTC")
