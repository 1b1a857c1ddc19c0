"""Eight reviewers' desktops writing at once, on a server case and (for comparison) on a case
file: nothing lost, one unbroken audit chain, verify sound."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bwv_review.core import audit, evidence
from bwv_review.core.cases import open_case

from .conftest import REVIEWERS

ROOT = Path(__file__).resolve().parents[2]
DESKTOPS, MARKS = 8, 200


def _reviewers(location_for) -> None:
    procs = [subprocess.Popen([sys.executable, "-m", "tests.pg.reviewer_process", location_for(i), str(MARKS),
                               f"R{i}", f"Reviewer {i}"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(DESKTOPS)]
    acked = set()
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        acked |= {int(line.split()[1]) for line in out.splitlines() if line.startswith("ACK ")}
    assert len(acked) == DESKTOPS * MARKS
    return acked


def _check(store, acked) -> None:
    marks = store.annotations()
    assert {a.id for a in marks} == acked
    assert {a.text for a in marks} == {f"R{i} {n}" for i in range(DESKTOPS) for n in range(MARKS)}
    rows = store.audit_rows()
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))  # one chain, no gaps, no forks
    assert audit.check_chain(store.db) == []
    adds = [r for r in rows if r["action"] == "annotation.add"]
    assert {r["entity_id"] for r in adds} == acked
    result = evidence.verify(store)
    assert result.problems == [], [str(p) for p in result.problems]


@pytest.mark.pg
def test_eight_reviewers_at_once_on_a_server_case(server_case):
    _owner, as_role = server_case
    acked = _reviewers(lambda i: as_role(REVIEWERS[i % len(REVIEWERS)]))
    with open_case(as_role("reviewer_a"), readonly=True) as store:
        _check(store, acked)
        roles = {r["db_role"] for r in store.audit_rows() if r["action"] == "annotation.add"}
        assert roles == set(REVIEWERS)


def test_eight_reviewers_at_once_on_a_case_file(case):
    path = str(case.path)
    case.close()
    acked = _reviewers(lambda i: path)
    with open_case(path, readonly=True) as store:
        _check(store, acked)
