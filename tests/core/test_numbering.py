"""A mark's number (quoted in statements: "mark 12") names one utterance for the life of the
case, even after someone lowers the number sequence behind the app's back."""

from __future__ import annotations

import sqlite3

import pytest

from bwv_review.core.evidence import verify_case
from bwv_review.core.model import Annotation
from bwv_review.core.redact import model, records
from bwv_review.core.store import CaseStore


def _ann(store, start_ms: int, text: str) -> Annotation:
    return Annotation(exhibit_id=store.exhibit("AB/1").id, category_id=store.category("disclosure").id,
                      start_ms=start_ms, text=text)


def _attack(path, sql: str, *args) -> None:
    """What someone with sqlite3 and the case file does (the app not running)."""
    db = sqlite3.connect(path)
    db.execute(sql, args)
    db.commit()
    db.close()


LOWERED = "The sequence that numbers marks was lowered outside the app (sqlite_sequence 1, though mark 3 had already been used)"


def test_a_lowered_sequence_never_hands_a_used_mark_number_out_again(case):
    for n in (1, 2, 3):
        case.add_annotation(_ann(case, 100 * n, f"utterance {n}"), "Jo")
    case.delete_annotation(3, "Jo")
    path = case.path
    case.close()
    _attack(path, "UPDATE sqlite_sequence SET seq = 1 WHERE name = 'annotation'")
    with CaseStore.open(path, readonly=True) as store:
        assert [str(p) for p in verify_case(store)] == [
            f"{LOWERED}; this app numbers a new mark past every number used, but the file was edited."]
    with CaseStore.open(path, actor="Jo") as store:
        new = store.add_annotation(_ann(store, 900, "a different utterance"), "Jo")
        assert new.id == 4  # never 3, which a statement may already quote
        (problem,) = [str(p) for p in verify_case(store)]  # the sequence has moved on; the audit remembers
        assert problem.startswith(f"{LOWERED}; found at audit entry ") and "a change by Jo" in problem
        assert store.audit_rows()[-2]["action"] == "numbering.lowered"
    # The row deleted outright, then a bulk import: numbered past every number used too.
    _attack(path, "DELETE FROM sqlite_sequence WHERE name = 'annotation'")
    with CaseStore.open(path, actor="Jo") as store:
        added = store.add_annotations([_ann(store, 1000, "five"), _ann(store, 1100, "six")], "Jo")
        assert [a.id for a in added] == [5, 6]
        assert [a.text for a in store.annotations()] == ["utterance 1", "utterance 2", "a different utterance",
                                                         "five", "six"]
        assert len(verify_case(store)) == 2  # both findings, each in one sentence


def test_a_lowered_sequence_never_reuses_a_redaction_number(case):
    ex = case.exhibit("AB/1")
    for n in (1, 2):
        records.add(case, model.sound(ex.id, 100 * n, 100 * n + 50), "Jo")
    records.delete(case, 2, "Jo")
    path = case.path
    case.close()
    _attack(path, "UPDATE sqlite_sequence SET seq = 0 WHERE name = 'redaction'")
    with CaseStore.open(path, actor="Jo") as store:
        assert records.add(store, model.sound(ex.id, 700, 800), "Jo").id == 3
        (problem,) = [str(p) for p in verify_case(store)]
        assert problem.startswith("The sequence that numbers redactions was lowered outside the app (sqlite_sequence "
                                  "0, though redaction 2 had already been used); found at audit entry ")


def test_an_untouched_case_says_nothing_about_numbering(case):
    for n in (1, 2):
        case.add_annotation(_ann(case, 100 * n, f"utterance {n}"), "Jo")
    case.delete_annotation(2, "Jo")
    assert case.add_annotation(_ann(case, 500, "three"), "Jo").id == 3
    assert verify_case(case) == []
    assert "numbering.lowered" not in {r["action"] for r in case.audit_rows()}


@pytest.mark.pg
def test_a_server_sequence_set_back_by_the_owner_never_reuses_a_mark_number(server_case):
    """The case's owner sets the identity sequence back with psql: the next mark still gets a
    new number (the server's marks are numbered past the table and the audit, not by it)."""
    import psycopg

    from bwv_review.core.cases import open_case

    owner, as_role = server_case
    with open_case(as_role("reviewer_a"), actor="Jo") as store:
        for n in (1, 2, 3):
            store.add_annotation(_ann(store, 100 * n, f"utterance {n}"), "Jo")
        store.delete_annotation(3, "Jo")
    with psycopg.connect(owner, autocommit=True) as attacker:
        attacker.execute("SELECT setval(pg_get_serial_sequence('bwv.annotation', 'id'), 2)")
    with open_case(as_role("reviewer_b"), actor="Al") as store:
        assert store.add_annotation(_ann(store, 900, "a different utterance"), "Al").id == 4
        assert [a.id for a in store.add_annotations([_ann(store, 1000, "five")], "Al")] == [5]
        assert verify_case(store) == []


def test_a_change_numbered_over_a_lowered_sequence_undoes_as_the_mark_it_added(case):
    from bwv_review.core import operations

    for n in (1, 2):
        case.add_annotation(_ann(case, 100 * n, f"utterance {n}"), "Jo")
    case.delete_annotation(2, "Jo")
    path = case.path
    case.close()
    _attack(path, "UPDATE sqlite_sequence SET seq = 0 WHERE name = 'annotation'")
    with CaseStore.open(path, actor="Jo") as store:
        operations.add_annotation(store, _ann(store, 500, "three"), "Jo")
        change = operations.last_change(store, "Jo")
        assert change.action == "annotation.add" and list(change.annotations()) == [3]
        undone = operations.undo(store, change, "Jo")
        assert undone.annotations() == {3: None}
        assert [a.id for a in store.annotations()] == [1]
