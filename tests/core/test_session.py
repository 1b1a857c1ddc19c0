"""The review session without Qt: a whole review driven through the model, as the window does.

Mark, type, switch exhibit, undo, link, quit: every step checked in the case file and the
audit log, and in the events the window's views would apply.
"""

from __future__ import annotations

import pytest

from bwv_review.core import session as sess
from bwv_review.core.evidence import import_footage
from bwv_review.core.goto import resolve
from bwv_review.core.store import CaseStore
from tests.footage import write_clip

ME = "Test Reviewer"  # made the case and added its footage
REVIEWER = "DC Carter"  # reviews it


@pytest.fixture
def case_path(case):
    cd = write_clip(case.folder / "CD-1.mp4", frames=75, fps=25)
    import_footage(case, cd, "CD/1", ME, start="2019-07-01T23:34:57+01:00")
    path = case.path
    case.close()
    return path


@pytest.fixture
def review(case_path):
    """A session on the case, as the window opens it, with its events recorded."""
    session = sess.Session(CaseStore.open(case_path), REVIEWER, reaction_lag_ms=300)
    session.heard = []
    session.subscribe(session.heard.append)
    yield session
    session.close()


def kinds(session, kind):
    return [e.value for e in session.heard if e.kind == kind]


def ids(store, ref):
    return store.exhibit(ref).id


def read(path):
    with CaseStore.open(path, readonly=True) as store:
        return store.annotations(), [r["action"] for r in store.audit_rows()], store.case().reviewers


def test_a_whole_review(review, case_path):
    store = review.store
    ab, cd = ids(store, "AB/1"), ids(store, "CD/1")
    rows_at_open = len(store.audit_rows())
    assert read(case_path)[1][-1] == "exhibit.add"  # opening wrote nothing

    # Watch AB/1, press 1 while playing at 2x: the mark steps back by the reaction lag.
    review.open_exhibit(ab)
    assert kinds(review, sess.EXHIBIT)[-1].ref == "AB/1"
    disclosure = review.mark(1, at_ms=1500, playing=True, speed=2.0)
    assert disclosure.start_ms == 1500 - 600 and review.selected_id == disclosure.id
    assert review.resume_after_words
    review.type_words("He strangled me.")
    assert read(case_path)[0][0].text == ""  # typed, not saved yet
    assert review.words_confirmed() is True  # Enter: saved, and playback carries on
    assert review.store.annotation(disclosure.id).text == "He strangled me."

    # Switch to CD/1: the AB/1 mark is let go, so "set start here" cannot take CD/1's time.
    review.select(disclosure.id)
    review.open_exhibit(cd)
    assert review.selected is None and kinds(review, sess.SELECTED)[-1] is None
    assert review.set_start_here(400, disclosure.id) is None
    assert "is on exhibit AB/1, but CD/1 is on screen" in kinds(review, sess.ERROR)[-1]
    assert review.store.annotation(disclosure.id).start_ms == 900

    # Mark the same words on CD/1, type, and go on without Enter: switching exhibit saves them.
    heard = review.mark(1, at_ms=400)
    review.type_words("He strangled me.")
    review.open_exhibit(ab)
    assert review.store.annotation(heard.id).text == "He strangled me."

    # Undo the words, then the mark; redo both.
    review.undo()
    assert review.store.annotation(heard.id).text == ""
    review.undo()
    assert heard.id not in review.annotations and review.store.annotations(cd) == []
    assert kinds(review, sess.UNDO)[-1][1] == "Undo: Mark Disclosure at 00:00:00.400 on CD/1"
    review.redo()
    review.redo()
    assert review.store.annotation(heard.id).text == "He strangled me."

    # Link the two as one event; unlink; undo the unlink.
    review.link([disclosure.id, heard.id])
    assert {review.annotations[i].event for i in (disclosure.id, heard.id)} == {disclosure.id}
    review.unlink(heard.id)
    assert review.annotations[disclosure.id].event is None
    review.undo()
    assert review.store.annotation(heard.id).event == disclosure.id

    # Mark, type, quit without Enter: the words are saved on close.
    review.open_exhibit(ab)
    advice = review.mark(5, at_ms=1800)
    review.type_words("Keep the noise down.")
    review.close()
    anns, actions, reviewers = read(case_path)
    assert {a.id: a.text for a in anns}[advice.id] == "Keep the noise down."
    assert actions[rows_at_open] == "case.update" and REVIEWER in reviewers  # named at the first change
    assert actions[-2:] == ["annotation.add", "annotation.update"]
    assert "annotation.undo-add" in actions and "annotation.redo-update" in actions
    assert kinds(review, sess.CLOSED) == [None]


def test_every_change_is_announced_as_a_change_set(review):
    review.open_exhibit(ids(review.store, "AB/1"))
    ann = review.mark(2, at_ms=700)
    review.edit(ann.id, {"status": "verified", "speaker": "PC Smith"})
    changes = kinds(review, sess.CHANGED)
    assert [c.action for c in changes] == ["case.update", "annotation.add", "annotation.update"]
    assert changes[-1].annotations()[ann.id].status == "verified"
    assert review.annotations[ann.id].speaker == "PC Smith"


def test_another_programs_writes_arrive_as_a_change_set(review, case_path):
    from bwv_review.core import operations
    from bwv_review.core.model import Annotation

    assert review.poll() is None  # nothing new
    with CaseStore.open(case_path) as other:
        ann = Annotation(exhibit_id=other.exhibit("AB/1").id, start_ms=900, category_id=other.category("advice").id,
                         text="Keep the noise down.")
        operations.add_annotation(other, ann, "CLI user")
    change = review.poll()
    assert change.outside and [a.text for a in change.annotations().values()] == ["Keep the noise down."]
    assert kinds(review, sess.MESSAGE)[-1] == "The case was changed by CLI user; the view is up to date."
    assert len(review.annotations) == 1


def test_undo_says_why_when_someone_else_changed_the_mark(review, case_path):
    from bwv_review.core import operations

    review.open_exhibit(ids(review.store, "AB/1"))
    ann = review.mark(1, at_ms=300)
    with CaseStore.open(case_path) as other:
        operations.edit_annotation(other, ann.id, "Second Reviewer", {"status": "verified"})
    review.poll()
    assert review.undo() is None
    assert "changed since (annotation.update by Second Reviewer)" in kinds(review, sess.ERROR)[-1]
    assert review.store.annotation(ann.id).status == "verified"


def test_coverage_counts_only_what_a_visible_view_showed(review):
    ab = ids(review.store, "AB/1")
    review.open_exhibit(ab)
    assert review.watched(ab, 0, 1500, 1.0)
    review.coverage.set_visible(sess.MAIN_VIEW, False)  # a modal dialog over the window
    assert not review.watched(ab, 1500, 2000, 1.0)
    review.coverage.set_visible("synced", True)
    assert review.watched(ab, 1500, 2000, 2.0, view="synced")
    review.flush_coverage()
    assert review.store.coverage(ab, REVIEWER) == {0: 1.0, 1: 1.0}
    assert ab in kinds(review, sess.CHANGED)[-1].coverage


def test_readonly_session_refuses_with_a_sentence(case_path):
    session = sess.Session(CaseStore.open(case_path, readonly=True), ME)
    heard = []
    session.subscribe(heard.append)
    session.open_exhibit(session.store.exhibit("AB/1").id)
    assert session.mark(1, at_ms=100) is None
    assert heard[-1] == sess.Event(sess.ERROR, "This case is open read-only; nothing was changed.")
    session.close()


def test_keys_map_to_this_cases_categories(review):
    keys = review.key_map()
    assert keys["1"].slug == "disclosure" and keys["5"].slug == "advice"
    review.mark(1, at_ms=0)  # no exhibit on screen
    assert kinds(review, sess.MESSAGE)[-1].startswith("Open an exhibit first")


def test_go_to_takes_file_or_clock_time_and_refuses_the_rest(review):
    from bwv_review.core.errors import ReviewError

    ab = review.store.exhibit("AB/1")  # starts 23:34:55, 2 s long
    assert resolve("00:00:01.200", ab, "Europe/London") == 1200
    assert resolve("23:34:56.5", ab, "Europe/London") == 1500
    for bad, why in (("23:35:10", "not within exhibit AB/1"), ("tomorrow", "is not a time"),
                     ("00:00:05", "not within exhibit AB/1")):
        with pytest.raises(ReviewError, match=why):
            resolve(bad, ab, "Europe/London")
