"""The attacks on a case file in tests/hardening/attacks/, each run in its own process as an
adversary would, then met by bwv-review: refused or reported, nothing changed, nothing hung.
"""

import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bwv_review.core.errors import CaseFileError
from bwv_review.core.model import Annotation
from bwv_review.core.store import CaseStore

ATTACKS = Path(__file__).parent / "attacks"
DATA = Path(__file__).parents[1] / "data"
QUOTE = "He strangled me."


def attack(script: str, *args) -> None:
    r = subprocess.run([sys.executable, str(ATTACKS / script), *map(str, args)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr


def bwv(*args, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bwv_review", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, encoding="utf-8")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_of(folder: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


# -- a case file is only what the app made ----------------------------------------------------

def test_planted_trigger_is_refused_before_it_can_run(quoted):
    attack("plant_trigger.py", quoted)
    before = files_of(quoted.parent)
    for readonly in (False, True):
        with pytest.raises(CaseFileError, match="trigger 'soften'"):
            CaseStore.open(quoted, readonly=readonly)
    r = bwv("annotate", quoted, "--exhibit", "AB/1", "--at", "1", "--category", "disclosure", "--text", QUOTE)
    assert r.returncode == 2 and "trigger 'soften'" in r.stderr and "has not been changed" in r.stderr
    assert r.stderr.count("\n") == 1  # one sentence, no traceback
    for command in (["list", quoted], ["verify", quoted], ["export", quoted, "-f", "csv", "-o", quoted.parent / "x.csv"]):
        r = bwv(*command)
        assert r.returncode == 2 and "trigger 'soften'" in r.stderr
    assert files_of(quoted.parent) == before  # nothing written, not even an export


@pytest.mark.parametrize(("kind", "named"), [
    ("view", "view 'annotation_view'"),
    ("table", "table 'notes_from_someone'"),
    ("index", "index 'annotation_lower'"),
    ("column", "table 'annotation' whose definition differs"),
    ("default", "table 'annotation' whose definition differs"),
    ("audit-trigger", "trigger 'keep_quiet'"),
])
def test_anything_else_in_the_schema_is_refused_and_named(quoted, kind, named):
    attack("plant_schema.py", quoted, kind)
    before = files_of(quoted.parent)
    r = bwv("list", quoted)
    assert r.returncode == 2 and named in r.stderr, r.stderr
    with pytest.raises(CaseFileError, match=named.replace("(", r"\(")):
        CaseStore.open(quoted)
    assert files_of(quoted.parent) == before


def test_trigger_planted_while_the_case_is_open_stops_the_next_change(quoted):
    store = CaseStore.open(quoted)
    ex, cat = store.exhibit("AB/1"), store.category("disclosure")
    attack("plant_trigger.py", quoted)
    head = store.audit_head()
    with pytest.raises(CaseFileError, match="trigger 'soften'"):
        store.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=1, text=QUOTE), "Test Reviewer")
    assert store.audit_head() == head and [a.text for a in store.annotations()] == [QUOTE]
    store.close()


@pytest.fixture
def old_case(tmp_path):
    """A case written by case format 4 (tests/data/format4.bwvcase) beside its footage."""
    folder = tmp_path / "old"
    folder.mkdir()
    shutil.copy(DATA / "format4.bwvcase", folder / "format4.bwvcase")
    shutil.copy(DATA / "realshort.mp4", folder / "realshort.mp4")
    return folder / "format4.bwvcase"


def test_read_only_commands_on_an_older_format_never_write_it(old_case):
    before = files_of(old_case.parent)
    r = bwv("list", old_case)
    assert r.returncode == 0 and "He strangled me." in r.stdout
    r = bwv("verify", old_case)
    assert r.returncode == 1 and "older format (4)" in r.stdout and "bwv-review upgrade" in r.stdout
    r = bwv("export", old_case, "-f", "json", "-o", old_case.parent.parent / "old.json")
    assert r.returncode == 0
    assert files_of(old_case.parent) == before
    assert not list(old_case.parent.glob("*.bak"))


def test_trigger_in_an_older_format_file_is_refused_by_a_read_only_list(old_case):
    attack("plant_trigger.py", old_case)
    before = files_of(old_case.parent)
    r = bwv("list", old_case)
    assert r.returncode == 2 and "trigger 'soften'" in r.stderr
    assert files_of(old_case.parent) == before


def test_upgrading_an_older_format_signs_what_was_there(old_case):
    r = bwv("upgrade", old_case, "--reviewer", "J Bloggs")
    assert r.returncode == 0, r.stderr
    assert (old_case.parent / "format4.bwvcase.format4.bak").exists()
    r = bwv("verify", old_case)
    assert r.returncode == 0, r.stdout
    assert "Signing key: J Bloggs ed25519:" in r.stdout


# -- signed audit ----------------------------------------------------------------------------

def test_recomputed_chain_is_reported_and_never_exported_as_verified(quoted, tmp_path):
    attack("recompute_chain.py", quoted, "strangled", "tangled")
    r = bwv("verify", quoted)
    assert r.returncode == 1
    assert "not covered by a valid signature" in r.stdout and "rewritten after they were signed" in r.stdout
    out = tmp_path / "exports"
    out.mkdir()
    for fmt in ("docx", "html", "csv", "json", "srt", "vtt", "eaf", "xlsx", "pdf"):
        r = bwv("export", quoted, "-f", fmt, "-o", out / f"s.{fmt}")
        assert r.returncode == 0 and "not covered by a valid signature" in r.stderr, (fmt, r.stderr)
    html = (out / "s.html").read_text("utf-8")
    assert html.index("FAILED VERIFICATION") < html.index("He tangled me.") and "UNTRUSTED" in html
    csv_text = (out / "s.csv").read_text("utf-8-sig")
    assert csv_text.startswith('"VERIFICATION FAILED"')
    table = list(csv.DictReader(io.StringIO(csv_text[csv_text.index('"Exhibit","File time start"'):])))
    assert [(r["Text"], r["Status"]) for r in table] == [("He tangled me.", "UNTRUSTED (recorded as verified)")]
    json_text = (out / "s.json").read_text("utf-8")
    assert json_text.lstrip("{\n ").startswith('"verification"') and '"trusted": false' in json_text
    assert "FAILED VERIFICATION" in (out / "s.srt").read_text("utf-8").split("\n\n")[0]


def test_a_key_of_ones_own_is_caught_by_the_statement_and_by_the_reviewers_computer(quoted, tmp_path):
    statement = tmp_path / "statement.docx"
    assert bwv("export", quoted, "-f", "docx", "-o", statement).returncode == 0
    attack("forge_key.py", quoted, "strangled", "tangled", "Test Reviewer")
    r = bwv("verify", quoted)
    # The file alone now looks signed; this computer knows it signed a different entry.
    assert r.returncode == 1 and "This computer signed audit entry" in r.stdout, r.stdout
    r = bwv("verify", quoted, "--statement", statement)
    assert r.returncode == 1 and "no longer holds the state the statement was made from" in r.stdout


def test_a_forged_key_on_another_computer_is_caught_by_the_statement(quoted, tmp_path, monkeypatch):
    statement = tmp_path / "statement.pdf"
    assert bwv("export", quoted, "-f", "pdf", "-o", statement).returncode == 0
    attack("forge_key.py", quoted, "strangled", "tangled", "Test Reviewer")
    monkeypatch.setenv("BWV_REVIEW_HOME", str(tmp_path / "someone-else"))
    r = bwv("verify", quoted)
    assert r.returncode == 0 and r.stdout.count("Signing key: Test Reviewer ed25519:") == 2  # two keys, one name
    r = bwv("verify", quoted, "--statement", statement)
    assert r.returncode == 1 and "no longer holds the state" in r.stdout


@pytest.mark.parametrize("what", ["seal", "key"])
def test_forged_seal_or_swapped_key_is_reported(quoted, what):
    attack("forge_seal.py", quoted, what)
    r = bwv("verify", quoted)
    assert r.returncode == 1
    assert ("not a valid signature" if what == "seal" else "does not match its fingerprint") in r.stdout


def test_roll_back_is_caught_by_a_statement_and_by_the_head(quoted, tmp_path, monkeypatch):
    store = CaseStore.open(quoted)
    ex, cat = store.exhibit("AB/1"), store.category("retraction")
    store.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=900, text="Nothing happened.",
                                    status="verified"), "Test Reviewer")
    store.close()
    statement = tmp_path / "statement.html"
    r = bwv("export", quoted, "-f", "html", "-o", statement)
    head = r.stdout.split("audit head ")[1].strip()
    attack("roll_back.py", quoted)
    for args in (["--statement", statement], ["--head", head]):
        r = bwv("verify", quoted, *args)
        assert r.returncode == 1 and "rolled back" in r.stdout, r.stdout
    monkeypatch.setenv("BWV_REVIEW_HOME", str(tmp_path / "another-computer"))
    r = bwv("verify", quoted)
    assert r.returncode == 0  # every entry left is validly signed: only a statement can tell
    assert bwv("verify", quoted, "--statement", statement).returncode == 1


def test_rolling_back_by_putting_an_older_copy_in_place(quoted, tmp_path):
    older = tmp_path / "older.bwvcase"
    shutil.copy(quoted, older)
    store = CaseStore.open(quoted)
    store.update_annotation(store.annotations()[0].id, "Test Reviewer", status="disputed")
    store.close()
    statement = tmp_path / "s.json"
    assert bwv("export", quoted, "-f", "json", "-o", statement).returncode == 0
    shutil.copy(older, quoted)
    r = bwv("verify", quoted, "--statement", statement)
    assert r.returncode == 1 and "rolled back" in r.stdout


# -- footage paths -----------------------------------------------------------------------------

def _verify_quickly(case_path: Path) -> subprocess.CompletedProcess:
    started = time.monotonic()
    r = bwv("verify", case_path, timeout=5)
    assert time.monotonic() - started < 5
    return r


@pytest.mark.parametrize(("stored", "says"), [
    ("/proc/self/pagemap", "system file"),
    ("/dev/zero", "system file"),
    ("../../../../../../../../etc/passwd", "outside the case folder"),
    ("../../outside.mp4", "outside the case folder"),
    ("C:\\Windows\\System32\\config\\SAM", "outside the case folder"),
])
def test_crafted_footage_paths_are_refused_without_reading(quoted, stored, says, tmp_path):
    (tmp_path / "outside.mp4").write_bytes(b"x" * 10)
    attack("crafted_path.py", quoted, stored, 1 << 38)  # 256 GiB: the size check alone would not stop it
    r = _verify_quickly(quoted)
    assert r.returncode == 1 and "was not checked" in r.stdout and says in r.stdout, r.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_in_the_case_folder_is_refused_without_blocking(quoted):
    os.mkfifo(quoted.parent / "pipe.mp4")
    attack("crafted_path.py", quoted, "pipe.mp4")
    r = _verify_quickly(quoted)
    assert r.returncode == 1 and "FIFO" in r.stdout
    for command in (["add", quoted, quoted.parent / "pipe.mp4", "--exhibit", "ZZ/9"],
                    ["info", quoted.parent / "pipe.mp4"], ["still", quoted.parent / "pipe.mp4", "--at", "0", "-o",
                                                          quoted.parent / "x.png"]):
        r = bwv(*command, timeout=5)
        assert r.returncode == 2 and "FIFO" in r.stderr, r.stderr


@pytest.mark.skipif(os.name != "posix", reason="symbolic links and /proc are POSIX")
def test_symlink_out_of_the_case_folder_is_refused(quoted):
    (quoted.parent / "link.mp4").symlink_to("/proc/self/environ")
    attack("crafted_path.py", quoted, "link.mp4")
    r = _verify_quickly(quoted)
    assert r.returncode == 1 and "system file" in r.stdout


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_a_device_as_footage_is_refused_on_add(quoted):
    r = bwv("add", quoted, "/dev/null", "--exhibit", "ZZ/9", timeout=5)
    assert r.returncode == 2 and "system file" in r.stderr


def test_one_quote_edited_in_the_table_is_the_one_marked_untrusted(quoted, tmp_path):
    import json
    import sqlite3

    store = CaseStore.open(quoted)
    ex, cat = store.exhibit("AB/1"), store.category("retraction")
    store.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=900, text="Nothing happened.",
                                    status="verified"), "Test Reviewer")
    store.close()
    db = sqlite3.connect(quoted)
    db.execute("UPDATE annotation SET text = 'He tangled me.' WHERE text = ?", (QUOTE,))
    db.commit()
    db.close()
    r = bwv("export", quoted, "-f", "json", "-o", tmp_path / "s.json")
    assert r.returncode == 0 and "changed outside the app (text)" in r.stderr
    data = json.loads((tmp_path / "s.json").read_text("utf-8"))
    assert data["verification"]["sound"] is False
    assert [(a["text"], a["trusted"], a["status"]) for a in data["annotations"]] == [
        ("He tangled me.", False, "UNTRUSTED (recorded as verified)"),
        ("Nothing happened.", True, "verified"),
    ]
