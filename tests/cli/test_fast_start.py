"""The everyday commands start fast: they never load the decoder, numpy, the spreadsheet
or PDF writers, or Qt. Proven in a fresh interpreter by what is in sys.modules after the
command ran (a lazy import inside a command would show up here too)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.footage import write_clip

HEAVY = ("cv2", "av", "numpy", "openpyxl", "uharfbuzz", "fontTools", "bidi", "PySide6", "shiboken6")

PROBE = (
    "import json, sys\n"
    "from bwv_review import app\n"
    "try:\n"
    "    code = app.main(sys.argv[1:])\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
    "print(json.dumps({'code': code, 'heavy': heavy}), file=sys.stderr)\n"
)


def loaded(*args) -> dict:
    r = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], capture_output=True, text=True, timeout=60)
    return json.loads(r.stderr.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fast")
    clip = write_clip(folder / "AB-1.mp4", frames=25, fps=25, size=(160, 120))
    path = folder / "case.bwvcase"
    for args in (["new", path, "--title", "Op", "--reviewer", "R"], ["add", path, clip, "--exhibit", "AB/1"]):
        r = subprocess.run([sys.executable, "-m", "bwv_review", *map(str, args)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["list", "{case}"],
        ["list", "{case}", "--json"],
        ["verify", "{case}"],
        ["annotate", "{case}", "--exhibit", "AB/1", "--at", "0.5", "--category", "disclosure", "--text", "Hello."],
        ["export", "{case}", "--format", "csv", "-o", "{out}"],
    ],
    ids=["version", "list", "list-json", "verify", "annotate", "export-csv"],
)
def test_everyday_commands_load_nothing_heavy(case, args, tmp_path):
    argv = [a.format(case=case, out=tmp_path / "log.csv") for a in args]
    result = loaded(*argv)
    assert result["code"] in (0, None), result
    assert result["heavy"] == [], f"{' '.join(args[:1])} loaded {result['heavy']}"


def test_a_footage_command_does_load_the_decoder(case):
    # The probe above can see heavy modules: `info` needs PyAV and must show it.
    assert "av" in loaded("info", case.parent / "AB-1.mp4")["heavy"]
