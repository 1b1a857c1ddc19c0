"""Terminal escapes and line breaks in every field bwv-review prints never reach the terminal:
a case (or a footage file's name) made by someone else cannot clear the screen, set the
window title, or forge a line such as "All sound"."""

import json
import re
import subprocess
import sys

import pytest

from bwv_review.core import transcripts
from bwv_review.core.evidence import import_footage
from bwv_review.core.model import Annotation, Category
from bwv_review.core.store import CaseStore

# Clear screen, set title (OSC ... BEL), 8-bit CSI, a bidi override, a line separator, and a
# line break followed by a line that would pass for our own.
EVIL = "\x1b[2J\x1b]0;owned\x07\x9b31m\u202eevil\u2028\r\nAll sound: forged"
# What must never be printed: C0 controls but line feed, DEL, C1, bidi controls, separators.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def bwv(*args, input=None):
    r = subprocess.run([sys.executable, "-m", "bwv_review", *map(str, args)], capture_output=True, timeout=60,
                       input=input.encode("utf-8", "surrogatepass") if input else None)
    return r.returncode, r.stdout.decode("utf-8"), r.stderr.decode("utf-8")


def assert_inert(out: str, err: str) -> None:
    for stream in (out, err):
        assert not RAW.search(stream), repr(stream)
        assert not any(line.startswith("All sound: forged") for line in stream.splitlines())


@pytest.fixture
def hostile(tmp_path, clip, monkeypatch):
    monkeypatch.setenv("BWV_REVIEWER", "Reviewer " + EVIL)
    folder = tmp_path / "case"
    folder.mkdir()
    footage = folder / "AB\x1b]0;x\x07\n1.mp4"
    footage.write_bytes(clip.read_bytes())
    store = CaseStore.create(folder / "case.bwvcase", "Title " + EVIL, "Ref " + EVIL, "Reviewer " + EVIL)
    ex = import_footage(store, footage, "AB/1" + EVIL, "Reviewer " + EVIL, wearer="PC " + EVIL, device=EVIL,
                        start="2019-07-01T23:34:55+01:00")
    cat = store.add_category(Category(slug="cat" + EVIL, name="Category " + EVIL, colour="#ff0000"), "x")
    a = store.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=100, end_ms=400,
                                        speaker="Speaker " + EVIL, text="Text " + EVIL, note="Note " + EVIL,
                                        status="verified"), "Reviewer " + EVIL)
    b = store.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=500, text=EVIL), "x")
    store.link([a.id, b.id], "Reviewer " + EVIL)
    transcripts.save_draft(store, ex, [transcripts.Segment(0, 900, EVIL, [transcripts.Word(EVIL, 0, 900, 0.2)])],
                           model="model " + EVIL, language=EVIL, reviewer="Reviewer " + EVIL)
    store.close()
    return folder / "case.bwvcase", "AB/1" + EVIL, footage


def test_every_printed_field_is_inert(hostile, tmp_path):
    case, ref, footage = hostile
    runs = [
        ("list", case), ("list", case, "--json"), ("verify", case), ("exhibit", case, ref),
        ("transcript", case, "--exhibit", ref), ("transcript", case, "--exhibit", ref, "--json"),
        ("info", footage), ("export", case, "-f", "csv", "-o", tmp_path / f"out{EVIL[:8]}.csv"),
        ("identity",), ("annotate", case, "--exhibit", ref, "--at", "0.2", "--category", "cat" + EVIL,
                        "--speaker", EVIL, "--text", EVIL),
        ("link", case, "1", "3"), ("unlink", case, "3"),
        ("exhibit", case, "NOPE" + EVIL),  # an error message naming what was asked for
        ("annotate", case, "--exhibit", ref, "--at", "0.2", "--category", "nope" + EVIL),
    ]
    for args in runs:
        code, out, err = bwv(*args)
        assert code in (0, 1, 2), (args, err)
        assert_inert(out, err)
    # Output escaped, not dropped: the words are still there to be read.
    code, out, _ = bwv("list", case)
    assert "\\x1b[2J" in out and "\\u202e" in out
    # JSON keeps every character exactly (as \u escapes).
    code, out, _ = bwv("list", case, "--json")
    speakers = [row["speaker"] for row in json.loads(out)]
    assert "Speaker " + EVIL in speakers


def test_a_problem_naming_hostile_text_is_inert(hostile):
    case, _, footage = hostile
    footage.unlink()  # verify now names the exhibit and its path in a problem
    code, out, err = bwv("verify", case)
    assert code == 1 and "is missing" in out
    assert_inert(out, err)


def test_text_that_is_not_unicode_is_refused_in_one_sentence(hostile):
    case, ref, _ = hostile
    # A byte that is not UTF-8 on the command line reaches Python as a lone surrogate.
    r = subprocess.run([sys.executable.encode(), b"-m", b"bwv_review", b"annotate", bytes(case), b"--exhibit",
                        ref.encode(), b"--at", b"0.1", b"--category", b"other", b"--reviewer", b"J", b"--text", b"bad \x80 byte"],
                       capture_output=True, timeout=60)
    out, err = r.stdout.decode(), r.stderr.decode()
    assert r.returncode == 2 and "not valid text" in err and err.count("\n") == 1
    assert_inert(out, err)
