"""A small case with the words a statement must get exactly right, and some hostile ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bwv_review.core.evidence import import_footage
from bwv_review.core.model import Annotation
from bwv_review.core.store import CaseStore

GENERATED = datetime(2019, 8, 1, 9, 30, 0, tzinfo=UTC)

# (start_ms, end_ms, category, speaker, text, note, status)
SAMPLES = [
    (412, 1250, "disclosure", "female", "He strangled me.", "starts to cry", "verified"),
    (600, None, "officer-remark", "PC 123 Jones", "Look at \"the state\" she's in…\nShe's had a few.", "", "verified"),
    (833, 1001, "retraction", "female", "Nothing happened. ‘I’m not with him.’", "", "draft"),
    (1001, None, "other", "", "=cmd|' /C calc'!A0", "+1 note", "verified"),
    (1200, 1300, "question", "PC 123 Jones", "-2+3", "@SUM(A1)", "disputed"),
    (1400, None, "observation", "", "<script>alert(1)</script> & \"x\"", "\tTabbed\rCR", "verified"),
    (1500, 1999, "other", "witness", "שלום עולם — مرحبا", "e\u0301 combining, Z\u0335\u0301algo", "verified"),
]


def add_samples(store: CaseStore, exhibit_id: int, samples=SAMPLES) -> None:
    for start, end, cat, speaker, text, note, status in samples:
        store.add_annotation(
            Annotation(exhibit_id=exhibit_id, start_ms=start, end_ms=end, category_id=store.category(cat).id,
                       speaker=speaker, text=text, note=note, status=status),
            "Test Reviewer",
        )


@pytest.fixture
def case(tmp_path, footage_copy):
    """A case whose exhibit "AB/1" started 2019-07-01 23:34:55.000 (BST) with SAMPLES on it."""
    store = CaseStore.create(tmp_path / "case" / "op.bwvcase", "Operation Example", "IOPC 2019/0001",
                             "Test Reviewer")
    ex = import_footage(store, footage_copy, "AB/1", "Test Reviewer", wearer="PC 123 Jones",
                        start="2019-07-01T23:34:55+01:00")
    add_samples(store, ex.id)
    yield store
    store.close()


@pytest.fixture
def out_dir(tmp_path):
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def other_clip(tmp_path_factory):
    """Different footage (3 s) for a second exhibit, e.g. CD/1."""
    from tests.footage import write_clip

    return write_clip(tmp_path_factory.mktemp("footage-b") / "CD-1 clip.mp4", frames=75, fps=25, audio=True)


@pytest.fixture
def second_exhibit(case, other_clip, tmp_path):
    target = tmp_path / "case" / "CD-1 clip.mp4"
    target.write_bytes(other_clip.read_bytes())
    return import_footage(case, target, "CD/1", "Test Reviewer", wearer="PC 456 Smith")
