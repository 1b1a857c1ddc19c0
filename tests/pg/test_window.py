"""The window on a server case: opened by its address, another reviewer's marks appear by
themselves, and a server that goes away and comes back is said and survived."""

from __future__ import annotations

import time

import psycopg
import pytest

from bwv_review.core import evidence, footage_paths
from bwv_review.core.cases import create_case, open_case
from bwv_review.core.evidence import import_footage
from bwv_review.core.model import Annotation
from bwv_review.core.pg.url import parse
from bwv_review.ui.main_window import MainWindow

pytestmark = [pytest.mark.pg, pytest.mark.gui]


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    win.settings.reviewer = "Reviewer A"
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def _mark(store, text):
    return store.add_annotation(Annotation(exhibit_id=store.exhibit("AB/1").id,
                                           category_id=store.category("disclosure").id, start_ms=400, text=text),
                                store.actor)


def test_another_reviewers_mark_appears_in_the_window(qtbot, window, server_case):
    _owner, as_role = server_case
    url = as_role("reviewer_a")
    assert window.open_case(url), window.last_error
    qtbot.waitUntil(lambda: window.player.duration_ms() > 0)  # footage found through this desktop's media folder
    # Verified on open by a worker on its own connection, as the same role: log, records, footage hash.
    qtbot.waitUntil(lambda: window.verification == [], timeout=10000)
    assert "database role reviewer_a" in window.reviewer_label.text()
    assert window.settings.server_cases() == [url]
    model = window.session.annotations
    with open_case(as_role("reviewer_b"), actor="Reviewer B") as other:
        qtbot.waitUntil(lambda: "Also here: Reviewer B (reviewer_b)" in window.present_label.text(), timeout=7000)
        window.session._timer.stop()  # only the NOTIFY can bring it now, not the once-a-second check
        ann = _mark(other, "He strangled me.")
        started = time.perf_counter()
        qtbot.waitUntil(lambda: model.annotation_by_id(ann.id) is not None, timeout=1000)
        assert time.perf_counter() - started < 0.5
        window.session._timer.start()
    assert model.annotation_by_id(ann.id).reviewer == "Reviewer B"


def test_the_window_says_the_server_went_away_and_carries_on(qtbot, window, own_server, footage_copy):
    with psycopg.connect(own_server.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE team")
    url = own_server.url("team")
    footage_paths.set_server_root(parse(url).key, footage_copy.parent)
    with create_case(url, "Operation Example", reviewer="Reviewer A") as store:
        import_footage(store, footage_copy, "AB/1", "Reviewer A")
        saved = _mark(store, "before the server stopped")
    assert window.open_case(url), window.last_error
    qtbot.waitUntil(lambda: window.session.annotations.annotation_by_id(saved.id) is not None)
    own_server.stop("immediate")
    qtbot.waitUntil(lambda: window.banner.isVisible() and "Not connected" in window.banner.text(), timeout=3000)
    # Typed while the server is down: kept on this computer, said, and sent when it is back.
    window.session.core.edit(saved.id, {"text": "typed while the server was down"})
    assert "kept on this computer" in window.statusBar().currentMessage()
    own_server.start()
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: window.session.annotations.annotation_by_id(saved.id).text
                    == "typed while the server was down", timeout=3000)
    after = window.session.core.add_annotation(Annotation(exhibit_id=1, category_id=1, start_ms=100,
                                                          text="after it came back"))
    with open_case(url, readonly=True) as check:
        assert {a.text for a in check.annotations()} == {"typed while the server was down", "after it came back"}
        assert after.id in {a.id for a in check.annotations()}
        assert evidence.check_integrity(check, thorough=True).problems == []


def test_a_mark_edited_in_two_windows_refuses_the_second_save_naming_the_first(qtbot, window, server_case):
    _owner, as_role = server_case
    assert window.open_case(as_role("reviewer_a")), window.last_error
    with open_case(as_role("reviewer_b"), actor="Reviewer B") as other:
        ann = _mark(other, "He strangled me.")
        model = window.session.annotations
        qtbot.waitUntil(lambda: model.annotation_by_id(ann.id) is not None, timeout=1500)
        seen = model.annotation_by_id(ann.id)
        other.update_annotation(ann.id, "Reviewer B", text="He strangled me!")  # B saves first
        window.session.core.edit(ann.id, {"text": "He strangled me, she said."}, expected=seen)
        assert "was changed by Reviewer B (database role reviewer_b)" in window.last_error
        assert "'He strangled me, she said.'" in window.last_error  # A's words are in the sentence, not lost
        assert other.annotation(ann.id).text == "He strangled me!"
        assert window.session.core.undo_stack == []  # nothing to undo: nothing was saved
