"""Settings the window writes (QSettings INI), read without Qt; media folders."""

import pytest

from bwv_review import paths

NAMES = ["J Bloggs", "Bloggs, J", "O'Brien \"Jo\"", "Zoë Łódź 事件", " lead and trail ", "semi;colon", "@at",
         "back\\slash", "tab\there", "x=y", "#hash", "", "1234", "true", "a/b", "@@double", "line\nbreak"]


@pytest.mark.parametrize("name", NAMES)
def test_reviewer_name_as_the_window_writes_it(name):
    QSettings = pytest.importorskip("PySide6.QtCore").QSettings
    q = QSettings(str(paths.settings_file()), QSettings.Format.IniFormat)
    q.setValue("reviewer/name", name)
    q.setValue("cases/recent", ["/a,b/c.bwvcase", "/x y"])
    q.setValue("review/reaction_lag_ms", 300)
    q.sync()
    assert paths.settings_value("reviewer", "name") == name
    assert paths.settings_reviewer() == name.strip()


def test_no_settings_file_means_no_name():
    assert paths.settings_reviewer() == ""


def test_media_roots_are_kept_per_user(tmp_path):
    assert paths.media_roots() == []
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert paths.add_media_root(one) and not paths.add_media_root(one)
    paths.add_media_root(two)
    assert paths.media_roots() == [one.resolve(), two.resolve()]
    paths.set_media_roots([two])
    assert paths.media_roots() == [two.resolve()]
