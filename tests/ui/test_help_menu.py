"""Help > About tells the version and where this copy keeps its files."""

import pytest

from bwv_review import __version__
from bwv_review.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _help_action(win, text):
    menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Help")
    return next(a for a in menu.actions() if a.text() == text)


def test_about_shows_version_and_folders(qtbot, user_home):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    _help_action(win, "About bwv-review").trigger()
    text = win._about_box.text.text()
    assert __version__ in text
    assert str(user_home) in text
    assert _help_action(win, "Open log folder").toolTip()
    win._about_box.close()
    win.close()
