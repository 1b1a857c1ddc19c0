"""The several-camera menu items in the real window, on the sample case (AB/1 and CD/1)."""

from __future__ import annotations

import pytest

from bwv_review.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def win(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    assert win.pool.running() == 0


def _menu_texts(win, title):
    menu = next(a.menu() for a in win.menuBar().actions() if a.menu() and a.text().replace("&", "") == title)
    return [a.text() for a in menu.actions()]


def test_menu_items_open_the_views_and_close_with_the_case(qtbot, win):
    multicam = win.multicam  # installed by the window itself
    assert "Watch cameras together" in _menu_texts(win, "View")
    assert "Align cameras by sound\u2026" in _menu_texts(win, "Mark")
    assert "Link selected marks as one event" in _menu_texts(win, "Edit")
    multicam.actions["watch"].trigger()  # no case yet: says so, opens nothing
    assert not multicam.open_windows
    win.start_page.sample.click()
    qtbot.waitUntil(lambda: win.session is not None, timeout=30000)

    win.player.seek(9000)  # AB/1 at 23:35:04.000, where CD/1 is 5.8 s in
    qtbot.waitUntil(lambda: win.player.position_ms() == 9000, timeout=5000)
    multicam.actions["watch"].trigger()
    view = multicam.open_windows[-1]
    assert view.clock_label.text() == "23:35:04.000 BST"
    assert [p.camera.ref for p in view.panes] == ["AB/1", "CD/1"]
    threads = [p.player._decoder.thread for p in view.panes]
    qtbot.waitUntil(lambda: all(p.player.current_frame_index() >= 0 or p.outside for p in view.panes), timeout=10000)

    multicam.actions["align"].trigger()
    dialog = multicam.open_windows[-1]
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=60000)
    assert dialog.found is not None and abs(dialog.offset_ms - 3200) <= 40  # the sample's CD/1 starts 3.2 s later
    threads += [p._decoder.thread for p in dialog.players]
    # Applying a nudged offset updates the window: the table's clock times and the caption.
    win.session.core.open_exhibit(win.session.store.exhibit("CD/1").id)
    dialog.nudge_buttons[4].click()  # +100 ms
    dialog.apply_button.click()
    assert win.session.store.exhibit("CD/1").recording_start.startswith("2019-07-01T22:34:58.300")
    assert win.session.exhibit.recording_start.startswith("2019-07-01T22:34:58.300")
    qtbot.waitUntil(lambda: "23:34:58.3" in win.player.view._caption, timeout=5000)

    win.close_case()
    assert not multicam.open_windows
    assert all(t.isFinished() for t in threads)
