"""Redact mode in the window: draw a box with the mouse, move through time, keyframe,
see the redacted preview, confirm a suggestion with one key, undo/redo (audited), and the
redacted copy as a background task."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from bwv_review.core.redact import model, records
from bwv_review.core.store import CaseStore
from bwv_review.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, review_case):
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_case(review_case)
    win.activateWindow()  # shortcuts reach the active window only
    qtbot.waitUntil(lambda: win.player.duration_ms() > 0 and win.player.current_frame_index() == 0)
    yield win
    win.close()
    assert win.pool.running() == 0


def _audit(case_path) -> list[str]:
    with CaseStore.open(case_path, readonly=True) as store:
        return [r["action"] for r in store.audit_rows() if r["action"].startswith("redaction")]


def _point(win, x, y) -> QPoint:
    """Widget point of picture pixel (x, y)."""
    rect = win.player.view.picture_rect()
    s = rect.width() / win.player.view.image().width()
    return QPoint(round(rect.x() + x * s), round(rect.y() + y * s))


def _drag(qtbot, widget, a: QPoint, b: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=a)
    for k in range(1, 6):
        qtbot.mouseMove(widget, a + (b - a) * k / 5)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=b)


def test_draw_move_keyframe_preview_undo(qtbot, window, review_case):
    redact, player = window.redact, window.player
    redact.actions["mode"].trigger()
    assert redact.overlay.active and redact.dock.isVisible()
    assert not window.actions_by_name["delete_selected"].isEnabled()  # Del is the redaction's now
    overlay = redact.overlay
    _drag(qtbot, overlay, _point(window, 100, 120), _point(window, 180, 180))
    qtbot.waitUntil(lambda: len(redact.items) == 1)
    (r,) = redact.items
    assert (r.start_ms, r.end_ms) == (0, 2000)  # 5 s from here, held to the footage's end
    (key,) = r.keyframes
    assert abs(key.box.x - 100) <= 2 and abs(key.box.w - 80) <= 3
    assert redact.selected_id == r.id and _audit(review_case) == ["redaction.add"]
    # The preview covers the box on screen: the displayed region is pixelated.
    qtbot.waitUntil(lambda: len(overlay.regions) == 1)
    shot = overlay.grab().toImage()
    inside = shot.pixelColor(_point(window, 140, 150))
    assert inside.isValid()

    # Later in the footage: a keyframe, then drag the box: it moves from then on.
    player.seek(1000)
    qtbot.waitUntil(lambda: player.current_frame_index() == 25)
    qtbot.keyClick(player, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: len(redact.items[0].keyframes) == 2)
    _drag(qtbot, overlay, _point(window, 140, 150), _point(window, 240, 150))
    qtbot.waitUntil(lambda: redact.items[0].keyframes[1].box.x > 150)
    moved = redact.items[0]
    assert moved.box_at(0).x == key.box.x and abs(moved.box_at(1000).x - (key.box.x + 100)) <= 3
    assert _audit(review_case) == ["redaction.add", "redaction.keyframe", "redaction.move"]
    # I / O set its interval; E makes it an ellipse.
    qtbot.keyClick(player, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: redact.items[0].end_ms == 1000)
    qtbot.keyClick(player, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: redact.items[0].shape == "ellipse")
    # Undo, one step at a time, on the marks' stack; redo is audited as redo.
    for expected in ("box", ):
        qtbot.keyClick(player, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda e=expected: redact.items[0].shape == e)
    qtbot.keyClick(player, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: redact.items[0].shape == "ellipse")
    assert _audit(review_case)[-2:] == ["redaction.undo-update", "redaction.redo-update"]
    qtbot.keyClick(player, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: redact.items == [])
    redact.actions["mode"].trigger()
    assert window.actions_by_name["delete_selected"].isEnabled()


def test_confirm_a_suggestion_with_one_key(qtbot, window, review_case):
    redact, player = window.redact, window.player
    store = window.session.store
    ex = store.exhibit("AB/1")
    suggestion = records.add(store, model.picture(ex.id, 0, 1960, model.Box(20, 20, 60, 60), status="suggested",
                                                  source="faces:centerface"), "machine", "redaction.suggest")
    redact.reload()
    redact.actions["mode"].trigger()
    qtbot.waitUntil(lambda: len(redact.overlay.regions) == 1)
    qtbot.keyClick(player, Qt.Key.Key_C)  # nothing selected: the suggestions on this frame
    qtbot.waitUntil(lambda: redact.items[0].status == "confirmed")
    assert records.redaction(store, suggestion.id).reviewer == "Test Reviewer"
    assert _audit(review_case)[-1] == "redaction.confirm"


def test_redacted_copy_from_the_window(qtbot, window, review_case, tmp_path, monkeypatch):
    redact = window.redact
    store = window.session.store
    ex = store.exhibit("AB/1")
    records.add(store, model.picture(ex.id, 0, 1960, model.Box(0, 0, 320, 40), style="solid"), "Test Reviewer")
    redact.reload()
    out = tmp_path / "AB-1 redacted.mp4"
    monkeypatch.setattr("bwv_review.ui.file_dialogs.getSaveFileName", lambda *a, **k: (str(out), ""))
    redact.actions["export"].trigger()
    qtbot.waitUntil(lambda: redact.task is None and out.exists(), timeout=60_000)
    with CaseStore.open(review_case, readonly=True) as check:
        (copy,) = records.copies(check)
    assert copy["label"].startswith("Redacted copy of AB/1, ")
    assert (tmp_path / "AB-1 redacted disclosure report.docx").exists()
    import av

    with av.open(str(out)) as container:
        first = next(container.decode(video=0)).to_ndarray(format="gray")
    assert np.asarray(first)[:40].max() <= 46
