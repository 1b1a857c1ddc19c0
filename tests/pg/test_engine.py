"""A case on a real PostgreSQL server: the same store, audit chain, seals and verify as a
file; the server's role recorded and not typeable; the schema check; conflicting saves."""

from __future__ import annotations

import psycopg
import pytest

from bwv_review.core import evidence
from bwv_review.core.cases import open_case
from bwv_review.core.conflicts import ConflictError
from bwv_review.core.errors import CaseFileError, ReviewError
from bwv_review.core.model import Annotation
from bwv_review.core.pg.url import parse

pytestmark = pytest.mark.pg


def _mark(store, text, who="Reviewer A"):
    ex = store.exhibit("AB/1")
    cat = store.category("disclosure")
    return store.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=1200, text=text,
                                           speaker="female"), who)


def test_a_server_case_works_and_verifies_like_a_file(server_case):
    owner, as_role = server_case
    with open_case(as_role("reviewer_a"), actor="Reviewer A") as store:
        ann = _mark(store, "He strangled me.")
        store.update_annotation(ann.id, "Reviewer A", status="verified")
        assert store.exhibit("ab/1").ref == "AB/1"  # case-insensitive, as in a file
        assert store.speakers() == ["female"]
        result = evidence.verify(store)
        assert result.problems == [], [str(p) for p in result.problems]
        assert [c.status for c in result.footage] == ["verified"]
        rows = store.audit_rows()
        assert rows[-1]["db_role"] == "reviewer_a" and rows[-1]["actor"] == "Reviewer A"
        assert {r["db_role"] for r in rows if r["action"] == "exhibit.add"} == {parse(owner).user}


def test_the_role_is_the_servers_not_typed(server_case):
    """A reviewer cannot write an audit entry under another role: the column is not theirs to
    write, and an entry whose hash claims another role breaks the chain."""
    _owner, as_role = server_case
    with open_case(as_role("reviewer_a"), actor="Reviewer B") as store:  # a name typed, not the role
        _mark(store, "words", who="Reviewer B")
        assert store.audit_rows()[-1]["db_role"] == "reviewer_a"
        seq, head = store.audit_head()
    raw = psycopg.connect(as_role("reviewer_a"), autocommit=True)
    with raw, pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw.execute("INSERT INTO bwv.audit (seq, at, actor, action, detail, prev_hash, hash, db_role) "
                    "VALUES (%s, 'now', 'x', 'x', '', %s, 'x', 'reviewer_b')", [seq + 1, head])
    with psycopg.connect(as_role("reviewer_a"), autocommit=True) as raw:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw.execute("UPDATE bwv.audit SET actor = 'someone else' WHERE seq = %s", [seq])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw.execute("DELETE FROM bwv.audit WHERE seq = %s", [seq])


def test_a_second_save_of_the_same_mark_is_refused_naming_the_first(server_case):
    _owner, as_role = server_case
    a = open_case(as_role("reviewer_a"), actor="Reviewer A")
    b = open_case(as_role("reviewer_b"), actor="Reviewer B")
    try:
        ann = _mark(a, "He strangled me.")
        seen_by_b = b.annotation(ann.id)
        a.update_annotation(ann.id, "Reviewer A", expected=a.annotation(ann.id), text="He strangled me!")
        with pytest.raises(ConflictError) as err:
            b.update_annotation(ann.id, "Reviewer B", expected=seen_by_b, text="He tangled me.")
        message = str(err.value)
        assert "Reviewer A (database role reviewer_a)" in message
        assert "'He strangled me.' -> 'He strangled me!'" in message and "not saved" in message
        assert b.annotation(ann.id).text == "He strangled me!"
        # Deleted meanwhile: refused too.
        fresh = b.annotation(ann.id)
        a.delete_annotation(ann.id, "Reviewer A")
        with pytest.raises(ConflictError, match="was deleted by Reviewer A"):
            b.update_annotation(ann.id, "Reviewer B", expected=fresh, status="verified")
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("plant, named", [
    ("CREATE FUNCTION bwv.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.text := 'x'; RETURN NEW; END $$;"
     "CREATE TRIGGER rewrite BEFORE INSERT ON bwv.annotation FOR EACH ROW EXECUTE FUNCTION bwv.f()", "trigger"),
    ("CREATE FUNCTION public.g() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
     "CREATE TRIGGER t BEFORE UPDATE ON bwv.annotation FOR EACH ROW EXECUTE FUNCTION public.g()", "trigger"),
    ("CREATE RULE r AS ON INSERT TO bwv.annotation DO ALSO NOTHING", "rule"),
    ("ALTER TABLE bwv.annotation ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON bwv.annotation USING (true)", "row-level security on/forced: true/false"),
    ("CREATE VIEW bwv.v AS SELECT 1", "view 'v'"),
    ("ALTER TABLE bwv.annotation ADD COLUMN extra text", "column annotation.extra"),
    ("ALTER TABLE bwv.annotation ALTER COLUMN text SET DEFAULT 'planted'", "column annotation.text"),
    ("ALTER TABLE bwv.annotation ADD CONSTRAINT c CHECK (length(text) < 1000)", "constraint"),
    ("CREATE INDEX x ON bwv.annotation (lower(text))", "index"),
    ("CREATE FUNCTION bwv.lower(text) RETURNS text LANGUAGE sql AS 'SELECT $1'", "function"),
])
def test_anything_planted_is_refused_on_open(server_case, pg_server, plant, named):
    owner, as_role = server_case
    with pg_server.admin() as admin, psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(plant)
        del admin
    with pytest.raises(CaseFileError) as err:
        open_case(as_role("reviewer_a"), actor="Reviewer A")
    assert named in str(err.value) and "not a case as bwv-review made it" in str(err.value)


def test_a_trigger_planted_while_a_reviewer_works_refuses_their_next_change(server_case):
    owner, as_role = server_case
    with open_case(as_role("reviewer_a"), actor="Reviewer A") as store:
        _mark(store, "before")
        with psycopg.connect(owner, autocommit=True) as conn:
            conn.execute("CREATE FUNCTION bwv.f() RETURNS trigger LANGUAGE plpgsql AS "
                         "$$ BEGIN NEW.text := 'rewritten'; RETURN NEW; END $$")
            conn.execute("CREATE TRIGGER rw BEFORE INSERT ON bwv.annotation FOR EACH ROW EXECUTE FUNCTION bwv.f()")
        with pytest.raises(CaseFileError, match="trigger"):
            _mark(store, "after")
        assert [a.text for a in store.annotations()] == ["before"]


def test_addresses_with_passwords_or_unknown_settings_are_refused(pg_server):
    for bad, why in [("postgresql://u:secret@localhost/db", "password"),
                     ("postgresql://u@localhost/db?password=secret", "password"),
                     ("postgresql://u@localhost/db?options=-csearch_path%3Devil", "options"),
                     ("postgresql://u@localhost/", "names no database")]:
        with pytest.raises(ReviewError, match=why):
            open_case(bad)


def test_a_database_without_a_case_or_an_unreachable_server_says_so(pg_server, pg_database):
    with pytest.raises(CaseFileError, match="holds no bwv-review case"):
        open_case(pg_server.url(pg_database))
    with pytest.raises(CaseFileError, match="no database 'nope'"):
        open_case(pg_server.url("nope"))
    with pytest.raises(CaseFileError, match="not reachable"):
        open_case("postgresql://nobody@%2Fnonexistent-folder:5999/db")


def test_a_nul_character_is_refused_in_one_sentence(server_case):
    _owner, as_role = server_case
    with open_case(as_role("reviewer_a"), actor="Reviewer A") as store:
        with pytest.raises(ReviewError, match="NUL character"):
            _mark(store, "a\x00b")
        assert store.annotations() == []
        assert evidence.check_integrity(store).problems == []


def test_read_only_opens_cannot_write(server_case):
    _owner, as_role = server_case
    with open_case(as_role("reviewer_a"), readonly=True) as store:
        with pytest.raises(CaseFileError, match="read-only"):
            _mark(store, "x")


def test_a_role_that_is_not_a_reviewer_sees_nothing_and_cannot_take_the_write_lock(server_case, pg_server):
    _owner, as_role = server_case
    with pg_server.admin() as admin:
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'outsider'").fetchone():
            admin.execute("CREATE ROLE outsider LOGIN")
    with pytest.raises(CaseFileError, match="may not"):
        open_case(as_role("outsider"))
    with psycopg.connect(as_role("outsider"), autocommit=True) as raw:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw.execute("SELECT seq FROM bwv.audit_head WHERE id = 1 FOR UPDATE")


def test_an_operation_of_several_writes_commits_whole_or_not_at_all(server_case):
    """Linking writes each member in one transaction; a failure part-way leaves nothing."""
    from bwv_review.core import operations

    _owner, as_role = server_case
    with open_case(as_role("reviewer_a"), actor="Reviewer A") as store:
        a = _mark(store, "one")
        b = _mark(store, "two")
        head = store.audit_head()
        with pytest.raises(ReviewError):
            with store.transaction():
                store.update_annotation(a.id, "Reviewer A", text="one, changed")
                store.update_annotation(b.id, "Reviewer A", text="two, changed")
                raise ReviewError("stop part-way")
        assert store.audit_head() == head
        assert [m.text for m in store.annotations()] == ["one", "two"]
        change = operations.edit_annotation(store, a.id, "Reviewer A", {"text": "one, edited"})
        assert change.number == head[0] + 1 and store.annotation(a.id).text == "one, edited"


def test_a_bulk_import_goes_into_a_server_case_whole(server_case, tmp_path):
    """The bulk import (one executemany for the marks, one for their audit entries) on the
    server: every row in, links restored, each entry carrying the role, the case verifies,
    and a file that fails part-way adds nothing."""
    from bwv_review.core import audit, operations

    _owner, as_role = server_case
    rows = ["File time start,Category,Speaker,Text,Event"]
    rows += [f"00:00:00.{i:03d},disclosure,female,line {i},{'7' if i < 2 else ''}" for i in range(300)]
    path = tmp_path / "log.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with open_case(as_role("reviewer_b"), actor="Reviewer B") as store:
        change, result = operations.import_annotations(store, path, "AB/1", "Reviewer B")
        assert len(result.added) == 300 == len(change.rows) and result.links == [[a.id for a in result.added[:2]]]
        assert sorted(a.text for a in store.annotations()) == sorted(f"line {i}" for i in range(300))
        entries = store.audit_rows()[-300:]
        assert {(r["action"], r["db_role"], r["actor"]) for r in entries} == {
            ("annotation.import", "reviewer_b", "Reviewer B")}
        assert audit.check_chain(store.db) == [] and audit.check_records(store.db) == []
        assert evidence.verify(store).problems == []
        head = store.audit_head()
        bad = tmp_path / "bad.csv"
        bad.write_text("File time start,Category,Text\n00:00:00.100,disclosure,fine\n00:00:09.000,disclosure,too late\n",
                       encoding="utf-8")
        with pytest.raises(ReviewError, match="past the end"):
            operations.import_annotations(store, bad, "AB/1", "Reviewer B")
        assert store.audit_head() == head and len(store.annotations()) == 300
