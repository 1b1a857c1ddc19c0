"""Redact mode in the window: draw a box with the mouse, move through time, keyframe,
see the redacted preview, confirm a suggestion with one key, undo/redo (audited), and the
redacted copy as a background task."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication

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


def _state(store, exhibit_id) -> list[dict]:
    """The exhibit's redactions as stored, minus when they were last written."""
    rows = [records.to_row(r) | {"id": r.id} for r in records.redactions(store, exhibit_id)]
    return [{k: v for k, v in row.items() if k != "updated"} for row in rows]


def test_every_redact_key_is_one_audited_change_undone_and_redone_cleanly(qtbot, window, review_case):
    """A, T, K, Shift+K, I, O, E, S, C and Del each make one core operation (one change, its own
    audit action); Ctrl+Z puts the redactions back exactly as they were, Ctrl+Shift+Z as after."""
    redact, player = window.redact, window.player
    store = window.session.store
    ex = store.exhibit("AB/1")
    redact.actions["mode"].trigger()
    _drag(qtbot, redact.overlay, _point(window, 100, 120), _point(window, 180, 180))
    qtbot.waitUntil(lambda: len(redact.items) == 1)
    box = redact.items[0].id
    machine = records.add(store, model.picture(ex.id, 0, 1960, model.Box(20, 20, 60, 60), status="suggested",
                                               source="faces:centerface"), "machine", "redaction.suggest")
    redact.reload()

    def at(ms: int) -> None:  # a frame's own time (25 fps: 40 ms a frame)
        player.seek(ms)
        qtbot.waitUntil(lambda: player.current_frame_index() == ms // 40)
        assert player.position_ms() == ms

    def press(key, modifiers=Qt.KeyboardModifier.NoModifier, select=None, expect=""):
        if select is not None:
            redact.select(select)
        before, head = _state(store, ex.id), store.audit_head()[0]
        qtbot.keyClick(player, key, modifiers)
        qtbot.waitUntil(lambda: _state(store, ex.id) != before)
        after = _state(store, ex.id)
        rows = store.audit_rows()
        assert [r["action"] for r in rows[head:]] == [expect]  # one change, one row, named for what it did
        qtbot.keyClick(player, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: _state(store, ex.id) == before)
        qtbot.keyClick(player, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: _state(store, ex.id) == after)
        verb = expect.partition(".")[2]
        assert [r["action"] for r in store.audit_rows()[head + 1:]] == [f"redaction.undo-{verb}",
                                                                         f"redaction.redo-{verb}"]
        assert redact.items == records.redactions(store, ex.id)  # the window shows what is stored
        return after

    at(1480)
    after = press(Qt.Key.Key_A, expect="redaction.add")  # mute the sound from here
    sound = max(r["id"] for r in after)
    assert next(r for r in after if r["id"] == sound)["audio"] == "mute"
    after = press(Qt.Key.Key_T, select=sound, expect="redaction.update")
    assert next(r for r in after if r["id"] == sound)["audio"] == "tone"
    at(1000)
    after = press(Qt.Key.Key_K, select=box, expect="redaction.keyframe")
    assert len(records.redaction(store, box).keyframes) == 2
    press(Qt.Key.Key_K, Qt.KeyboardModifier.ShiftModifier, select=box, expect="redaction.unkeyframe")
    assert len(records.redaction(store, box).keyframes) == 1
    press(Qt.Key.Key_I, select=box, expect="redaction.set-start")
    at(1480)
    press(Qt.Key.Key_O, select=box, expect="redaction.set-end")
    assert (records.redaction(store, box).start_ms, records.redaction(store, box).end_ms) == (1000, 1480)
    press(Qt.Key.Key_E, select=box, expect="redaction.update")
    press(Qt.Key.Key_S, select=box, expect="redaction.update")
    assert (records.redaction(store, box).shape, records.redaction(store, box).style) == ("ellipse", "solid")
    press(Qt.Key.Key_C, select=machine.id, expect="redaction.confirm")
    assert records.redaction(store, machine.id).status == "confirmed"
    press(Qt.Key.Key_Delete, select=machine.id, expect="redaction.delete")
    assert machine.id not in {r.id for r in records.redactions(store, ex.id)}
    from bwv_review.core import audit
    from bwv_review.core.evidence import verify_case

    assert audit.check_chain(store.db) == [] and verify_case(store) == []


def test_an_edit_from_a_view_another_reviewer_has_changed_is_refused_naming_them(qtbot, window, review_case):
    from bwv_review.core import operations
    from bwv_review.core.cases import open_case

    redact, player = window.redact, window.player
    store = window.session.store
    ex = store.exhibit("AB/1")
    r = records.add(store, model.picture(ex.id, 0, 1960, model.Box(20, 20, 60, 60)), "Test Reviewer")
    redact.reload()
    redact.actions["mode"].trigger()
    redact.select(r.id)
    window.session._timer.stop()  # the window has not yet heard of the other reviewer's change
    with open_case(review_case, actor="Reviewer B") as other:
        operations.edit_redaction(other, r.id, "Reviewer B", {"reason": "a child"}, expected=records.redaction(other, r.id))
    qtbot.keyClick(player, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: "was changed by Reviewer B" in window.last_error)
    assert records.redaction(store, r.id).style == "pixelate" and records.redaction(store, r.id).reason == "a child"
    QApplication.activeModalWidget().accept()  # the reviewer reads the sentence and closes it
    window.session._timer.start()
    qtbot.waitUntil(lambda: redact.items[0].reason == "a child")  # their change shown; S now works from it
    window.activateWindow()  # keys reach the active window only
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(player, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: records.redaction(store, r.id).style == "solid")


def test_the_timeline_shows_redaction_spans_and_a_click_selects_one(qtbot, window):
    redact, timeline = window.redact, window.timeline
    store = window.session.store
    ex = store.exhibit("AB/1")
    picture = records.add(store, model.picture(ex.id, 200, 900, model.Box(0, 0, 40, 40)), "Test Reviewer")
    waiting = records.add(store, model.picture(ex.id, 1200, 1900, model.Box(0, 0, 40, 40), status="suggested"),
                          "machine", "redaction.suggest")
    tone = records.add(store, model.sound(ex.id, 1000, 1600, audio="tone"), "Test Reviewer")
    redact.reload()
    spans = {s.redaction_id: s for s in timeline.redactions}
    assert (spans[picture.id].kind, spans[picture.id].suggested) == ("picture", False)
    assert spans[waiting.id].suggested and spans[tone.id].kind == "sound"
    canvas = timeline.canvas
    band = canvas.painter.layout().redactions
    shot = canvas.grab().toImage()
    upper, lower = int(band.top() + band.height() / 4), int(band.top() + band.height() * 3 / 4)

    def colour(ms, y):
        c = shot.pixelColor(int(canvas.x_of(ms) * shot.devicePixelRatio()), int(y * shot.devicePixelRatio()))
        return c.red(), c.green(), c.blue()

    red, green, blue = colour(550, upper)  # the confirmed picture redaction: red
    assert red > 150 and green < 110 and blue < 110
    red, green, blue = colour(1300, lower)  # the tone: purple
    assert blue > 110 and green < 110
    assert colour(550, lower) == colour(100, lower)  # no sound redaction there: the band's own colour
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(canvas.x_of(1300)), lower))
    qtbot.waitUntil(lambda: redact.selected_id == tone.id)
    assert timeline.redaction_selected == tone.id
    qtbot.waitUntil(lambda: window.player.position_ms() == 1000)  # and went to where it starts
    assert "Redaction" in canvas.tooltip_at(QPointF(canvas.x_of(1300), lower))


def test_redacted_copy_from_the_window_with_the_clis_choices(qtbot, window, review_case, tmp_path):
    """The dialog offers what the CLI does: the report's format, suggestions included or not,
    the burned-in line or not; a name that is not .mp4 is refused in the dialog."""
    redact = window.redact
    store = window.session.store
    ex = store.exhibit("AB/1")
    records.add(store, model.picture(ex.id, 0, 1960, model.Box(0, 0, 320, 40), style="solid"), "Test Reviewer")
    records.add(store, model.picture(ex.id, 0, 1960, model.Box(0, 200, 320, 40), style="solid", status="suggested"),
                "machine", "redaction.suggest")
    redact.reload()
    redact.actions["export"].trigger()
    dialog = redact.work.copy_dialog
    qtbot.waitExposed(dialog)
    assert dialog.burn_in.isChecked() and not dialog.include.isChecked()
    assert "\u201cRedacted copy of AB/1, 20" in dialog.burn_in.text()  # the line the CLI's --burn-in writes
    assert "1 redaction(s) will be applied; 1 suggestion(s) left out" in dialog.summary.text()
    dialog.target.setText(str(tmp_path / "copy.mov"))
    dialog.ok.click()
    assert dialog.isVisible() and ".mp4" in dialog.problem.text()
    out = tmp_path / "AB-1 redacted.mp4"
    dialog.target.setText(str(out))
    dialog.report.setCurrentIndex(1)  # PDF
    dialog.include.setChecked(True)
    dialog.burn_in.setChecked(False)
    assert dialog.report_name.text() == "AB-1 redacted disclosure report.pdf, beside the copy"
    dialog.ok.click()
    qtbot.waitUntil(lambda: redact.work.task is None and out.exists(), timeout=60_000)
    assert "Redacted copy written: AB-1 redacted.mp4" in window.statusBar().currentMessage()
    later = window.session.core.poll()  # the record is this window's own change, not another program's
    assert later is None or not later.rows
    with CaseStore.open(review_case, readonly=True) as check:
        (copy,) = records.copies(check)
    assert copy["label"] is None and '"include_suggested": true' in copy["settings"]
    assert copy["report_path"].endswith("AB-1 redacted disclosure report.pdf")
    assert (tmp_path / "AB-1 redacted disclosure report.pdf").read_bytes()[:5] == b"%PDF-"
    import av

    with av.open(str(out)) as container:
        first = next(container.decode(video=0)).to_ndarray(format="gray")
    assert np.asarray(first)[:40].max() <= 46 and np.asarray(first)[200:240].max() <= 46  # both covered
    assert np.asarray(first)[60:180].max() > 150  # no burned-in line over the texture


@pytest.mark.pg
def test_redact_mode_on_a_server_case(qtbot, server_case, footage_copy):
    """The same window on a case on a PostgreSQL server: draw, undo, redo, and a copy made on
    a connection of its own as the same role, recorded on the server."""
    from bwv_review.core.cases import open_case

    _owner, as_role = server_case
    win = MainWindow()
    win.settings.reviewer = "Reviewer A"
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_case(as_role("reviewer_a")), win.last_error
    win.activateWindow()
    qtbot.waitUntil(lambda: win.player.duration_ms() > 0 and win.player.current_frame_index() == 0)
    redact, player = win.redact, win.player
    redact.actions["mode"].trigger()
    _drag(qtbot, redact.overlay, _point(win, 100, 120), _point(win, 180, 180))
    qtbot.waitUntil(lambda: len(redact.items) == 1)
    qtbot.keyClick(player, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: redact.items == [])
    qtbot.keyClick(player, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(redact.items) == 1)
    redact.actions["export"].trigger()
    dialog = redact.work.copy_dialog
    out = footage_copy.parent / "AB-1 redacted.mp4"
    dialog.target.setText(str(out))
    dialog.ok.click()
    qtbot.waitUntil(lambda: redact.work.task is None and out.exists(), timeout=60_000)
    with open_case(as_role("reviewer_b"), readonly=True) as other:
        (copy,) = records.copies(other)
        actions = [r["action"] for r in other.audit_rows() if r["action"].startswith("redaction")]
        roles = {r["db_role"] for r in other.audit_rows() if r["action"].startswith("redaction")}
    assert copy["path"] == "AB-1 redacted.mp4" and copy["made_by"] == "Reviewer A"
    assert actions == ["redaction.add", "redaction.undo-add", "redaction.redo-add", "redaction.copy"]
    assert roles == {"reviewer_a"}
    win.close()
    assert win.pool.running() == 0
