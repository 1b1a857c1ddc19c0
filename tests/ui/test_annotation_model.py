"""The annotation table model and its search/filter proxy."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from bwv_review.core import chronology
from bwv_review.core.model import Annotation
from bwv_review.ui.annotations.model import COL_CLOCK, COL_TEXT, AnnotationTableModel, IdRole
from bwv_review.ui.annotations.proxy import AnnotationFilterProxy

pytestmark = pytest.mark.gui

WORDS = ["He strangled me.", "What state are you in?", "Nothing happened.", "Keep the noise down."]
SPEAKERS = ["the woman", "PC Able", "the man"]


def _fill(store, n: int) -> None:
    """n marks written in one transaction (a test shortcut; the app adds them one by one)."""
    ex = store.exhibit("AB/1")
    cats = [c.id for c in store.categories()]
    rows = [
        {"exhibit_id": ex.id, "start_ms": (i * 7) % ex.duration_ms, "category_id": cats[i % len(cats)],
         "speaker": SPEAKERS[i % 3], "text": f"{WORDS[i % 4]} #{i}", "note": "check" if i % 10 == 0 else "",
         "status": "verified" if i % 5 == 0 else "draft", "reviewer": "Test Reviewer",
         "created": "2026-01-01T00:00:00.000+00:00", "updated": "2026-01-01T00:00:00.000+00:00"}
        for i in range(n)
    ]
    with store.transaction():
        store.db["annotation"].insert_all(rows, batch_size=5000)


@pytest.fixture
def filled(review_store):
    _fill(review_store, 200)
    return review_store


def test_models_pass_qtmodeltester(qtmodeltester, filled):
    model = AnnotationTableModel(filled)
    qtmodeltester.check(model)
    proxy = AnnotationFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("noise")
    qtmodeltester.check(proxy)


def test_rows_follow_the_chronology_and_show_clock_time(filled):
    model = AnnotationTableModel(filled)
    ids = [model.index(r, 0).data(IdRole) for r in range(model.rowCount())]
    assert ids == [e.annotation.id for e in chronology.build(filled)]
    first = model.rows[0].annotation
    # 2019-07-01T23:34:55+01:00 is BST, shown in the case zone (Europe/London), UTC on hover.
    assert model.index(0, COL_CLOCK).data().startswith("2019-07-01 23:34:55")
    assert "UTC 2019-07-01 22:34:55" in model.index(0, COL_CLOCK).data(Qt.ItemDataRole.ToolTipRole)
    assert first.start_ms == 0


def test_search_and_filters(filled):
    model = AnnotationTableModel(filled)
    proxy = AnnotationFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("NOISE")
    assert proxy.rowCount() == 50
    assert all("noise" in proxy.index(r, COL_TEXT).data().lower() for r in range(proxy.rowCount()))
    proxy.set_filter(text="", speaker="pc able")
    assert proxy.rowCount() == len([i for i in range(200) if i % 3 == 1])
    proxy.set_filter(speaker=None, status="verified")
    assert proxy.rowCount() == 40
    proxy.set_filter(status=None, text="check")  # in the note
    assert proxy.rowCount() == 20
    cat = filled.category("disclosure").id
    proxy.set_filter(text="", category_id=cat)
    assert proxy.rowCount() == len([i for i in range(200) if i % 9 == 0])
    proxy.set_filter(category_id=None, exhibit_id=filled.exhibit("AB/1").id)
    assert proxy.rowCount() == 200
    proxy.set_filter(exhibit_id=-1)
    assert proxy.rowCount() == 0


def test_single_changes_keep_order_and_filter(filled, qtmodeltester):
    model = AnnotationTableModel(filled)
    proxy = AnnotationFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("strangled")
    before = proxy.rowCount()
    ex = filled.exhibit("AB/1")
    ann = filled.add_annotation(Annotation(exhibit_id=ex.id, start_ms=1999, category_id=model.rows[0].annotation.category_id,
                                           text="He strangled me. (late)"), "Test Reviewer")
    model.apply(ann.id, ann)
    assert proxy.rowCount() == before + 1
    assert model.row_of(ann.id) == model.rowCount() - 1 or model.rows[model.row_of(ann.id) + 1].key > model.rows[model.row_of(ann.id)].key
    moved = filled.update_annotation(ann.id, "Test Reviewer", start_ms=0, text="no longer matching")
    model.apply(ann.id, moved)
    assert proxy.rowCount() == before
    assert [r.annotation.id for r in model.rows] == [e.annotation.id for e in chronology.build(filled)]
    model.apply(ann.id, None)
    assert model.row_of(ann.id) is None
    qtmodeltester.check(model)


def test_machine_drafts_never_look_checked(review_store):
    ex = review_store.exhibit("AB/1")
    review_store.add_annotation(Annotation(exhibit_id=ex.id, start_ms=100, category_id=review_store.category("disclosure").id,
                                           text="he strangled me", source="machine-draft"), "transcriber")
    model = AnnotationTableModel(review_store)
    status = model.index(0, 6)
    assert status.data() == "machine draft"
    assert "not yet checked" in status.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, COL_TEXT).data(Qt.ItemDataRole.FontRole).italic()
