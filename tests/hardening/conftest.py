import pytest

from tests.footage import write_clip
from tests.hardening.corpus import make_corpus


@pytest.fixture(scope="session")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-footage")
    good = write_clip(folder / "_good.mp4", frames=50, fps=25)
    return make_corpus(folder / "corpus", good)
