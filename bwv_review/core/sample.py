"""The sample case: the scenario's two cameras, ready to try the whole workflow.

Footage is synthetic (see resources/sample/make_sample.py). The case is built in the
user's data folder, never inside the installed package, and an existing sample case is
reopened rather than rebuilt so a user's practice work is not thrown away.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from .. import paths
from .evidence import import_footage
from .model import Annotation
from .store import CaseStore
from .timecode import parse_time

ACTOR = "bwv-review sample"
# (exhibit, wearer, file, recording start)
EXHIBITS = [
    ("AB/1", "PC 1234 Able", "AB-1.mp4", "2019-07-01T23:34:55.000+01:00"),
    ("CD/1", "PC 5678 Cole", "CD-1.mp4", "2019-07-01T23:34:58.200+01:00"),
]
# (exhibit, start, end, category, speaker, words, status)
ANNOTATIONS = [
    ("CD/1", "4.3", "8.2", "disclosure", "Female (victim)", "He strangled me. He put his hands round my neck.", "verified"),
    ("CD/1", "4.3", None, "risk-factor", "", "Strangulation disclosed.", "verified"),
    ("AB/1", "14.0", "17.6", "officer-remark", "PC 1234 Able", "Look at the state she is in. She has had a few.", "verified"),
    ("AB/1", "20.5", "24.3", "retraction", "Female (victim)", "Nothing happened. I am not in a relationship with him.", "draft"),
    ("AB/1", "27.5", "32.3", "advice", "PC 1234 Able", "Right. Keep the noise down, both of you. We are leaving now.", "draft"),
]


def sample_case_path() -> Path:
    return paths.data_dir() / "sample" / "Sample - Operation Example.bwvcase"


def open_sample_case() -> CaseStore:
    """Open the sample case, building it first if it is not there (or is unusable)."""
    path = sample_case_path()
    if path.exists():
        return CaseStore.open(path)
    return build_sample_case(path)


def build_sample_case(path: Path) -> CaseStore:
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    source = resources.files("bwv_review.resources").joinpath("sample")
    for _, _, name, _ in EXHIBITS:
        with resources.as_file(source.joinpath(name)) as clip:
            shutil.copyfile(clip, folder / name)
    store = CaseStore.create(path, "Operation Example (sample)", "IOPC 2019/0001", ACTOR)
    for ref, wearer, name, start in EXHIBITS:
        import_footage(store, folder / name, ref, ACTOR, wearer=wearer, device="sample", start=start)
    for ref, at, end, category, speaker, words, status in ANNOTATIONS:
        store.add_annotation(
            Annotation(
                exhibit_id=store.exhibit(ref).id,
                category_id=store.category(category).id,
                start_ms=parse_time(at),
                end_ms=parse_time(end) if end else None,
                speaker=speaker,
                text=words,
                status=status,
            ),
            ACTOR,
        )
    return store
