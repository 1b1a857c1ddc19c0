"""bwv-review still: the exact frame as PNG, with or without a caption margin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from bwv_review import cli
from bwv_review.cli import footage_cmds
from tests.footage import read_index


def still(*args) -> int:
    try:
        return cli.run(["still", *map(str, args)])
    except SystemExit as exc:  # argparse's own errors (exit code 2) end this way
        return exc.code


def test_still_by_frame_number_and_by_time(clip, tmp_path, capsys):
    assert still(clip, "--frame", 17, "-o", tmp_path / "f17.png") == 0
    assert read_index(cv2.imread(str(tmp_path / "f17.png"))) == 17
    assert "frame 17 at 00:00:00.680" in capsys.readouterr().out
    # 25 fps: frame 25 starts at exactly 1 s; a millisecond earlier is still frame 24.
    assert still(clip, "--at", "00:00:01.000", "-o", tmp_path / "a.png") == 0
    assert still(clip, "--at", "0.999", "-o", tmp_path / "b.png") == 0
    assert read_index(cv2.imread(str(tmp_path / "a.png"))) == 25
    assert read_index(cv2.imread(str(tmp_path / "b.png"))) == 24


def test_still_refuses_to_overwrite_unless_forced(clip, tmp_path, capsys):
    target = tmp_path / "s.png"
    assert still(clip, "--frame", 3, "-o", target) == 0
    before = target.read_bytes()
    assert still(clip, "--frame", 9, "-o", target) == 2
    assert "already exists" in capsys.readouterr().err
    assert target.read_bytes() == before
    assert still(clip, "--frame", 9, "-o", target, "--force") == 0
    assert read_index(cv2.imread(str(target))) == 9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "1:2:3:4"], "is not understood"),
        (["--at", "00:00:09.000"], "past the end"),
        (["--frame", "50"], "frames 0 to 49"),
        (["--frame", "-3"], "negative"),
        (["--frame", "ten"], "not a whole number"),
        (["--frame", "1", "--exhibit", "AB/1"], "--case and --exhibit together"),
    ],
)
def test_still_bad_input_is_one_sentence_and_exit_2(clip, tmp_path, capsys, args, message):
    assert still(clip, *args, "-o", tmp_path / "x.png") == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_still_of_missing_footage(tmp_path, capsys):
    assert still(tmp_path / "gone.mp4", "--frame", 0, "-o", tmp_path / "x.png") == 2
    assert "was not found" in capsys.readouterr().err


def test_burn_in_with_case_shows_exhibit_and_clock(footage_copy, tmp_path, monkeypatch):
    case = tmp_path / "case" / "op.bwvcase"
    assert cli.run(["new", str(case), "--title", "Op", "--timezone", "Europe/London"]) == 0
    assert cli.run(["add", str(case), str(footage_copy), "--exhibit", "AB/1",
                    "--start", "2019-07-01T23:34:55+01:00"]) == 0
    drawn = []
    real = footage_cmds.burn_in
    monkeypatch.setattr(footage_cmds, "burn_in", lambda image, lines: drawn.append(lines) or real(image, lines))
    out = tmp_path / "burnt.png"
    assert still(footage_copy, "--at", "1.05", "-o", out, "--burn-in", "--case", case, "--exhibit", "ab/1") == 0
    assert drawn == [[
        "Exhibit AB/1   File time 00:00:01.040   Frame 26",
        "Clock 2019-07-01 23:34:56.040 BST (UTC+01:00)",
    ]]
    picture = cv2.imread(str(out))
    assert picture.shape[0] > 240 and picture.shape[1] == 320
    assert read_index(picture[:240]) == 26


def test_burn_in_refuses_footage_that_is_not_the_exhibit(footage_copy, clip, tmp_path, capsys):
    case = tmp_path / "case" / "op.bwvcase"
    assert cli.run(["new", str(case), "--title", "Op"]) == 0
    assert cli.run(["add", str(case), str(footage_copy), "--exhibit", "AB/1"]) == 0
    other = tmp_path / "other.mp4"
    other.write_bytes(clip.read_bytes() + b"\0")
    assert still(other, "--frame", 1, "-o", tmp_path / "x.png", "--case", case, "--exhibit", "AB/1") == 2
    assert "is not exhibit AB/1" in capsys.readouterr().err


def test_info_json_keeps_its_fields(clip, capsys):
    assert cli.run(["info", "--json", str(clip)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"path", "duration_ms", "frame_count", "fps", "width", "height", "codec",
            "has_audio", "creation_time", "sha256"} <= set(data)
    assert (data["frame_count"], data["duration_ms"], data["width"], data["height"]) == (50, 2000, 320, 240)


def test_still_runs_as_a_command(clip, tmp_path):
    # The real entry point, in a fresh process: exit code and the one-line error.
    run = subprocess.run(
        [sys.executable, "main.py", "still", str(clip), "--at", "abc", "-o", str(tmp_path / "x.png")],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].startswith("bwv-review: Time 'abc' is not understood")
