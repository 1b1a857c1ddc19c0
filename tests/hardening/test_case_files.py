"""Case files on a bad day: a full disk, and path oddities."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bwv_review.core.errors import CaseFileError
from bwv_review.core.evidence import import_footage, verify_case
from bwv_review.core.model import Annotation
from bwv_review.core.store import CaseStore


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB file system of our own (needs root, as in CI; skipped elsewhere)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a small file system here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass  # ENOSPC: the disk is full, as wanted
    finally:
        os.close(fd)
    return filler


def test_full_disk_refuses_the_change_and_keeps_everything(small_disk, footage_copy):
    store = CaseStore.create(small_disk / "case.bwvcase", "Full disk")
    import_footage(store, footage_copy, "AB/1", "me")
    ex, cat = store.exhibit("AB/1"), store.category("disclosure")
    kept = store.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=10, text="kept"), "me")
    filler = _fill(small_disk)
    with pytest.raises(CaseFileError, match="disk is full"):
        for i in range(50):  # the WAL may hold a few pages of slack before it hits the wall
            store.add_annotation(
                Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=20, text=f"{i} " + "x" * 60_000), "me")
    store.close()
    filler.unlink()
    store = CaseStore.open(small_disk / "case.bwvcase")
    assert kept.id in [a.id for a in store.annotations()]
    assert verify_case(store) == []
    assert store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()


@pytest.mark.parametrize("name", ["with spaces", "ünïcödé Łódź 事件", "x" * 120])
def test_odd_paths(tmp_path, clip, name):
    folder = tmp_path / name / name[:60] / "deeper"
    folder.mkdir(parents=True)
    footage = folder / f"{name[:80]} AB 1.mp4"
    footage.write_bytes(clip.read_bytes())
    case_path = folder / f"{name[:80]}.bwvcase"
    r = subprocess.run([sys.executable, "-m", "bwv_review", "new", case_path, "--title", name], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "bwv_review", "add", case_path, footage, "--exhibit", "AB/1"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with CaseStore.open(case_path) as store:
        assert store.exhibit("AB/1").path == footage.name
        assert verify_case(store) == []
