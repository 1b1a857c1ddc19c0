"""The window refuses bad footage with a sentence and adds no exhibit; a case opens after."""

import pytest

from bwv_review.core.store import CaseStore
from bwv_review.ui import footage_flow
from tests.hardening.corpus import BAD_NAMES
from tests.ui.conftest import review_case  # noqa: F401 - the case fixture the UI tests use
from tests.ui.test_workspace_case import _Accepting, _open

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("name", ["zero-bytes.mp4", "text-named.mp4", "moov-missing.mp4",
                                  "truncated-faststart.mp4", "audio-only.m4a", "image-named.mp4"])
def test_window_refuses_bad_footage(qtbot, window, review_case, bad_files, monkeypatch, name):  # noqa: F811
    assert name in BAD_NAMES
    monkeypatch.setattr(footage_flow, "AddFootageDialog", _Accepting)
    _open(qtbot, window, review_case)
    errors = []
    window.pool.failed.connect(errors.append)  # the task helper reports every failure
    window.flow.add_file(bad_files[name])
    qtbot.waitUntil(lambda: bool(errors) and window.pool.running() == 0, timeout=20_000)
    assert len(errors) == 1 and "\n" not in errors[0] and "Traceback" not in errors[0]
    assert window.session.exhibits.rowCount() == 1
    with CaseStore.open(review_case, readonly=True) as store:
        assert [e.ref for e in store.exhibits()] == ["AB/1"]
