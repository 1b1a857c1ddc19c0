"""Test set-up shared by every test.

Qt runs offscreen, and every per-user folder (settings, cache, logs, sample case) points
into the test's own tmp_path, so no test reads or writes a real user's files.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.footage import write_clip  # noqa: E402

REAL_MEDIA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def user_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "user-home"
    monkeypatch.setenv("BWV_REVIEW_HOME", str(home))
    monkeypatch.setenv("BWV_REVIEWER", "Test Reviewer")
    return home


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    """A 2 s, 25 fps H.264 clip with sound; frame index drawn into every frame."""
    path = tmp_path_factory.mktemp("footage") / "clip.mp4"
    return write_clip(path, frames=50, fps=25, audio=True)


@pytest.fixture
def footage_copy(clip, tmp_path) -> Path:
    """A private copy of ``clip`` beside the test's case, free to damage."""
    target = tmp_path / "case" / "AB-1 clip.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(clip.read_bytes())
    return target


@pytest.fixture
def case(footage_copy):
    """An open case ("Operation Example") beside ``footage_copy``, which is exhibit AB/1."""
    from bwv_review.core.evidence import import_footage
    from bwv_review.core.store import CaseStore

    store = CaseStore.create(
        footage_copy.parent / "op-example.bwvcase", "Operation Example", "IOPC 2019/0001", "Test Reviewer"
    )
    import_footage(store, footage_copy, "AB/1", "Test Reviewer", wearer="PC 1234 Smith",
                   start="2019-07-01T23:34:55+01:00")
    yield store
    store.close()
