"""Attacks found by the QA pass (an adversary with sqlite3 and our source, editing a case
file in ways tests/hardening/test_trust_attacks.py does not): each must be reported by
``verify`` in a sentence (exit 1), or refused in one sentence (exit 2), never met by an
"unexpected error"."""

import sqlite3
import subprocess
import sys

import pytest

from bwv_review.core.model import Annotation

QUOTE = "He strangled me."


def bwv(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bwv_review", *map(str, args)], capture_output=True, text=True,
                          timeout=120, encoding="utf-8")


@pytest.fixture
def quoted(case):
    ex, cat = case.exhibit("AB/1"), case.category("disclosure")
    case.add_annotation(Annotation(exhibit_id=ex.id, category_id=cat.id, start_ms=400, speaker="female",
                                   text=QUOTE, status="verified"), "Test Reviewer")
    path = case.path
    case.close()
    return path


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
