"""The command line exactly as scripts and QA use it."""

import json
import os

import pytest


@pytest.fixture
def new_case(cli, footage_copy):
    path = footage_copy.parent / "case.bwvcase"
    r = cli("new", path, "--title", "Operation Example", "--reference", "IOPC 2019/0001", "--reviewer", "Jo Bloggs")
    assert r.returncode == 0, r.stderr
    r = cli("add", path, footage_copy, "--exhibit", "CD/1", "--wearer", "PC 2", "--start", "2019-07-01T23:34:55+01:00")
    assert r.returncode == 0, r.stderr
    return path


def test_full_flow(cli, new_case, tmp_path):
    quote = 'He said "I\'ll kill you" — 他掐住我\nand left'
    words = tmp_path / "words.txt"
    words.write_text(quote + "\n", encoding="utf-8")
    r = cli("annotate", new_case, "--exhibit", "cd/1", "--at", "00:00:01.250", "--category", "Disclosure",
            "--speaker", "female", "--text-file", words, "--status", "verified", "--reviewer", "Jo Bloggs")
    assert r.returncode == 0, r.stderr
    r = cli("annotate", new_case, "--exhibit", "CD/1", "--at", "0.5", "--end", "00:01.9", "--category", "advice",
            "--text-file", "-", input="Keep the noise down.")
    assert r.returncode == 0, r.stderr
    r = cli("list", new_case, "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [(x["start_ms"], x["end_ms"], x["category"], x["text"]) for x in rows] == [
        (500, 1900, "advice", "Keep the noise down."),
        (1250, None, "disclosure", quote),
    ]
    assert rows[1]["speaker"] == "female" and rows[1]["status"] == "verified"
    assert rows[1]["reviewer"] == "Jo Bloggs"
    assert rows[1]["wall_clock_start"] == "2019-07-01T23:34:56.250+01:00"
    assert {"id", "exhibit", "note"} <= rows[0].keys() and rows[0]["exhibit"] == "CD/1"
    r = cli("verify", new_case)
    assert r.returncode == 0 and "All sound" in r.stdout


def test_list_orders_by_clock_then_exhibits_without_one(cli, new_case, tmp_path):
    from tests.footage import write_clip
    other = write_clip(new_case.parent / "EF-1.mp4", frames=30, fps=25, size=(160, 120))
    third = write_clip(new_case.parent / "AB-1.mkv", frames=50, fps=25, size=(160, 120))
    assert cli("add", new_case, other, "--exhibit", "EF/1").returncode == 0
    assert cli("add", new_case, third, "--exhibit", "AB/1", "--start", "2019-07-01T22:34:54Z").returncode == 0
    for ex, at in [("EF/1", "0.2"), ("CD/1", "1.0"), ("AB/1", "1.5"), ("EF/1", "0.1")]:
        assert cli("annotate", new_case, "--exhibit", ex, "--at", at, "--category", "other").returncode == 0
    rows = json.loads(cli("list", new_case, "--json").stdout)
    # AB/1 at 22:34:55.500Z comes before CD/1 at 22:34:56.000Z; EF/1 has no clock and follows
    assert [(x["exhibit"], x["start_ms"]) for x in rows] == [("AB/1", 1500), ("CD/1", 1000), ("EF/1", 100), ("EF/1", 200)]
    assert rows[-1]["wall_clock_start"] is None
    only = json.loads(cli("list", new_case, "--exhibit", "EF/1", "--json").stdout)
    assert [x["start_ms"] for x in only] == [100, 200]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "99"], "past the end of exhibit CD/1"),
        (["--at", "-2"], "negative"),
        (["--at", "soon"], "not understood"),
        (["--at", "1", "--category", "nope"], "No category 'nope'"),
        (["--at", "1", "--exhibit", "ZZ/9"], "No exhibit 'ZZ/9'"),
        (["--at", "1", "--text", "a", "--text-file", "-"], "not both"),
        (["--at", "1", "--text-file", "missing.txt"], "Cannot read the text file"),
        (["--at", "1", "--end", "0.5"], "end before it starts"),
    ],
)
def test_annotate_refusals(cli, new_case, args, message):
    base = {"--exhibit": "CD/1", "--category": "disclosure"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["annotate", new_case] + [x for kv in base.items() for x in kv]
    r = cli(*argv)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert json.loads(cli("list", new_case, "--json").stdout) == []


def test_text_file_must_be_utf8(cli, new_case, tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("café".encode("latin-1"))
    r = cli("annotate", new_case, "--exhibit", "CD/1", "--at", "1", "--category", "other", "--text-file", bad)
    assert r.returncode == 2 and "not UTF-8" in r.stderr


def test_verify_exits_1_listing_problems(cli, new_case, footage_copy):
    footage_copy.write_bytes(footage_copy.read_bytes() + b"\x00")
    r = cli("verify", new_case)
    assert r.returncode == 1
    assert "Footage for exhibit CD/1 has changed" in r.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new", "{case}", "--title", "Again"], "already exists"),
        (["add", "{case}", "{dir}/nope.mp4", "--exhibit", "X/1"], "not found"),
        (["add", "{case}", "{dir}/notes.mp4", "--exhibit", "X/1"], "not a video file"),
        (["add", "{case}", "{dir}/empty.mp4", "--exhibit", "X/1"], "empty"),
        (["add", "{case}", "{dir}/AB-1 clip.mp4", "--exhibit", "X/1"], "already in the case as exhibit CD/1"),
        (["add", "{case}", "{dir}/other.mp4", "--exhibit", "X/1", "--start", "yesterday"], "not an ISO 8601"),
        (["list", "{dir}/notes.mp4"], "not a bwv-review case file"),
        (["list", "{dir}/none.bwvcase"], "does not exist"),
        (["info", "{dir}/notes.mp4"], "not a video file"),
        (["annotate", "{case}", "--exhibit", "CD/1", "--at", "1"], "required: --category"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(cli, new_case, argv, message):
    folder = new_case.parent
    (folder / "notes.mp4").write_text("not footage at all", encoding="utf-8")
    (folder / "empty.mp4").write_bytes(b"")
    from tests.footage import write_clip
    write_clip(folder / "other.mp4", frames=5, size=(160, 120))
    before = new_case.read_bytes()
    r = cli(*[a.format(case=new_case, dir=folder) for a in argv])
    assert r.returncode == 2, r
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert new_case.read_bytes() == before or argv[0] != "new"
    r = cli("list", new_case, "--json")
    assert len(json.loads(r.stdout)) == 0


def test_info_json(cli, clip):
    r = cli("info", clip, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert {k: data[k] for k in ("duration_ms", "frame_count", "width", "height", "codec", "has_audio")} == {
        "duration_ms": 2000, "frame_count": 50, "width": 320, "height": 240, "codec": "h264", "has_audio": True}
    assert data["fps"] == 25.0 and len(data["sha256"]) == 64
    assert {"path", "creation_time"} <= data.keys()


def test_cli_imports_no_qt():
    import subprocess
    import sys
    code = ("import sys; from bwv_review import cli; cli.run(['list', 'x']);"
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr


def test_list_shows_linked_events(cli, new_case, tmp_path):
    from tests.footage import write_clip
    other = write_clip(new_case.parent / "AB-1.mkv", frames=50, fps=25, size=(160, 120))
    assert cli("add", new_case, other, "--exhibit", "AB/1", "--start", "2019-07-01T23:34:54+01:00").returncode == 0
    for ex, at in [("CD/1", "1.0"), ("AB/1", "2.0")]:
        assert cli("annotate", new_case, "--exhibit", ex, "--at", at, "--category", "disclosure",
                   "--text", "He strangled me.").returncode == 0
    assert cli("link", new_case, "1", "2").returncode == 0
    r = cli("list", new_case)
    assert r.stdout.count("(event 1)") == 2


def test_a_mistyped_command_is_refused_in_one_sentence_not_opened_as_a_case(tmp_path, monkeypatch):
    """`bwv-review lsit` must not start the window on a case called 'lsit'."""
    import subprocess
    import sys

    monkeypatch.chdir(tmp_path)
    env = {**os.environ, "BWV_REVIEW_HOME": str(tmp_path / "home"), "DISPLAY": "", "QT_QPA_PLATFORM": ""}
    done = subprocess.run([sys.executable, "-m", "bwv_review", "lsit", "x"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "bwv-review: 'lsit' is neither a command nor a case (bwv-review --help lists the commands)."
    assert done.stdout == ""
