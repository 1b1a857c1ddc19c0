import pytest

from bwv_review.core.model import Annotation
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


@pytest.fixture
def quoted(case):
    """A case (closed, checkpointed) quoting "He strangled me." as verified."""
    ex, cat = case.exhibit("AB/1"), case.category("disclosure")
    case.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=400, speaker="female",
                                   text="He strangled me.", status="verified"), "Test Reviewer")
    path = case.path
    case.close()
    return path
