"""Risk-factor suggestions on held-out recordings, through the real model and the default
decoding settings: every planted disclosure is suggested within 2 s of where it is said, and
a recording with none gets no strangulation or threat-to-kill suggestion.

The recordings (tests/data/asr, made by benchmarks/asr_set.py heldout, see SOURCES.md there)
were never used to choose the decoding settings or the risk-factor list. Each is transcribed
once per session (about 10 s of CPU each on 2 cores).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bwv_review.core import risk, transcribe, transcripts
from bwv_review.core.evidence import import_footage
from bwv_review.core.store import CaseStore
from tests.core.test_transcribe import HAVE_MODEL

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not HAVE_MODEL, reason='needs the transcribe extra (pip install -e ".[transcribe]")')]

DATA = Path(__file__).resolve().parent.parent / "data" / "asr"
SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
TOLERANCE_MS = 2000
MANIFEST = json.loads((DATA / "heldout.json").read_text("utf-8"))["recordings"]
RECORDINGS = {r["name"]: r for r in MANIFEST}
# heldout-accent says the heldout-history lines in espeak-ng's West Midlands voice, which
# tiny.en mishears even with no noise (benchmarks/RESULTS.md): only the "no invented
# strangulation or threat" half of the test applies to it.
WITH_DISCLOSURES = ["heldout-choked", "heldout-history"]


@pytest.fixture(scope="session")
def drafts(tmp_path_factory) -> dict[str, list[transcripts.Segment]]:
    """Each held-out recording and the sample case's two cameras as exhibits of one case,
    transcribed once with the default decoding."""
    folder = tmp_path_factory.mktemp("heldout")
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BWV_REVIEW_HOME", str(tmp_path_factory.mktemp("home")))
        mp.delenv(transcribe.MODEL_ENV, raising=False)
        with CaseStore.create(folder / "heldout.bwvcase", "Held out", "TEST/1", "Test Reviewer") as store:
            files = [(r["name"], DATA / r["file"]) for r in MANIFEST]
            files += [("sample-AB-1", SAMPLE / "AB-1.mp4"), ("sample-CD-1", SAMPLE / "CD-1.mp4")]
            for name, path in files:
                import_footage(store, path, name, "Test Reviewer")
                run = transcribe.transcribe_exhibit(store, name, "Test Reviewer")
                assert run.parameters["decoding"] == transcribe.DEFAULT_DECODING.as_json()
                out[name] = transcripts.segments(store, name)
    return out


def near(s: risk.Suggestion, line: dict) -> bool:
    return line["start_ms"] - TOLERANCE_MS <= s.start_ms <= line["end_ms"] + TOLERANCE_MS


@pytest.mark.parametrize("name", WITH_DISCLOSURES)
def test_each_planted_disclosure_is_suggested_within_2_s(drafts, name):
    found = risk.suggest(drafts[name])
    heard = " | ".join(s.text for s in drafts[name])
    for line in RECORDINGS[name]["lines"]:
        for factor in line["factors"]:
            hits = [s for s in found if s.factor == factor and near(s, line)]
            assert hits, f"{factor} not suggested near {line['start_ms']} ms ({line['text']!r}); draft: {heard}"


@pytest.mark.parametrize("name", [*RECORDINGS])
def test_no_strangulation_or_threat_is_invented(drafts, name):
    lines = RECORDINGS[name]["lines"]
    for s in risk.suggest(drafts[name]):
        if s.factor in ("strangulation", "threat-to-kill"):
            assert any(s.factor in line["factors"] and near(s, line) for line in lines), (s.words, s.reason)


def test_a_recording_with_no_disclosure_gets_no_strangulation_or_threat_suggestion(drafts):
    assert not any(line["factors"] for line in RECORDINGS["heldout-none"]["lines"])
    found = [s for s in risk.suggest(drafts["heldout-none"]) if s.factor in ("strangulation", "threat-to-kill")]
    assert found == []


def test_the_sample_case_disclosure_is_suggested_on_both_cameras(drafts):
    # The worked example: "He strangled me. He put his hands round my neck." at 7.5 s on
    # AB/1, heard 3.2 s earlier on CD/1 (which starts later); the draft hears "twangled".
    lines = {"sample-AB-1": 7500, "sample-CD-1": 7500 - 3200}
    for name, start in lines.items():
        line = {"start_ms": start, "end_ms": start + 3900}
        hits = [s for s in risk.suggest(drafts[name]) if s.factor == "strangulation" and near(s, line)]
        assert hits, (name, " | ".join(s.text for s in drafts[name]))
