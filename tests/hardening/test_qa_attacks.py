"""Attacks found by the QA pass (an adversary with sqlite3 and our source, editing a case
file in ways tests/hardening/test_trust_attacks.py does not): each must be reported by
``verify`` in a sentence (exit 1), or refused in one sentence (exit 2), never met by an
"unexpected error"."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

QUOTE = "He strangled me."


def bwv(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bwv_review", *map(str, args)], capture_output=True, text=True,
                          timeout=120, encoding="utf-8")


def edit(path, sql: str) -> None:
    db = sqlite3.connect(path)
    db.execute(sql)
    db.commit()
    db.close()


@pytest.mark.parametrize("after", ["{not json", "[1, 2]", "42"])
def test_an_audit_row_whose_record_is_not_json_is_reported_not_a_crash(quoted, after):
    edit(quoted, f"UPDATE audit SET after = '{after}' WHERE seq = (SELECT max(seq) FROM audit WHERE entity = "
                 "'annotation')")
    r = bwv("verify", quoted)
    assert r.returncode == 1, r.stderr
    assert "unexpected error" not in r.stderr
    assert "holds a record that cannot be read" in r.stdout


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs /proc")
def test_a_redacted_copy_path_planted_in_the_system_files_is_not_read(case):
    # QA: verify re-checks each redacted copy at the path its record names, which may be anywhere
    # (a copy can be written anywhere); a record naming a system file (/proc/kcore at its
    # reported size, say) was read as a copy.
    import hashlib

    from bwv_review.core.redact import records

    inside = case.folder / "AB-1 redacted.mp4"
    inside.write_bytes(b"a redacted copy")
    ex = case.exhibit("AB/1")
    records.record_copy(case, {"exhibit_id": ex.id, "path": inside.name, "sha256": hashlib.sha256(
        inside.read_bytes()).hexdigest(), "size": inside.stat().st_size, "source_sha256": ex.sha256,
        "redactions": "[]"}, "Test Reviewer")
    path = case.path
    case.close()
    edit(path, "UPDATE redacted_copy SET path = '/proc/self/status', size = 0")  # /proc reports size 0
    r = bwv("verify", path)
    assert r.returncode == 1, r.stderr
    assert "Redacted copy 1 was not checked: its recorded path leads to the system file" in r.stdout, r.stdout
    assert "has changed since it was made" not in r.stdout  # it was never read


def _rewrite_schema(path, name: str, old: str, new: str) -> None:
    db = sqlite3.connect(path)
    sql, version = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()[0], \
        db.execute("PRAGMA schema_version").fetchone()[0]
    assert old in sql
    db.execute("PRAGMA writable_schema = ON")
    db.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", [sql.replace(old, new), name])
    db.execute(f"PRAGMA schema_version = {version + 1}")
    db.commit()
    db.close()


def test_a_column_changed_with_a_no_break_space_is_refused(quoted):
    # QA: the schema check split tokens on Python's \s, which takes U+00A0; SQLite reads it as the
    # start of a name. After a quoted name, '"id"<nbsp>INTEGER PRIMARY KEY' looked like ours to the
    # check, but SQLite reads the type as '<nbsp>INTEGER', so id is no longer the row's key (the
    # case's id reads as NULL) and the file passed as a case bwv-review made.
    _rewrite_schema(quoted, "case_info", '"id" INTEGER PRIMARY KEY', '"id"\u00a0INTEGER PRIMARY KEY')
    db = sqlite3.connect(quoted)
    assert db.execute("SELECT type FROM pragma_table_info('case_info') WHERE name = 'id'").fetchone() == (
        "\u00a0INTEGER",)
    db.close()
    r = bwv("list", quoted)
    assert r.returncode == 2 and "table 'case_info' whose definition differs" in r.stderr


def test_a_second_table_named_like_one_of_ours_is_refused(quoted):
    # QA: names were compared with casefold(), which folds a long s to s (SQLite folds ASCII only):
    # a twin table named 'audit_<long s>eal' hid behind the real audit_seal in the comparison.
    db = sqlite3.connect(quoted)
    ours = db.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_seal'").fetchone()[0]
    db.execute(ours.replace("audit_seal", "audit_\u017feal", 1))  # long s: casefolds to 'audit_seal'
    db.commit()
    db.close()
    r = bwv("list", quoted)
    assert r.returncode == 2 and "audit_\u017feal" in r.stderr


@pytest.mark.parametrize(("change", "named"), [
    ("UPDATE annotation SET start_ms = 'soon'", "(start_ms)"),
    ("UPDATE annotation SET end_ms = x'00'", "(end_ms)"),
    ("UPDATE annotation SET text = CAST(text AS BLOB)", "(text)"),
    ("UPDATE annotation SET category_id = 99", "(category_id)"),
    ("UPDATE annotation SET exhibit_id = 99", "(exhibit_id)"),
    ("UPDATE exhibit SET recording_start = 'not a date'", "(recording_start)"),
    ("UPDATE case_info SET timezone = 'Mars/Olympus'", "(timezone)"),
])
def test_a_record_no_app_writes_is_refused_by_readers_in_a_sentence(quoted, tmp_path, change, named):
    # QA: list and export met a time stored as text, a mark on no category or exhibit, or a start
    # or time zone that is not one, with "unexpected error (TypeError ...)", or with a sentence
    # blaming the user's typing ("Start 'not a date' is not an ISO 8601 date ...").
    edit(quoted, change)
    assert bwv("verify", quoted).returncode == 1
    for command in (["list", quoted], ["list", quoted, "--json"], ["export", quoted, "-o", tmp_path / "x.csv"],
                    ["export", quoted, "-o", tmp_path / "x.json"]):
        r = bwv(*command)
        assert r.returncode == 2, r.stderr
        assert "cannot be read as bwv-review wrote it" in r.stderr and named in r.stderr, r.stderr
        assert r.stderr.count("\n") == 1


def test_a_signed_case_made_to_look_unsigned_is_not_upgraded_by_the_computer_that_signed_it(quoted):
    # QA: take the signatures out of a signed case, set it back to format 4, change a quote and
    # recompute the chain: `bwv-review upgrade` (or the window's offer to upgrade) signed the
    # forgery with the reviewer's own key, after which any other computer's verify said "All sound".
    import hashlib

    attack = Path(__file__).parent / "attacks" / "downgrade.py"
    r = subprocess.run([sys.executable, str(attack), str(quoted), "strangled", "tangled"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    before = hashlib.sha256(quoted.read_bytes()).hexdigest()
    r = bwv("upgrade", quoted)
    assert r.returncode == 2, r.stdout
    assert "yet this computer signed this case before" in r.stderr and r.stderr.count("\n") == 1
    assert hashlib.sha256(quoted.read_bytes()).hexdigest() == before
    assert not quoted.with_name(quoted.name + ".format4.bak").exists()
    r = bwv("annotate", quoted, "--exhibit", "AB/1", "--at", "1", "--category", "disclosure", "--text", "x",
            "--reviewer", "Test Reviewer")  # any change would upgrade it first
    assert r.returncode == 2 and "yet this computer signed this case before" in r.stderr


def test_verify_says_which_entries_were_signed_only_at_an_upgrade(tmp_path):
    import shutil

    old = tmp_path / "format4.bwvcase"
    for name in ("format4.bwvcase", "realshort.mp4"):
        shutil.copy(Path(__file__).parents[1] / "data" / name, tmp_path / name)
    assert bwv("upgrade", old, "--reviewer", "Jo Bloggs").returncode == 0
    r = bwv("verify", old)
    assert "were written in an earlier, unsigned case format: they are vouched for only as they stood when " \
           "Jo Bloggs upgraded the case on " in r.stdout, r.stdout + r.stderr
