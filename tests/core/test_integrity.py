import hashlib

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
