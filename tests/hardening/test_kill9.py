"""kill -9 at random moments of import and migration: nothing acknowledged is lost, the
case always opens, passes PRAGMA integrity_check and verify.

The kill lands after a random delay: the delay is what is being varied, not a wait for
something to happen, so it is the one place a timer is right.
"""

import json
import random
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bwv_review.core.evidence import verify_case
from bwv_review.core.store import CaseStore
from tests.core.test_store import _write_format_1_case

ROOT = Path(__file__).resolve().parents[2]


def _kill_after(args, delay):
    proc = subprocess.Popen([sys.executable, "-m", "bwv_review", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(delay, proc.kill)
    timer.start()
    out, err = proc.communicate(timeout=120)
    timer.cancel()
    return proc.returncode, out, err


def _timed(args):
    """How long the command takes when left alone: kills are spread over its last half."""
    import time

    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "bwv_review", *map(str, args)], cwd=ROOT, capture_output=True, check=True)
    return time.monotonic() - started


def _sound(path):
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store = CaseStore.open(path)
    return store, [str(p) for p in verify_case(store)]


@pytest.fixture
def big_footage(footage_copy):
    """The clip padded to ~150 MB with a trailing free box, so hashing takes long enough to hit."""
    data = footage_copy.read_bytes()
    pad = 150 * 1024 * 1024
    big = footage_copy.with_name("big.mp4")
    with big.open("wb") as handle:
        handle.write(data)
        handle.write((pad + 8).to_bytes(4, "big") + b"free")
        handle.write(b"\0" * pad)
    return big


def test_kill_during_import(case, big_footage):
    path = case.path
    case.close()
    rng = random.Random(11)
    scratch = path.with_name("scratch.bwvcase")
    scratch.write_bytes(path.read_bytes())
    span = _timed(["add", scratch, big_footage, "--exhibit", "S/1"])
    for trial in range(8):
        code, out, _ = _kill_after(["add", path, big_footage, "--exhibit", f"K/{trial}"], rng.uniform(0.4, 1.0) * span)
        store, problems = _sound(path)
        refs = [e.ref for e in store.exhibits()]
        store.close()
        assert problems == []
        if code == 0:  # acknowledged: it must be there
            assert f"K/{trial}" in refs
            break  # the same footage cannot be added twice
    assert refs[0] == "AB/1"


def test_kill_during_migration(tmp_path, footage_copy):
    rng = random.Random(5)
    annotate = ["--exhibit", "AB/1", "--at", "1", "--category", "other", "--text", "after"]
    scratch = footage_copy.parent / "scratch.bwvcase"
    _write_format_1_case(scratch, footage_copy)
    span = _timed(["annotate", scratch, *annotate])
    for trial in range(6):
        path = footage_copy.parent / f"old-{trial}.bwvcase"
        _write_format_1_case(path, footage_copy)
        code, _, _ = _kill_after(["annotate", path, *annotate], rng.uniform(0.6, 1.05) * span)
        store, problems = _sound(path)  # opening again finishes the migration
        texts = [a.text for a in store.annotations()]
        assert problems == []
        assert "Nothing happened." in texts
        if code == 0:
            assert "after" in texts
        store.close()
        r = subprocess.run([sys.executable, "-m", "bwv_review", "list", path, "--json"],
                           capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 0 and json.loads(r.stdout)


def test_kill_during_export_leaves_no_half_file(case):
    """The export appears whole (it opens) or not at all, however the process dies."""
    import zipfile

    from bwv_review.core.model import Annotation

    ex, cat = case.exhibit("AB/1"), case.category("disclosure")
    case.add_annotations([Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=i % 2000,
                                      text=f"quote {i} " * 8, status="verified") for i in range(4000)], "me")
    path = case.path
    case.close()
    out = path.with_name("statement.docx")
    span = _timed(["export", path, "--format", "docx", "-o", out])
    out.unlink()
    rng = random.Random(3)
    for _ in range(6):
        code, _, _ = _kill_after(["export", path, "--format", "docx", "-o", out], rng.uniform(0.3, 1.0) * span)
        if out.exists():
            with zipfile.ZipFile(out) as docx:  # a whole file: every member reads back
                assert docx.testzip() is None
            assert code in (0, -9)
            out.unlink()
        else:
            assert code == -9
    store, problems = _sound(path)
    store.close()
    assert problems == []
