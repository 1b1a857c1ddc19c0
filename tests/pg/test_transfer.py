"""Moving a case: push a case file with its whole history to a server, pull a server case
into a file that verifies on its own, and the same exports byte for byte from both."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import psycopg
import pytest

from bwv_review.cli import run
from bwv_review.core import evidence, footage_paths
from bwv_review.core.cases import open_case
from bwv_review.core.export import ExportOptions, export_case
from bwv_review.core.model import Annotation
from bwv_review.core.pg.url import parse

from .conftest import REVIEWERS_ROLE

pytestmark = pytest.mark.pg
GENERATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
QUOTES = ["He strangled me.", "Ça va? «Non» — 彼は私の首を絞めた 🙂", "Keep the noise down.\nBoth of you."]


def _fill(store):
    ex = store.exhibit("AB/1")
    anns = []
    for i, (text, cat) in enumerate(zip(QUOTES, ["disclosure", "retraction", "advice"], strict=True)):
        ann = store.add_annotation(Annotation(exhibit_id=ex.id, category_id=store.category(cat).id,
                                              start_ms=200 + 300 * i, end_ms=400 + 300 * i, text=text,
                                              speaker="female" if i < 2 else "PC 1234 Smith"), "Test Reviewer")
        anns.append(store.update_annotation(ann.id, "Test Reviewer", status="verified"))
    gone = store.add_annotation(Annotation(exhibit_id=ex.id, category_id=store.category("other").id, start_ms=5,
                                           text="typo"), "Test Reviewer")
    store.delete_annotation(gone.id, "Test Reviewer")  # its number is never used again, on either engine
    return anns


def test_push_then_pull_keeps_every_entry_and_exports_the_same_bytes(case, pg_server, pg_database, footage_copy):
    _fill(case)
    local_rows = case.audit_rows()
    path = case.path
    case.close()
    owner = pg_server.url(pg_database)
    assert run(["push", str(path), owner, "--reviewers-role", REVIEWERS_ROLE, "--reviewer", "Lead"]) == 0
    footage_paths.set_server_root(parse(owner).key, footage_copy.parent)

    with open_case(pg_server.url(pg_database, "reviewer_a"), actor="Reviewer A") as server:
        rows = server.audit_rows()
        assert [(r["seq"], r["hash"]) for r in rows[:len(local_rows)]] == [(r["seq"], r["hash"]) for r in local_rows]
        assert rows[len(local_rows)]["action"] == "case.push"
        ann = server.add_annotation(Annotation(exhibit_id=1, category_id=server.category("question").id, start_ms=9,
                                               text="Are you hurt?"), "Reviewer A")
        assert ann.id == 5  # 4 was used and deleted in the file: never reused
        assert evidence.verify(server).problems == []

    archive = footage_copy.parent / "pulled.bwvcase"
    assert run(["pull", owner, str(archive)]) == 0
    with open_case(archive, readonly=True) as pulled, open_case(owner, readonly=True) as server:
        assert pulled.audit_rows() == server.audit_rows()
        assert pulled.annotations() == server.annotations()
        assert evidence.verify(pulled).problems == []
        for fmt in ("csv", "json", "html", "docx", "xlsx", "srt", "vtt", "eaf", "pdf"):
            options = ExportOptions(include_drafts=True)
            a = export_case(server, fmt, footage_copy.parent / f"server.{fmt}", options, generated=GENERATED)
            b = export_case(pulled, fmt, footage_copy.parent / f"pulled.{fmt}", options, generated=GENERATED)
            assert [p.read_bytes() for p in a.paths] == [p.read_bytes() for p in b.paths], fmt
        # A new mark in the archive takes the next number the server would have.
        assert pulled.db.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'annotation'").fetchone()[0] == 5


def _edit_behind_the_apps_back(path, text):
    conn = sqlite3.connect(path)
    conn.execute("UPDATE annotation SET text = ? WHERE id = 1", [text])
    conn.commit()
    conn.close()


def test_push_refuses_a_case_that_does_not_verify_or_a_database_in_use(case, pg_server, pg_database, capsys):
    _fill(case)
    path = case.path
    case.close()
    owner = pg_server.url(pg_database)
    _edit_behind_the_apps_back(path, "He tangled me.")
    assert run(["push", str(path), owner, "--reviewer", "Lead"]) == 2
    assert "only a case that verifies is pushed" in capsys.readouterr().err
    with psycopg.connect(owner) as conn:
        assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'bwv'").fetchone() is None
    assert run(["new", owner, "--title", "Other", "--reviewer", "Lead"]) == 0
    _edit_behind_the_apps_back(path, "He strangled me.")
    assert run(["push", str(path), owner, "--reviewer", "Lead"]) == 2
    assert "already holds a case" in capsys.readouterr().err


def test_the_command_line_takes_a_server_case_everywhere(server_case, capsys, monkeypatch):
    owner, as_role = server_case
    url = as_role("reviewer_b")
    monkeypatch.setenv("BWV_REVIEWER", "Reviewer B")
    assert run(["annotate", url, "--exhibit", "AB/1", "--at", "0.4", "--category", "disclosure",
                "--text", "He strangled me.", "--speaker", "female"]) == 0
    first = open_case(url, readonly=True)
    ann = first.annotations()[0]
    first.close()
    assert run(["link", url, str(ann.id), str(ann.id)]) == 2  # refused in one sentence, as for a file
    assert run(["list", url, "--json"]) == 0
    assert '"He strangled me."' in capsys.readouterr().out
    assert run(["verify", url]) == 0
    out = capsys.readouterr().out
    assert "All sound" in out and "Reviewer B as database role reviewer_b, 1 entry" in out
    assert run(["present", url]) == 0
