"""A redacted copy made from a case on either engine (a case file, a case on a PostgreSQL
server): recorded with both hashes and the redactions applied, its report beside it, verify
re-checking it; written inside the case's folder or anywhere else on this computer."""

from __future__ import annotations

import hashlib

import pytest

from bwv_review import paths
from bwv_review.core import audit, operations
from bwv_review.core.errors import ReviewError
from bwv_review.core.evidence import verify_case
from bwv_review.core.redact import model, records
from bwv_review.core.redact.disclose import make_copy


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def redacted(engine_case):
    """The case with a confirmed box, a toned stretch and a suggestion not yet confirmed."""
    ex = engine_case.exhibit("AB/1")
    operations.add_redactions(engine_case, [model.picture(ex.id, 0, 1200, model.Box(10, 10, 60, 40), reason="face"),
                                            model.sound(ex.id, 400, 800, audio="tone", reason="address")],
                              engine_case.actor)
    operations.add_redactions(engine_case, [model.picture(ex.id, 0, 500, model.Box(200, 100, 30, 30),
                                                          status="suggested", source="faces:centerface")],
                              "machine", action=operations.REDACTION_SUGGEST)
    return engine_case


@pytest.mark.parametrize("where", ["case folder", "elsewhere"])
def test_a_copy_is_recorded_reported_and_verified_on_either_engine(redacted, footage_copy, tmp_path, where):
    store = redacted
    folder = footage_copy.parent if where == "case folder" else tmp_path / "handed over"
    folder.mkdir(exist_ok=True)
    out = folder / "AB-1 redacted.mp4"
    before = _sha(footage_copy)
    made = make_copy(store, "AB/1", out, store.actor, burn_in=True)
    assert [r.kind for r in made.applied] == ["picture", "sound"]  # the suggestion left out, and said
    assert made.warnings == ["1 suggested redaction(s) not yet confirmed were left out of the copy."]
    (row,) = records.copies(store)
    assert row["sha256"] == _sha(out) and row["source_sha256"] == before == _sha(footage_copy)
    assert row["report_sha256"] == _sha(made.report) and made.report.parent == folder
    # Named relative to the case's folder (a server case: this desktop's media folder) when
    # written inside it; else where it was written, and no folder becomes a media folder by it.
    want = "AB-1 redacted.mp4" if where == "case folder" else out.resolve().as_posix()
    assert row["path"] == want
    assert folder.resolve() not in paths.media_roots() or where == "case folder"
    assert [r.reason for r in records.from_snapshot(row["redactions"])] == ["face", "address"]
    entry = store.audit_rows()[-1]
    assert entry["action"] == "redaction.copy" and row["sha256"] in entry["detail"]
    assert audit.check_chain(store.db) == [] and verify_case(store) == []
    out.write_bytes(out.read_bytes()[:-1] + b"\0")  # the copy altered after it was made
    assert [p.kind for p in verify_case(store)] == ["copy"]


def test_a_copy_that_cannot_be_recorded_leaves_nothing(redacted, footage_copy, tmp_path):
    out = footage_copy.parent / "copy.mp4"
    with pytest.raises(ReviewError, match="should end in .docx or .pdf"):
        make_copy(redacted, "AB/1", out, redacted.actor, report=tmp_path / "report.txt")
    assert not out.exists() and records.copies(redacted) == []


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_the_report_states_the_audit_head_verify_statement_reads(redacted, footage_copy, suffix):
    """The disclosure report prints the case's audit head (and keys) as every export does, so
    `verify --statement REPORT` proves the case still holds the state the copy was made from."""
    from bwv_review.core.statements import check_claim, read_statement

    store = redacted
    seq, head = store.audit_head()
    made = make_copy(store, "AB/1", footage_copy.parent / "copy.mp4", store.actor,
                     report=footage_copy.parent / f"report{suffix}")
    claim = read_statement(made.report)
    assert (claim.seq, claim.head_hash) == (seq, head)
    checked = check_claim(store, claim)
    assert checked.problems == []
    assert [row["action"] for row in checked.since] == ["redaction.copy"]  # the record of this very copy
