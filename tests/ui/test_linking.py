"""Linking marks from the reviewer's window: offered candidates, undoable, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt

from bwv_review.core.chronology import Entry
from bwv_review.core.model import Annotation, Category, Exhibit
from bwv_review.ui.linking import LinkDialog, candidates, link_selected
from bwv_review.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def sample_window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.start_page.sample.click()
    qtbot.waitUntil(lambda: win.session is not None, timeout=30000)
    yield win
    win.close()
    assert win.pool.running() == 0


def _by_text(store, start):
    return next(a for a in store.annotations() if a.text.startswith(start))


def test_one_selected_mark_offers_the_other_cameras_marks_nearest_first(qtbot, sample_window):
    win = sample_window
    store = win.session.store
    disclosure = _by_text(store, "He strangled me")  # CD/1, 23:35:02.5
    remark = _by_text(store, "Look at the state")  # AB/1, 23:35:09.0
    assert win.panel.select_annotation(disclosure.id)
    dialog = link_selected(win.session, win.panel, win)
    assert isinstance(dialog, LinkDialog)
    offered = [dialog.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.list.count())]
    assert offered[0] == remark.id  # 6.5 s apart: offered, not ticked (more than 2 s)
    assert "6.5 s apart" in dialog.list.item(0).text()
    assert dialog.list.item(0).checkState() == Qt.CheckState.Unchecked
    dialog.list.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.accept()
    assert store.annotation(disclosure.id).event == store.annotation(remark.id).event == disclosure.id
    assert store.audit_rows()[-1]["action"] == "annotation.link"
    win.undo()
    assert store.annotation(disclosure.id).event is None and store.annotation(remark.id).event is None
    assert store.audit_rows()[-1]["action"] == "annotation.undo-link"
    win.redo()
    assert store.annotation(remark.id).event == disclosure.id


def test_link_unlink_and_refuse_two_on_one_camera(qtbot, sample_window):
    win = sample_window
    store, session = win.session.store, win.session
    cd = _by_text(store, "He strangled me")
    ab = _by_text(store, "Look at the state")
    ab2 = _by_text(store, "Nothing happened")
    session.core.link([cd.id, ab.id])
    assert store.annotation(ab.id).event == cd.id
    errors = []
    session.error.connect(errors.append)
    rows = len(store.audit_rows())
    session.core.link([ab.id, ab2.id])  # both on AB/1
    assert errors and "both on exhibit AB/1" in errors[0]
    assert len(store.audit_rows()) == rows and len(session.core.undo_stack) == 1  # nothing kept of it
    session.core.unlink(ab.id)
    assert store.annotation(ab.id).event is None and store.annotation(cd.id).event is None
    win.undo()
    assert store.annotation(ab.id).event == store.annotation(cd.id).event == cd.id
    # The table shows the change without a reload.
    assert win.session.annotations.annotation_by_id(ab.id).event == cd.id


def test_candidates_without_clocks_come_last():
    cat = Category(slug="other", name="Other", colour="#888888")

    def entry(i, ex_id, clock):
        ex = Exhibit(ref=f"X/{ex_id}", path="", sha256="", size=0, id=ex_id)
        when = datetime(2019, 7, 1, 22, 0, clock, tzinfo=UTC) if clock is not None else None
        return Entry(Annotation(id=i, exhibit_id=ex_id, start_ms=0, category_id=1), ex, cat, when, when)

    entries = [entry(1, 1, 10), entry(2, 2, 12), entry(3, 2, 30), entry(4, 3, None), entry(5, 2, 9)]
    got = [(e.annotation.id, apart) for e, apart in candidates(entries, entries[0].annotation)]
    assert got == [(5, 1000.0), (2, 2000.0), (4, None)]
