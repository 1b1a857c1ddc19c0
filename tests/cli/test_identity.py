"""Who did it: the CLI's actor is --reviewer, else BWV_REVIEWER, else the name set in the
window's settings, else the case's only reviewer; never silently the OS login."""

import getpass
import json

import pytest

from bwv_review import paths
from bwv_review.core.store import CaseStore


@pytest.fixture
def no_reviewer(monkeypatch):
    monkeypatch.delenv("BWV_REVIEWER", raising=False)


def _actors(case) -> list[str]:
    with CaseStore.open(case, readonly=True) as store:
        return [r["actor"] for r in store.audit_rows()]


def _write_settings(name: str) -> None:
    from PySide6.QtCore import QSettings  # the window's own writer: the file exactly as it makes it

    q = QSettings(str(paths.settings_file()), QSettings.Format.IniFormat)
    q.setValue("reviewer/name", name)
    q.sync()


def test_case_reviewer_is_the_actor_when_nothing_else_says(cli, footage_copy, no_reviewer):
    case = footage_copy.parent / "c.bwvcase"
    assert cli("new", case, "--title", "T", "--reviewer", "J Bloggs").returncode == 0
    r = cli("add", case, footage_copy, "--exhibit", "AB/1")
    assert r.returncode == 0, r.stderr
    r = cli("annotate", case, "--exhibit", "AB/1", "--at", "0.5", "--category", "disclosure", "--text", "x")
    assert r.returncode == 0, r.stderr
    assert set(_actors(case)) == {"J Bloggs"}
    rows = json.loads(cli("list", case, "--json").stdout)
    assert rows[0]["reviewer"] == "J Bloggs"


def test_order_flag_then_environment_then_settings(cli, footage_copy, no_reviewer, monkeypatch):
    pytest.importorskip("PySide6.QtCore")
    case = footage_copy.parent / "c.bwvcase"
    assert cli("new", case, "--title", "T", "--reviewer", "Case Owner").returncode == 0
    assert cli("add", case, footage_copy, "--exhibit", "AB/1").returncode == 0
    _write_settings("Bloggs, J \"Jo\"")  # a name Qt writes quoted and escaped
    note = ["annotate", case, "--exhibit", "AB/1", "--at", "0.5", "--category", "other"]
    assert cli(*note).returncode == 0
    monkeypatch.setenv("BWV_REVIEWER", "From Env")
    assert cli(*note).returncode == 0
    assert cli(*note, "--reviewer", "From Flag").returncode == 0
    assert _actors(case)[-3:] == ["Bloggs, J \"Jo\"", "From Env", "From Flag"]


def test_no_known_reviewer_is_refused_never_the_os_login(cli, footage_copy, no_reviewer):
    r = cli("new", footage_copy.parent / "c.bwvcase", "--title", "T")
    assert r.returncode == 2 and "No reviewer name is known" in r.stderr and r.stderr.count("\n") == 1
    assert not (footage_copy.parent / "c.bwvcase").exists()
    case = footage_copy.parent / "two.bwvcase"
    assert cli("new", case, "--title", "T", "--reviewer", "A").returncode == 0
    with CaseStore.open(case, actor="A") as store:
        store.add_reviewer("B")  # two reviewers: the case cannot say which one is acting
    before = _actors(case)
    r = cli("add", case, footage_copy, "--exhibit", "AB/1")
    assert r.returncode == 2 and "No reviewer name is known" in r.stderr
    assert _actors(case) == before and getpass.getuser() not in _actors(case)
