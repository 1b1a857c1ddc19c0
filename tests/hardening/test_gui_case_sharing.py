"""Two programs on one case, and tampered footage, as the reviewer's window sees them."""

import subprocess
import sys

import pytest

from bwv_review.ui.exhibits import COL_HASH
from tests.ui.conftest import review_case  # noqa: F401 - the case fixture the UI tests use
from tests.ui.test_workspace_case import _open

pytestmark = pytest.mark.gui


def test_window_shows_marks_another_program_adds(qtbot, window, review_case):  # noqa: F811
    _open(qtbot, window, review_case)
    table = window.session.annotations
    assert table.rowCount() == 0
    r = subprocess.run([sys.executable, "-m", "bwv_review", "annotate", str(review_case), "--exhibit", "AB/1",
                        "--at", "1.2", "--category", "retraction", "--text", "Nothing happened."],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=10_000)
    assert table.rows[0].annotation.text == "Nothing happened."


def test_window_reports_footage_changed_since_import(qtbot, window, review_case, footage_copy):  # noqa: F811
    data = bytearray(footage_copy.read_bytes())
    data[len(data) // 3] ^= 0x01  # one bit
    footage_copy.write_bytes(bytes(data))
    assert window.open_case(review_case)
    model = window.session.exhibits
    qtbot.waitUntil(lambda: model.index(0, COL_HASH).data() == "changed", timeout=10_000)
