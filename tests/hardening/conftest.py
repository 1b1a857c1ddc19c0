import pytest

from tests.footage import write_clip
from tests.hardening.corpus import make_corpus


@pytest.fixture(scope="session")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-footage")
    good = write_clip(folder / "_good.mp4", frames=50, fps=25)
    return make_corpus(folder / "corpus", good)


@pytest.fixture
def window(qtbot):
    """The reviewer's window, shown; every worker thread joined when the test ends."""
    from bwv_review.ui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    assert win.pool.running() == 0
