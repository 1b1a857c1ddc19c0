"""Fixtures shared by the GUI tests (player, timeline, workspace). Add, do not rewrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from bwv_review.core.evidence import import_footage
from bwv_review.core.store import CaseStore


@pytest.fixture
def review_case(footage_copy) -> Path:
    """A case with one exhibit (AB/1, the 2 s test clip, known recording start); closed again."""
    case_path = footage_copy.parent / "Operation Example.bwvcase"
    with CaseStore.create(case_path, "Operation Example", "IOPC 2019/0001", reviewer="Test Reviewer") as store:
        import_footage(store, footage_copy, "AB/1", "Test Reviewer", wearer="PC Able",
                       start="2019-07-01T23:34:55+01:00")
    return case_path


@pytest.fixture
def review_store(review_case):
    """The same case, open for writing."""
    store = CaseStore.open(review_case)
    yield store
    store.close()


@pytest.fixture(autouse=True, scope="session")
def signal_refcount_guard():
    """PySide6 6.12.0's emit() drops a reference to True each time; guard before any test
    emits (see bwv_review/ui/player/signal_guard.py), or the run aborts at exit."""
    from bwv_review.ui.player.signal_guard import guard_signal_refcounts

    guard_signal_refcounts()


TIMELINE_WIDTH = 1000


@pytest.fixture
def timeline(qtbot):
    """A timeline TIMELINE_WIDTH pixels wide over 100 s (10 px per second), in a plain window."""
    from PySide6.QtWidgets import QWidget

    from bwv_review.ui.timeline import TimelineWidget

    host = QWidget()  # a plain window, as the workspace embeds it
    qtbot.addWidget(host)
    widget = TimelineWidget(host)
    widget.setGeometry(0, 0, TIMELINE_WIDTH + 4, 160)
    host.resize(TIMELINE_WIDTH + 4, 160)
    host.show()
    qtbot.waitExposed(host)
    widget.canvas.resize(TIMELINE_WIDTH, widget.canvas.height())
    widget.set_duration(100_000)
    yield widget
    widget.shutdown()
