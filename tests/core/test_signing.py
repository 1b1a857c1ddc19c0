"""Signed audit: every write transaction sealed, keys listed, older cases sealed on upgrade,
statements matched against the case they came from."""

import hashlib
import os
import shutil
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from bwv_review.core import keys, schema, seals, statements
from bwv_review.core.errors import CaseFileError, ReviewError
from bwv_review.core.evidence import check_integrity, verify_case
from bwv_review.core.export import export_case
from bwv_review.core.model import Annotation
from bwv_review.core.store import CaseStore

DATA = Path(__file__).parents[1] / "data"


def _ann(store, text="He strangled me.", start_ms=400, **kw):
    ex, cat = store.exhibit("AB/1"), store.category("disclosure")
    return Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=start_ms, text=text, **kw)


def test_every_write_transaction_is_sealed_once(case):
    before = case.db.execute("SELECT count(*) FROM audit_seal").fetchone()[0]
    case.add_annotation(_ann(case), "Test Reviewer")
    many = [_ann(case, f"line {i}", i) for i in range(1000)]
    case.add_annotations(many, "Test Reviewer")  # 1000 audit entries, one transaction
    rows = case.db.execute("SELECT first_seq, last_seq FROM audit_seal ORDER BY id").fetchall()
    assert len(rows) == before + 2
    assert rows[-1][1] - rows[-1][0] == 999
    assert [b[0] for b in rows[1:]] == [a[1] + 1 for a in rows[:-1]]  # contiguous, from entry 1
    assert rows[0][0] == 1
    sealed = seals.check(case.db)
    assert sealed.problems == [] and sealed.covered_until == sealed.rows == case.audit_head()[0]
    assert verify_case(case) == []


def test_the_case_lists_this_computers_key_under_the_reviewer(case):
    key = keys.load()
    assert seals.signing_keys(case.db) == [("Test Reviewer", key.fingerprint)]
    listing = [r for r in case.audit_rows() if r["action"] == "signer.add"]
    assert len(listing) == 1 and keys.shown(key.fingerprint) in listing[0]["detail"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_private_key_is_readable_by_its_owner_only(case):
    mode = stat.S_IMODE(keys.key_path().stat().st_mode)
    assert mode == 0o600


def test_a_damaged_key_saves_nothing(case):
    keys.key_path().write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    path = case.path
    case.close()
    store = CaseStore.open(path)
    head = store.audit_head()
    with pytest.raises(CaseFileError, match="signing key .* is damaged"):
        store.add_annotation(_ann(store), "Test Reviewer")
    assert store.audit_head() == head and store.annotations() == []
    store.close()


def test_a_second_computer_adds_its_key_and_both_verify(case, tmp_path, monkeypatch):
    path = case.path
    case.close()
    monkeypatch.setenv("BWV_REVIEW_HOME", str(tmp_path / "second-desktop"))
    with CaseStore.open(path, actor="Second Reviewer") as store:
        store.add_annotation(_ann(store), "Second Reviewer")
        names = [n for n, _ in seals.signing_keys(store.db)]
        assert names == ["Test Reviewer", "Second Reviewer"]
        assert verify_case(store) == []


def test_open_and_close_write_nothing(case):
    path = case.path
    case.add_annotation(_ann(case), "Test Reviewer")
    case.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    case.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    for readonly in (True, False):
        with CaseStore.open(path, readonly=readonly) as store:
            store.annotations()
            check_integrity(store)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.fixture
def format4(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy(DATA / "format4.bwvcase", folder)
    shutil.copy(DATA / "realshort.mp4", folder)
    return folder / "format4.bwvcase"


def test_an_older_case_read_only_is_upgraded_in_memory_only(format4):
    before = format4.read_bytes()
    with CaseStore.open(format4, readonly=True) as store:
        assert store.format_version == 4 and store.needs_upgrade and store.readonly
        assert [a.text for a in store.annotations()] == ["He strangled me.", "Nothing happened."]
        problems = verify_case(store)
        assert [p.kind for p in problems] == ["format"]
    with CaseStore.open(format4, upgrade=False) as store:  # the window's way: look first, upgrade on request
        assert store.readonly and store.needs_upgrade
    assert format4.read_bytes() == before


def test_upgrading_seals_every_earlier_entry(format4):
    with CaseStore.open(format4, actor="J Bloggs") as store:
        assert store.format_version == schema.VERSION and not store.needs_upgrade
        first = store.db.execute("SELECT first_seq, last_seq FROM audit_seal ORDER BY id LIMIT 1").fetchone()
        migrate = [r["seq"] for r in store.audit_rows() if r["detail"] == "case format 4 -> 5"]
        assert first == (1, migrate[0] + 1)  # its own entry, and the key's listing, sealed with all before
        assert verify_case(store) == []
        store.add_annotation(Annotation(exhibit_id=1, category_id=1, start_ms=10, text="after"), "J Bloggs")
        assert verify_case(store) == []
    assert (format4.parent / "format4.bwvcase.format4.bak").exists()


def test_the_expected_schema_comes_from_the_steps(case):
    made = {(t, n) for t, n, _, _ in case.db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")}
    assert made == {(t, n) for t, n, _, _ in schema.expected_schema(schema.VERSION)}
    assert {"audit_seal", "signer"} <= {n for _, n in made}
    conn = sqlite3.connect(f"file:{DATA / 'format4.bwvcase'}?mode=ro&immutable=1", uri=True)
    from bwv_review.core.casefile import schema_difference

    assert schema_difference(conn, 4) is None  # a real format-4 file matches the steps' format 4
    assert schema_difference(conn, 3) is not None
    conn.close()


def test_schema_text_compares_token_by_token():
    from bwv_review.core.casefile import normalise_sql

    a = 'CREATE TABLE "x" (\n   "id" INTEGER PRIMARY KEY, [t] TEXT DEFAULT \'A\' -- note\n)'
    assert normalise_sql(a) == normalise_sql("create table x (id integer primary key, `t` text default 'A')")
    assert normalise_sql(a) != normalise_sql("create table x (id integer primary key, t text default 'a')")
    assert normalise_sql(a) != normalise_sql("create table x (id integer primary key, t text default 'A', u)")


# -- statements ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf", "html", "csv", "xlsx", "json", "vtt", "eaf"])
def test_every_export_states_its_head_and_keys(case, tmp_path, fmt):
    """(SRT shows everything it holds on screen, so it holds no head: see subtitles.py.)"""
    case.add_annotation(_ann(case, status="verified"), "Test Reviewer")
    out = export_case(case, fmt, tmp_path / f"s.{fmt}").paths[0]
    claim = statements.read_statement(out)
    assert (claim.seq, claim.head_hash) == case.audit_head()
    if fmt not in ("csv",):  # a log row carries the head; the keys are on its summary in xlsx
        assert claim.fingerprints == {keys.load().fingerprint}
    check = statements.check_claim(case, claim, seals.check(case.db).covered_until)
    assert check.problems == [] and check.since == []
    case.add_annotation(_ann(case, "later", 900), "Test Reviewer")
    since = statements.check_claim(case, claim).since
    assert [r["action"] for r in since] == ["annotation.add"]


def test_a_pdf_statement_is_read_without_a_pdf_reader(case, tmp_path, monkeypatch):
    """pypdf is a test-only dependency: the head and keys must be readable from the PDF's bytes."""
    monkeypatch.setitem(sys.modules, "pypdf", None)  # `import pypdf` now fails, as in the app
    case.add_annotation(_ann(case, status="verified"), "Test Reviewer")
    out = export_case(case, "pdf", tmp_path / "s.pdf").paths[0]
    claim = statements.read_statement(out)
    assert (claim.seq, claim.head_hash) == case.audit_head()
    assert claim.fingerprints == {keys.load().fingerprint}


def test_a_statement_quoting_two_heads_is_refused(case, tmp_path):
    bogus = f"audit head 3:{'a' * 64}"
    case.add_annotation(_ann(case, bogus, status="verified"), "Test Reviewer")
    out = export_case(case, "html", tmp_path / "s.html").paths[0]
    with pytest.raises(ReviewError, match="more than one audit head"):
        statements.read_statement(out)


@pytest.mark.parametrize("text", ["21:" + "A" * 64, "audit head 21:" + "b" * 64, "  7:" + "0" * 64 + " "])
def test_heads_typed_by_hand(text):
    seq, head = statements.parse_head(text)
    assert seq in (7, 21) and len(head) == 64 and head == head.lower()


@pytest.mark.parametrize("text", ["21", "21:abc", "x:" + "a" * 64, "-1:" + "a" * 64])
def test_bad_heads_are_refused(text):
    with pytest.raises(ReviewError, match="not an audit head"):
        statements.parse_head(text)
