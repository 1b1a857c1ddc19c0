"""``bwv-review exhibit`` and ``bwv-review align``: exit codes, messages, and what is stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bwv_review.cli import run
from bwv_review.core.evidence import import_footage
from bwv_review.core.store import CaseStore
from bwv_review.core.timecode import clock_at, parse_instant
from tests.core.test_align import OTHER_WORDS, WORDS, camera, cut, scene
from tests.core.test_audio import write_av
from tests.footage import write_clip

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="needs espeak-ng to make speech (apt install espeak-ng)"
)

SHIFT_S = 6.4321  # BODY/2 starts this long after BODY/1


@pytest.fixture(scope="module")
def footage(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clock-footage")
    x = scene(40, WORDS, seed=3)
    return {
        "one": write_av(folder / "one.mkv", camera(cut(x, 0, 36), 0, 0.004, 1), audio_codec="aac"),
        "two": write_av(folder / "two.mkv", camera(cut(x, SHIFT_S, 40), -12, 0.01, 2), audio_codec="libopus"),
        "other": write_av(folder / "other.mkv", camera(scene(30, OTHER_WORDS, seed=8), 0, 0.01, 3)),
        "short": write_clip(folder / "short.mp4", frames=50, fps=25, audio=True),
        "mute": write_clip(folder / "mute.mp4", frames=25, fps=25, audio=False),
    }


@pytest.fixture
def case(tmp_path, footage) -> Path:
    path = tmp_path / "case.bwvcase"
    with CaseStore.create(path, "Operation Clock", reviewer="Jo Bloggs") as store:
        for ref, name in [("BODY/1", "one"), ("BODY/2", "two"), ("OTHER/1", "other"), ("SHORT/1", "short"), ("MUTE/1", "mute")]:
            import_footage(store, footage[name], ref, "Jo Bloggs")
    return path


def stored(case: Path, ref: str):
    with CaseStore.open(case, readonly=True) as store:
        return store.exhibit(ref), store.audit_rows()


def test_details_of_an_exhibit(case, capsys):
    assert run(["exhibit", str(case), "body/1"]) == 0
    out = capsys.readouterr().out
    ex, _ = stored(case, "BODY/1")
    assert "BODY/1" in out and ex.sha256 in out and "one.mkv" in out
    assert "00:00:36.000" in out and "25 fps" in out and "32x32 h264" in out
    assert "Start:     unknown" in out


@pytest.mark.parametrize(
    ("start", "shown_start", "shown_end"),
    [  # a 2 s clip running over the UK clock changes of 2019
        ("2019-03-31T00:59:59Z", "2019-03-31 00:59:59.000 GMT (+00:00)", "2019-03-31 02:00:01.000 BST (+01:00)"),
        ("2019-10-27T00:59:59Z", "2019-10-27 01:59:59.000 BST (+01:00)", "2019-10-27 01:00:01.000 GMT (+00:00)"),
    ],
)
def test_typed_start_is_audited_and_shown_across_a_clock_change(case, capsys, start, shown_start, shown_end):
    assert run(["exhibit", str(case), "SHORT/1", "--start", start, "--reviewer", "Sam Patel"]) == 0
    out = capsys.readouterr().out
    assert f"Start:     {shown_start} = {start.replace('Z', '.000Z')}" in out
    assert f"End:       {shown_end}" in out
    assert "typed by a reviewer" in out
    ex, audit = stored(case, "SHORT/1")
    assert parse_instant(ex.recording_start) == parse_instant(start) and ex.start_source == "typed"
    assert (audit[-1]["action"], audit[-1]["actor"]) == ("exhibit.start", "Sam Patel")


def test_offset_from_another_exhibit(case, capsys):
    assert run(["exhibit", str(case), "BODY/1", "--start", "2019-03-31T00:59:58.500Z"]) == 0
    assert run(["exhibit", str(case), "BODY/2", "--offset-from", "body/1", "-1.25", "--wearer", "PC 7"]) == 0
    ex, audit = stored(case, "BODY/2")
    assert ex.recording_start == "2019-03-31T00:59:57.250+00:00"
    assert ex.start_source == "offset:BODY/1" and ex.wearer == "PC 7"
    assert audit[-1]["action"] == "exhibit.start"
    assert "typed as an offset from exhibit BODY/1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["BODY/2", "--offset-from", "BODY/1", "3"], "BODY/1 has no recording start yet"),
        (["BODY/2", "--offset-from", "BODY/2", "3"], "cannot be timed from itself"),
        (["BODY/2", "--offset-from", "BODY/1", "soon"], "is not a number of seconds"),
        (["BODY/2", "--start", "2019-03-31 01:30"], "has no UTC offset"),
        (["BODY/9", "--start", "2019-03-31T01:30:00Z"], "No exhibit 'BODY/9'"),
    ],
)
def test_bad_exhibit_changes_are_refused_and_change_nothing(case, capsys, argv, message):
    _, audit_before = stored(case, "BODY/2")
    assert run(["exhibit", str(case), *argv]) == 2
    assert message in capsys.readouterr().err
    ex, audit = stored(case, "BODY/2")
    assert ex.recording_start is None and len(audit) == len(audit_before)


def test_wearer_and_device_alone(case):
    assert run(["exhibit", str(case), "BODY/1", "--wearer", "PC 1234 Smith", "--device", "AX-99"]) == 0
    ex, audit = stored(case, "BODY/1")
    assert (ex.wearer, ex.device, ex.recording_start) == ("PC 1234 Smith", "AX-99", None)
    assert audit[-1]["action"] == "exhibit.update"


def test_align_sets_the_start_from_the_other_exhibit(case, capsys):
    assert run(["exhibit", str(case), "BODY/1", "--start", "2019-03-31T00:59:55+00:00"]) == 0
    capsys.readouterr()
    assert run(["align", str(case), "--exhibit", "BODY/2", "--to", "BODY/1", "--reviewer", "Sam Patel"]) == 0
    out = capsys.readouterr().out
    assert "BODY/2 starts 00:00:06.43" in out and "after BODY/1" in out and "confidence" in out
    ex, audit = stored(case, "BODY/2")
    got = clock_at(ex.recording_start, 0)
    want = clock_at("2019-03-31T00:59:55+00:00", round(SHIFT_S * 1000))
    assert abs((got - want).total_seconds()) <= 0.005
    assert ex.start_source == "aligned:BODY/1"
    assert (audit[-1]["action"], audit[-1]["actor"]) == ("exhibit.align", "Sam Patel")
    # across the spring change: 01:00:01 UTC is 02:00:01 in London
    assert "2019-03-31 02:00:01.4" in out and "BST (+01:00)" in out
    # the other way round gives the same relation, negative
    assert run(["exhibit", str(case), "BODY/1", "--start", "2019-03-31T00:59:55+00:00"]) == 0
    capsys.readouterr()
    assert run(["align", str(case), "--exhibit", "BODY/1", "--to", "BODY/2"]) == 0
    assert "before BODY/2" in capsys.readouterr().out
    one, _ = stored(case, "BODY/1")
    assert abs((clock_at(one.recording_start, 0) - clock_at("2019-03-31T00:59:55Z", 0)).total_seconds()) <= 0.01


def test_align_refuses_unrelated_sound_and_changes_nothing(case, capsys):
    assert run(["exhibit", str(case), "BODY/1", "--start", "2019-03-31T00:59:55Z"]) == 0
    _, audit_before = stored(case, "OTHER/1")
    assert run(["align", str(case), "--exhibit", "OTHER/1", "--to", "BODY/1"]) == 2
    err = capsys.readouterr().err
    assert "do not share enough sound" in err and "Traceback" not in err
    assert "Nothing was changed" in err and "--offset-from BODY/1 SECONDS" in err
    ex, audit = stored(case, "OTHER/1")
    assert ex.recording_start is None and len(audit) == len(audit_before)


def test_align_without_a_known_start_prints_the_offset_but_stores_nothing(case, capsys):
    assert run(["align", str(case), "--exhibit", "BODY/2", "--to", "BODY/1"]) == 2
    captured = capsys.readouterr()
    assert "BODY/2 starts 00:00:06.43" in captured.out
    assert "BODY/1 has no recording start" in captured.err and "--offset-from BODY/1 6.43" in captured.err
    assert stored(case, "BODY/2")[0].recording_start is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--exhibit", "BODY/1", "--to", "body/1"], "cannot be aligned to itself"),
        (["--exhibit", "MUTE/1", "--to", "BODY/1"], "MUTE/1 has no sound track"),
        (["--exhibit", "BODY/2", "--to", "BODY/1", "--min-confidence", "2"], "from 0 to 1"),
    ],
)
def test_align_refusals(case, capsys, argv, message):
    assert run(["align", str(case), *argv]) == 2
    assert message in capsys.readouterr().err


def test_align_refuses_footage_that_changed(case, footage, tmp_path, capsys):
    with CaseStore.open(case) as store:
        moved = store.footage_path(store.exhibit("BODY/2"))
    copy = tmp_path / "two-copy.mkv"
    copy.write_bytes(moved.read_bytes() + b"x")
    with CaseStore.open(case) as store:
        store.update_exhibit("BODY/2", "test", path=store.stored_path(copy))
    assert run(["align", str(case), "--exhibit", "BODY/2", "--to", "BODY/1"]) == 2
    assert "has changed since it was added" in capsys.readouterr().err
