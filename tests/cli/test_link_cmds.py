"""``bwv-review link`` / ``unlink``: what is stored, audited and printed, and clear refusals."""

from __future__ import annotations

import json

import pytest

from bwv_review.cli import run
from bwv_review.core.evidence import import_footage
from bwv_review.core.model import Annotation
from bwv_review.core.store import CaseStore
from tests.footage import write_clip


@pytest.fixture
def linkable(case, tmp_path):
    """AB/1 (from 23:34:55 BST) and CD/1 (3.2 s later), two annotations on each."""
    target = write_clip(tmp_path / "case" / "CD-1 clip.mp4", frames=40, fps=25, audio=True)
    cd = import_footage(case, target, "CD/1", "Test Reviewer", start="2019-07-01T23:34:58.200+01:00")
    ab = case.exhibit("AB/1")
    cat = case.category("disclosure").id
    ids = [
        case.add_annotation(Annotation(exhibit_id=ex.id, start_ms=ms, category_id=cat, speaker="female",
                                       text="He strangled me.", status="verified"), "Test Reviewer").id
        for ex, ms in [(ab, 1200), (cd, 400), (ab, 1800), (cd, 900)]
    ]
    path = case.path
    case.close()
    return path, ids


def _events(path) -> dict[int, int | None]:
    with CaseStore.open(path, readonly=True) as store:
        return {a.id: a.event for a in store.annotations()}


def _audit_actions(path) -> list[str]:
    with CaseStore.open(path, readonly=True) as store:
        return [r["action"] for r in store.audit_rows()]


def test_link_prints_the_event_and_both_places(linkable, capsys):
    path, (ab1, cd1, ab2, cd2) = linkable
    assert run(["link", str(path), str(cd1), str(ab1), "--reviewer", "DC Example"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == (
        f"Event {ab1}: {ab1}: 00:00:01.200 into AB/1 (23:34:56.200); {cd1}: 00:00:00.400 into CD/1 (23:34:58.600)"
    )
    assert "these marks are 2.4 s apart on the case clock" in err  # said, not refused
    assert _events(path) == {ab1: ab1, cd1: ab1, ab2: None, cd2: None}
    assert _audit_actions(path)[-2:] == ["annotation.link", "annotation.link"]

    assert run(["list", str(path), "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert {i["id"]: i["event"] for i in items} == {ab1: ab1, cd1: ab1, ab2: None, cd2: None}


def test_link_refuses_one_annotation_or_two_on_one_camera(linkable, capsys):
    path, (ab1, cd1, ab2, _cd2) = linkable
    before = _audit_actions(path)
    assert run(["link", str(path), str(ab1), str(ab1)]) == 2
    assert "at least two different annotations" in capsys.readouterr().err
    assert run(["link", str(path), str(ab1), str(ab2)]) == 2
    err = capsys.readouterr().err
    assert f"Annotations {ab1} and {ab2} are both on exhibit AB/1" in err and "Traceback" not in err
    assert run(["link", str(path), str(ab1), "999"]) == 2
    assert "No annotation 999" in capsys.readouterr().err
    assert _audit_actions(path) == before


def test_linking_into_an_event_brings_its_members(linkable, capsys):
    path, (ab1, cd1, ab2, cd2) = linkable
    assert run(["link", str(path), str(ab2), str(cd2)]) == 0
    # cd2 is already with ab2: linking ab1 with cd2 would put two AB/1 marks in one event.
    assert run(["link", str(path), str(ab1), str(cd2)]) == 2
    assert "both on exhibit AB/1" in capsys.readouterr().err
    assert _events(path)[ab1] is None


def test_unlink_dissolves_an_event_left_with_one_mark(linkable, capsys):
    path, (ab1, cd1, ab2, cd2) = linkable
    assert run(["link", str(path), str(ab1), str(cd1)]) == 0
    capsys.readouterr()
    assert run(["unlink", str(path), str(cd1), "--reviewer", "DC Example"]) == 0
    assert capsys.readouterr().out.strip() == f"Unlinked {cd1}, {ab1}."
    assert _events(path) == {ab1: None, cd1: None, ab2: None, cd2: None}
    assert _audit_actions(path)[-2:] == ["annotation.unlink", "annotation.unlink"]
    assert run(["unlink", str(path), str(cd1)]) == 2
    assert f"Annotation {cd1} is not linked to any event." in capsys.readouterr().err


def test_commands_are_registered(cli):
    result = cli("link", "-h")
    assert result.returncode == 0 and "as the same event" in result.stdout
    assert cli("unlink", "-h").returncode == 0
