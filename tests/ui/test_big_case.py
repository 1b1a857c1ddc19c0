"""A case of 100,000 marks opened in the marks table: every mark is there, in the
chronology's order, each word exactly as stored, the last one as reachable as the first
(the load builds rows in bulk; nothing may be lost, reordered or altered by it)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from bwv_review.core import chronology
from bwv_review.core.session import Session
from bwv_review.core.store import CaseStore
from bwv_review.ui.annotations.model import (
    COL_FILE,
    COL_SPEAKER,
    COL_STATUS,
    COL_TEXT,
    AnnotationRole,
    IdRole,
)
from bwv_review.ui.annotations.panel import AnnotationPanel
from bwv_review.ui.review import ReviewSession

pytestmark = pytest.mark.gui

COUNT = 100_000
# Words as a reviewer may type them: other scripts, combining marks, a newline, spaces kept.
WORDS = ["He strangled me.", "Dim ond un gair, ŵyr", "Zażółć gęślą jaźń", "لا أستطيع التنفس",
         "e\u0301 combining", "two\nlines ", "  spaced  "]


@pytest.fixture
def big_case(review_case):
    with CaseStore.open(review_case) as store:
        ex = store.exhibit("AB/1")
        cats = [c.id for c in store.categories()]
        rows = [
            {"exhibit_id": ex.id, "start_ms": (i * 7919) % ex.duration_ms, "category_id": cats[i % len(cats)],
             "end_ms": None if i % 3 else min(ex.duration_ms, (i * 7919) % ex.duration_ms + 5),
             "speaker": ("PC Able", "the woman", "")[i % 3], "text": f"{WORDS[i % len(WORDS)]} #{i}",
             "note": "checked" if i % 11 == 0 else "", "status": "verified" if i % 5 == 0 else "draft",
             "reviewer": "Test Reviewer", "created": "2026-01-01T00:00:00.000+00:00",
             "updated": "2026-01-01T00:00:00.000+00:00"}
            for i in range(COUNT)
        ]
        with store.transaction():  # a test shortcut: the app adds marks through operations
            store.db["annotation"].insert_all(rows, batch_size=10_000)
    return review_case


def test_every_mark_of_a_big_case_in_order_and_exact(qtbot, big_case):
    with CaseStore.open(big_case) as store:
        expected = chronology.build(store)
        stored = {r[0]: r[1:] for r in store.db.conn.execute("SELECT id, text, speaker, note, status FROM annotation")}
        # One exhibit on a known clock: the chronology is file time, then id (asked of SQLite itself).
        by_sql = [r[0] for r in store.db.conn.execute("SELECT id FROM annotation ORDER BY start_ms, id")]
    assert [e.annotation.id for e in expected] == by_sql
    session = ReviewSession(Session(CaseStore.open(big_case), "Test Reviewer"))
    try:
        host = QWidget()  # a plain window, as the case window's dock holds it
        qtbot.addWidget(host)
        panel = AnnotationPanel(session.annotations, host)
        panel.setGeometry(0, 0, 1200, 400)
        host.resize(1200, 400)
        host.show()
        qtbot.waitExposed(host)
        model = session.annotations
        assert model.rowCount() == COUNT
        ids = [model.index(r, 0).data(IdRole) for r in range(COUNT)]
        assert ids == [e.annotation.id for e in expected]
        assert len(set(ids)) == COUNT
        for r in (0, 1, COUNT // 2, COUNT - 2, COUNT - 1):
            ann = model.index(r, 0).data(AnnotationRole)
            assert ann == expected[r].annotation
            assert (ann.text, ann.speaker, ann.note, ann.status) == stored[ann.id]  # as stored, byte for byte
            assert model.index(r, COL_TEXT).data() == ann.text.replace("\n", " ⏎ ")
            assert model.index(r, COL_TEXT).data(Qt.ItemDataRole.ToolTipRole).startswith(ann.text)
            assert model.index(r, COL_SPEAKER).data() == ann.speaker
        # The last row, scrolled to as a reviewer would, is the chronology's last mark.
        panel.table.scrollToBottom()
        last_row = panel.proxy.rowCount() - 1
        assert last_row == COUNT - 1
        last = panel.proxy.index(last_row, COL_TEXT)
        assert last.data(AnnotationRole) == expected[-1].annotation
        assert panel.table.visualRect(last).isValid() and panel.table.viewport().rect().intersects(
            panel.table.visualRect(last))
        assert panel.proxy.index(last_row, COL_FILE).data() == model.index(COUNT - 1, COL_FILE).data()
        assert panel.proxy.index(last_row, COL_STATUS).data() in ("verified", "draft")
        # Search finds exactly the last-made mark by its number, from every row's words.
        target = max(stored)  # the highest id: "#99999"
        panel.search.setText(f"#{COUNT - 1}")
        panel.apply_search()
        assert panel.proxy.rowCount() == 1
        assert panel.proxy.index(0, 0).data(IdRole) == target
        panel.search.setText("ŵyr")  # a non-ASCII word, case-folded
        panel.apply_search()
        assert panel.proxy.rowCount() == sum(1 for t in stored.values() if "ŵyr" in t[0].casefold())
    finally:
        session.close()
