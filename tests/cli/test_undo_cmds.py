"""``bwv-review undo``: the same core undo as the window's Ctrl+Z, from a script, months later."""

from __future__ import annotations

from bwv_review.core.store import CaseStore


def _case(cli, footage_copy):
    case = footage_copy.parent / "op.bwvcase"
    for args in (("new", case, "--title", "Operation Example"),
                 ("add", case, footage_copy, "--exhibit", "AB/1", "--start", "2019-07-01T23:34:55+01:00")):
        assert cli(*args).returncode == 0
    return case


def _rows(case):
    with CaseStore.open(case, readonly=True) as store:
        return store.annotations(), store.audit_rows()


def test_undo_takes_back_my_last_change_whole(cli, footage_copy, monkeypatch):
    monkeypatch.setenv("BWV_REVIEWER", "J Bloggs")
    case = _case(cli, footage_copy)
    for at, words in (("0.4", "He strangled me."), ("1.2", "Keep the noise down.")):
        r = cli("annotate", case, "--exhibit", "AB/1", "--at", at, "--category", "disclosure", "--text", words)
        assert r.returncode == 0, r.stderr
    r = cli("undo", case)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Undid change ") and "(annotation.add by J Bloggs)" in r.stdout
    anns, audit = _rows(case)
    assert [a.text for a in anns] == ["He strangled me."]
    assert audit[-1]["action"] == "annotation.undo-add" and "(undoes change " in audit[-1]["detail"]
    assert cli("undo", case).returncode == 0  # and the one before
    anns, _ = _rows(case)
    assert anns == []
    assert cli("verify", case).returncode == 0


def test_undo_refuses_to_overwrite_someone_elses_later_change(cli, footage_copy):
    case = _case(cli, footage_copy)
    r = cli("annotate", case, "--exhibit", "AB/1", "--at", "0.4", "--category", "disclosure", "--text", "x",
            "--reviewer", "J Bloggs")
    assert r.returncode == 0, r.stderr
    with CaseStore.open(case) as store:
        from bwv_review.core import operations

        ann = store.annotations()[0]
        operations.edit_annotation(store, ann.id, "Second Reviewer", {"status": "verified"})
    r = cli("undo", case, "--reviewer", "J Bloggs")
    assert r.returncode == 2 and r.stdout == ""
    assert "changed since (annotation.update by Second Reviewer)" in r.stderr and "nothing was changed" in r.stderr
    assert _rows(case)[0][0].status == "verified"


def test_nothing_to_undo_is_a_sentence(cli, footage_copy):
    case = _case(cli, footage_copy)
    r = cli("undo", case, "--reviewer", "Nobody Yet")
    assert r.returncode == 2 and "has made no change to this case that can be undone" in r.stderr
    r = cli("undo", case, "--change", "999")
    assert r.returncode == 2 and "no change 999" in r.stderr


def test_an_alignment_can_be_undone_by_its_number(cli, footage_copy, tmp_path):
    case = _case(cli, footage_copy)
    r = cli("exhibit", case, "AB/1", "--start", "2019-07-01T23:35:00+01:00", "--reviewer", "J Bloggs")
    assert r.returncode == 0, r.stderr
    _, audit = _rows(case)
    number = int(audit[-1]["detail"].split("change ")[-1])
    r = cli("undo", case, "--change", number)
    assert r.returncode == 0, r.stderr
    with CaseStore.open(case, readonly=True) as store:
        assert store.exhibit("AB/1").recording_start.startswith("2019-07-01T23:34:55")
