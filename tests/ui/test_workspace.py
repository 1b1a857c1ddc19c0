"""The reviewer's whole flow, driven through the window with real keys.

Open a case, play, see the position advance, press 1, type the words, Enter, undo/redo
(checked in the case file and its audit log), filter the table, double-click to seek,
and find the watched seconds recorded as coverage.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bwv_review.core.store import CaseStore
from bwv_review.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, review_case):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_case(review_case)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.player.duration_ms() > 0 and win.player.current_frame_index() == 0)
    yield win
    win.close()
    assert win.pool.running() == 0


def _read(case_path):
    with CaseStore.open(case_path, readonly=True) as store:
        return store.annotations(), [r["action"] for r in store.audit_rows()]


def key(qtbot, widget, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(widget, k, modifier)


def test_play_mark_type_undo_redo(qtbot, window, review_case):
    player = window.player
    window.settings.reaction_lag_ms = 0
    key(qtbot, player, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: player.is_playing())
    qtbot.waitUntil(lambda: player.position_ms() > 400, timeout=5000)
    key(qtbot, player, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not player.is_playing())
    paused_at = player.position_ms()

    key(qtbot, player, Qt.Key.Key_1)
    [ann], actions = _read(review_case)
    assert actions[-1] == "annotation.add"
    assert ann.start_ms == paused_at and ann.status == "draft" and ann.reviewer == "Test Reviewer"
    assert window.editor.text.hasFocus() or QApplication.focusWidget() is window.editor.text

    # Space types while the words have focus; it does not start the video.
    qtbot.keyClicks(window.editor.text, "He strangled me.")
    assert not player.is_playing()
    key(qtbot, window.editor.text, Qt.Key.Key_Return)
    [ann], actions = _read(review_case)
    assert ann.text == "He strangled me."
    assert actions[-1] == "annotation.update"
    assert player.hasFocus()

    key(qtbot, player, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    [ann], actions = _read(review_case)
    assert ann.text == "" and actions[-1] == "annotation.undo-update"
    key(qtbot, player, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    anns, actions = _read(review_case)
    assert anns == [] and actions[-1] == "annotation.undo-add"
    assert window.session.annotations.rowCount() == 0
    key(qtbot, player, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, player, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    [ann], actions = _read(review_case)
    assert ann.text == "He strangled me." and ann.start_ms == paused_at
    assert actions[-2:] == ["annotation.redo-add", "annotation.redo-update"]
    assert window.session.annotations.rowCount() == 1


def test_escape_from_words_toggles_and_returns_to_video(qtbot, window, review_case):
    player = window.player
    key(qtbot, player, Qt.Key.Key_2)
    assert QApplication.focusWidget() is window.editor.text
    qtbot.keyClicks(window.editor.text, "What state")
    key(qtbot, window.editor.text, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: player.is_playing())
    assert player.hasFocus()
    [ann], _ = _read(review_case)
    assert ann.text == "What state"  # leaving the field saved the words
    assert window.session.store.category("officer-remark").id == ann.category_id
    key(qtbot, player, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not player.is_playing())


def test_filter_table_and_double_click_seeks(qtbot, window, review_case):
    player, session = window.player, window.session
    for at, words in ((200, "He strangled me."), (1520, "Keep the noise down.")):
        player.seek(at)
        qtbot.waitUntil(lambda at=at: player.position_ms() == at)
        key(qtbot, player, Qt.Key.Key_1)
        qtbot.keyClicks(window.editor.text, words)
        key(qtbot, window.editor.text, Qt.Key.Key_Return)
    panel = window.panel
    assert panel.proxy.rowCount() == 2
    key(qtbot, player, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()
    qtbot.keyClicks(panel.search, "noise")
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 1)
    assert panel.count.text() == "1 / 2"
    qtbot.keyClicks(panel.search, "zzz")
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 0)
    assert panel.empty.isVisibleTo(panel)
    panel.search.clear()
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 2)

    player.seek(0)
    qtbot.waitUntil(lambda: player.position_ms() == 0)
    table = panel.table
    rect = table.visualRect(panel.proxy.index(1, 0))
    assert rect.isValid()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: player.position_ms() == 1520)
    assert session.selected.text == "Keep the noise down."
    # I / O: interval of the selected mark from the video position.
    player.seek(1800)
    qtbot.waitUntil(lambda: player.position_ms() == 1800)
    key(qtbot, player, Qt.Key.Key_O)
    anns, actions = _read(review_case)
    assert [a.end_ms for a in anns if a.text.startswith("Keep")] == [1800]
    assert actions[-1] == "annotation.set-end"


def test_coverage_recorded_while_playing(qtbot, window, review_case):
    player, session = window.player, window.session
    player.play()
    qtbot.waitUntil(lambda: player.position_ms() > 1200, timeout=5000)
    player.pause()
    session.flush_coverage()
    ex = session.store.exhibit("AB/1")
    watched = session.store.coverage(ex.id, "Test Reviewer")
    assert {0, 1} <= set(watched) and watched[0] == 1.0
    qtbot.waitUntil(lambda: session.exhibits.coverage.get(ex.id, (0, 0))[0] > 0.5)
    assert window.timeline.coverage if hasattr(window.timeline, "coverage") else True


def test_playback_keys(qtbot, window):
    player = window.player
    key(qtbot, player, Qt.Key.Key_Period)
    qtbot.waitUntil(lambda: player.current_frame_index() == 1)
    key(qtbot, player, Qt.Key.Key_Comma)
    qtbot.waitUntil(lambda: player.current_frame_index() == 0)
    key(qtbot, player, Qt.Key.Key_BracketRight)
    assert player.speed() == 1.25
    key(qtbot, player, Qt.Key.Key_BracketLeft)
    key(qtbot, player, Qt.Key.Key_BracketLeft)
    assert player.speed() == 0.75
    key(qtbot, player, Qt.Key.Key_Backspace)
    assert player.speed() == 1.0
    key(qtbot, player, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: player.position_ms() == 1000)
    key(qtbot, player, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: player.position_ms() == 0)


def test_another_program_adds_a_mark_and_the_table_follows(qtbot, window, review_case):
    from bwv_review.core.model import Annotation

    with CaseStore.open(review_case) as other:
        ex = other.exhibit("AB/1")
        other.add_annotation(Annotation(exhibit_id=ex.id, start_ms=900, category_id=other.category("advice").id,
                                        text="Keep the noise down."), "CLI user")
    qtbot.waitUntil(lambda: window.session.annotations.rowCount() == 1, timeout=5000)
    assert window.panel.proxy.rowCount() == 1


def test_double_click_on_another_exhibits_mark_switches_exhibit(qtbot, window, review_case, tmp_path):
    from bwv_review.core.evidence import import_footage
    from bwv_review.core.model import Annotation
    from tests.footage import write_clip

    other = write_clip(review_case.parent / "CD-1.mp4", frames=75, fps=25)
    with CaseStore.open(review_case) as store:
        cd = import_footage(store, other, "CD/1", "Test Reviewer", start="2019-07-01T23:34:56+01:00")
        store.add_annotation(Annotation(exhibit_id=cd.id, start_ms=2400, category_id=store.category("disclosure").id,
                                        text="He strangled me."), "Test Reviewer")
    panel, player = window.panel, window.player
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 1, timeout=5000)  # picked up from the file
    assert window.session.exhibit.ref == "AB/1"
    rect = panel.table.visualRect(panel.proxy.index(0, 0))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.session.exhibit.ref == "CD/1"
    qtbot.waitUntil(lambda: player.duration_ms() == 3000 and player.position_ms() == 2400)
    assert window.exhibits_panel.current_exhibit().ref == "CD/1"


def test_mark_while_playing_steps_back_by_reaction_lag_then_resumes(qtbot, window, review_case, monkeypatch):
    player = window.player
    window.settings.reaction_lag_ms = 300
    player.set_speed(2.0)
    player.play()
    qtbot.waitUntil(lambda: player.is_playing())
    monkeypatch.setattr(player, "position_ms", lambda: 1500)  # the frame on screen at the key press
    key(qtbot, player, Qt.Key.Key_1)
    assert not player.is_playing()  # paused so the words can be typed
    [ann], _ = _read(review_case)
    assert ann.start_ms == 1500 - 300 * 2  # 300 ms of reaction at 2x is 600 ms of footage
    monkeypatch.undo()
    qtbot.keyClicks(window.editor.text, "He strangled me.")
    key(qtbot, window.editor.text, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: player.is_playing())  # carries on where the reviewer was
    assert player.hasFocus()
    player.pause()


def test_go_to_time_and_minute_keys(qtbot, window):
    player = window.player
    key(qtbot, player, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    focused = QApplication.focusWidget()
    assert focused is not player and player.isAncestorOf(focused)  # the player's go-to field
    key(qtbot, focused, Qt.Key.Key_Escape)
    assert player.hasFocus()
    qtbot.waitUntil(lambda: player.is_playing())
    key(qtbot, player, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not player.is_playing())
    key(qtbot, player, Qt.Key.Key_Up)  # +60 s on a 2 s clip: the last frame
    qtbot.waitUntil(lambda: player.current_frame_index() == 49)
    key(qtbot, player, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: player.current_frame_index() == 0)


def test_words_being_typed_survive_another_programs_change(qtbot, window, review_case):
    from bwv_review.core.model import Annotation

    key(qtbot, window.player, Qt.Key.Key_1)
    qtbot.keyClicks(window.editor.text, "He strangled")
    with CaseStore.open(review_case) as other:
        ex = other.exhibit("AB/1")
        other.add_annotation(Annotation(exhibit_id=ex.id, start_ms=900, category_id=other.category("advice").id,
                                        text="Keep the noise down."), "CLI user")
    qtbot.waitUntil(lambda: window.session.annotations.rowCount() == 2, timeout=5000)
    assert window.editor.text.toPlainText() == "He strangled"
    qtbot.keyClicks(window.editor.text, " me.")
    key(qtbot, window.editor.text, Qt.Key.Key_Return)
    anns, _ = _read(review_case)
    assert sorted(a.text for a in anns) == ["He strangled me.", "Keep the noise down."]
    assert window.panel.current_annotation().text == "He strangled me."
