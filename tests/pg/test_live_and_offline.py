"""Another reviewer's change arrives within a second, with who made it; a server killed
mid-review loses nothing acknowledged; nothing typed while it is down is lost."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bwv_review.core import audit, evidence
from bwv_review.core.cases import create_case, open_case
from bwv_review.core.conflicts import ConflictError
from bwv_review.core.errors import ReviewError
from bwv_review.core.model import Annotation, Exhibit
from bwv_review.core.outbox import Change, Outbox
from bwv_review.core.pg.live import Listener, present

pytestmark = pytest.mark.pg
ROOT = Path(__file__).resolve().parents[2]


def _mark(store, text, who):
    return store.add_annotation(Annotation(exhibit_id=store.exhibit("AB/1").id, category_id=store.category(
        "disclosure").id, start_ms=100, text=text), who)


def test_another_reviewers_mark_arrives_within_a_second_with_who_made_it(server_case):
    _owner, as_role = server_case
    mine = open_case(as_role("reviewer_a"), actor="Reviewer A")
    theirs = open_case(as_role("reviewer_b"), actor="Reviewer B")
    listener = Listener(mine)
    try:
        seen = mine.data_version()
        assert {(p.role, p.name) for p in present(mine)} >= {("reviewer_b", "Reviewer B")}
        for text in ("He strangled me.", "She said nothing happened."):
            ann = _mark(theirs, text, "Reviewer B")
            committed = time.perf_counter()
            heads = listener.wait(timeout=5)
            assert time.perf_counter() - committed < 1.0
            assert heads and heads[-1] == theirs.data_version()
            entries = audit.entries_since(mine.db, seen)
            assert [(e["action"], e["entity_id"], e["actor"], e["db_role"]) for e in entries
                    if e["action"] == "annotation.add"] == [("annotation.add", ann.id, "Reviewer B", "reviewer_b")]
            seen = heads[-1]
            assert mine.annotation(ann.id).text == text
        assert listener.wait(timeout=0.05) == []  # nothing more: no polling, no false notices
    finally:
        listener.close()
        mine.close()
        theirs.close()


def test_killing_the_server_mid_review_loses_nothing_acknowledged(own_server, tmp_path):
    import psycopg

    with psycopg.connect(own_server.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE team")
    url = own_server.url("team")
    with create_case(url, "Operation Example", reviewer="Lead") as store:
        store.add_exhibit(Exhibit(ref="AB/1", path="ab1.mp4", sha256="0" * 64, size=1, duration_ms=600_000), "Lead")
    window = open_case(url, actor="Lead")
    listener = Listener(window)
    waiting = _mark(window, "before the crash", "Lead")
    writer = subprocess.Popen([sys.executable, "-m", "tests.pg.reviewer_process", url, "100000", "W", "Reviewer W"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acked = set()
    for line in writer.stdout:
        acked.add(int(line.split()[1]))
        if len(acked) >= 25:
            own_server.stop("immediate")  # as a crash: no checkpoint, connections cut
            break
    writer.wait(timeout=60)
    assert writer.returncode != 0

    # The window sees it at once, and its change is kept, not lost.
    with pytest.raises(ReviewError) as lost:
        listener.wait(timeout=5)
    assert getattr(lost.value, "lost", False)
    outbox = Outbox(window.address.key)
    with pytest.raises(ReviewError) as err:
        window.update_annotation(waiting.id, "Lead", expected=waiting, text="typed while offline")
    assert err.value.lost
    outbox.keep(Change("update", "Lead", expected=vars(waiting),
                       changes={"text": "typed while offline"}))
    outbox.keep(Change("add", "Lead", annotation=vars(Annotation(exhibit_id=1, category_id=1, start_ms=7,
                                                                 text="new while offline"))))
    writer.stdout.close()
    writer.stderr.close()

    own_server.start()
    assert window.reconnect() is None
    sent, refused = outbox.send(window)
    assert (sent, refused) == (2, [])
    assert outbox.pending() == []
    with open_case(url, readonly=True) as after:
        present_ids = {a.id for a in after.annotations()}
        assert acked <= present_ids
        texts = {a.text for a in after.annotations()}
        assert {"typed while offline", "new while offline"} <= texts
        assert evidence.check_integrity(after, thorough=True).problems == []
    listener.close()
    window.close()


def test_a_change_kept_offline_that_conflicts_is_set_aside_with_its_sentence(server_case):
    _owner, as_role = server_case
    with open_case(as_role("reviewer_a"), actor="Reviewer A") as a, open_case(as_role("reviewer_b"),
                                                                                 actor="Reviewer B") as b:
        ann = _mark(a, "He strangled me.", "Reviewer A")
        outbox = Outbox(b.address.key)
        outbox.keep(Change("update", "Reviewer B", expected=vars(b.annotation(ann.id)), changes={"text": "B's"}))
        a.update_annotation(ann.id, "Reviewer A", text="A's")  # while B was offline
        sent, refused = outbox.send(b)
        assert sent == 0 and len(refused) == 1
        assert "was changed by Reviewer A (database role reviewer_a)" in refused[0]
        assert outbox.pending() == [] and outbox.refused()[0][0].changes == {"text": "B's"}
        assert b.annotation(ann.id).text == "A's"
        with pytest.raises(ConflictError):
            b.update_annotation(ann.id, "Reviewer B", expected=Annotation(**outbox.refused()[0][0].expected),
                                text="again")


def test_a_change_whose_answer_was_lost_is_not_made_twice(server_case):
    """The commit reached the server but the answer did not: the kept change names the entry
    it would have made, and is not sent again once that entry is found in the case."""
    _owner, as_role = server_case
    with open_case(as_role("reviewer_a"), actor="Reviewer A") as a:
        ann = _mark(a, "He strangled me.", "Reviewer A")
        seq, head = a.audit_head()
        outbox = Outbox(a.address.key)
        outbox.keep(Change("add", "Reviewer A", annotation={k: v for k, v in vars(ann).items() if k != "id"},
                           landed_if=[seq, head]))
        assert outbox.send(a) == (1, [])
        assert [m.text for m in a.annotations()] == ["He strangled me."]
        outbox.keep(Change("add", "Reviewer A", annotation={k: v for k, v in vars(ann).items() if k != "id"},
                           landed_if=[seq + 50, head]))
        assert outbox.send(a) == (1, [])
        assert [m.text for m in a.annotations()] == ["He strangled me.", "He strangled me."]
