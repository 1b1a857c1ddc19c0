import hashlib
import os

import pytest

from bwv_review.core.errors import Cancelled, FootageError
from bwv_review.core.integrity import BLOCK, sha256_file


def test_hash_matches_hashlib_and_reports_progress(tmp_path):
    data = bytes(range(256)) * (3 * BLOCK // 256 + 17)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    seen = []
    digest = sha256_file(path, progress=lambda done, total: seen.append((done, total)), report_every=BLOCK)
    assert digest == hashlib.sha256(data).hexdigest()
    assert seen[-1] == (len(data), len(data))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(seen) >= 3


def test_hash_can_be_cancelled(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * (4 * BLOCK))
    with pytest.raises(Cancelled):
        sha256_file(path, cancel=lambda: True, report_every=BLOCK)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FootageError, match="not found"):
        sha256_file(tmp_path / "nope.mp4")


def test_reads_exactly_the_size_it_had_and_refuses_a_file_that_grew(tmp_path):
    path = tmp_path / "growing.bin"
    path.write_bytes(b"a" * (3 * BLOCK))

    def grow(done, total):
        with path.open("ab") as handle:
            handle.write(b"more")

    with pytest.raises(FootageError, match="changed while it was being hashed"):
        sha256_file(path, progress=grow, report_every=BLOCK)


def test_a_same_size_overwrite_while_hashing_is_caught(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"a" * (3 * BLOCK))
    stamp = path.stat().st_mtime_ns

    def overwrite(done, total):
        if done == BLOCK:  # the same bytes count, different content, written in place
            with path.open("r+b") as handle:
                handle.seek(2 * BLOCK)
                handle.write(b"b" * BLOCK)
            os.utime(path, ns=(stamp + 1_000_000, stamp + 1_000_000))

    with pytest.raises(FootageError, match="changed while it was being hashed"):
        sha256_file(path, progress=overwrite, report_every=BLOCK)


def test_a_file_replaced_while_hashing_is_caught(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"a" * (2 * BLOCK))
    other = tmp_path / "other.bin"
    other.write_bytes(b"a" * (2 * BLOCK))

    def replace(done, total):
        if other.exists():
            other.replace(path)  # same size, same bytes: a different file at the same name

    with pytest.raises(FootageError, match="changed while it was being hashed"):
        sha256_file(path, progress=replace, report_every=BLOCK)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(FootageError, match="not a regular file"):
        sha256_file(tmp_path / "pipe")


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(FootageError, match="is a folder"):
        sha256_file(tmp_path)
