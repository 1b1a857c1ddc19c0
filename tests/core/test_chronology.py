"""The chronology every view and export shares: built fast for a big case, in the same order
and with the same clock times as the rule says (clock order across cameras, then exhibits
with no known start by reference, then file time, then id)."""

from __future__ import annotations

import gc
import random

import pytest

from bwv_review.core import alloc, chronology
from bwv_review.core.model import Annotation, Exhibit
from bwv_review.core.store import CaseStore
from bwv_review.core.timecode import clock_at

STARTS = {"AB/1": "2019-07-01T23:34:55+01:00", "CD/1": "2019-07-01T23:34:57.250+01:00",
          "ef/2": None, "EF/1": None, "GH/1": "2019-07-01T22:34:56Z"}


@pytest.fixture
def multi(tmp_path):
    """Five exhibits (three on one clock, two with no known start) with 3,000 marks whose
    clock times often tie across cameras."""
    store = CaseStore.create(tmp_path / "multi.bwvcase", "Chronology", reviewer="Test Reviewer")
    cats = [c.id for c in store.categories()]
    rng = random.Random(7)
    anns = []
    for n, (ref, start) in enumerate(STARTS.items()):
        ex = store.add_exhibit(Exhibit(ref=ref, path=f"{n}.mp4", sha256=f"{n:064x}", size=1, duration_ms=60_000,
                                       recording_start=start), "Test Reviewer")
        for _ in range(600):
            at = rng.randrange(0, 59_000, 250)  # whole quarter seconds: ties within and across cameras
            anns.append(Annotation(exhibit_id=ex.id, start_ms=at, end_ms=rng.choice((None, at + 750)),
                                   category_id=rng.choice(cats), text=f"{ref} at {at}"))
    rng.shuffle(anns)  # ids in no particular order of time
    store.add_annotations(anns, "Test Reviewer")
    yield store
    store.close()


def reference(store: CaseStore, exhibit_id: int | None = None) -> list[int]:
    """The rule, worked out the slow way: one sort of every mark by its full key."""
    exhibits = {e.id: e for e in store.exhibits()}

    def key(a: Annotation) -> tuple:
        ex = exhibits[a.exhibit_id]
        start = clock_at(ex.recording_start, 0)
        if start is None:
            return (1, 0.0, ex.ref.casefold(), a.start_ms, a.id)
        return (0, start.timestamp() + a.start_ms / 1000.0, "", a.start_ms, a.id)

    return [a.id for a in sorted(store.annotations(exhibit_id), key=key)]


def test_order_and_clock_times_across_cameras(multi):
    entries = chronology.build(multi)
    assert [e.annotation.id for e in entries] == reference(multi)
    assert len(entries) == 3000
    stored = {a.id: a for a in multi.annotations()}
    for e in entries:
        a = e.annotation
        assert a == stored[a.id]  # every field as stored
        assert e.exhibit.id == a.exhibit_id and e.category.id == a.category_id
        assert e.clock_start == clock_at(e.exhibit.recording_start, a.start_ms)
        assert e.clock_end == (None if a.end_ms is None else clock_at(e.exhibit.recording_start, a.end_ms))
    # a tie across cameras: CD/1 starts 2.25 s after AB/1, so AB/1 at 2,250 ms is CD/1 at 0 ms
    keys = [chronology.sort_key(e) for e in entries]
    assert keys == sorted(keys)


@pytest.mark.parametrize("ref", list(STARTS))
def test_one_exhibit_in_the_stores_order_is_the_chronology(multi, ref):
    ex = multi.exhibit(ref)
    entries = chronology.build(multi, ref)
    assert [e.annotation.id for e in entries] == reference(multi, ex.id)
    assert {e.exhibit.ref for e in entries} == {ref}


def test_bulk_restores_the_collector_as_found():
    was = gc.isenabled()
    try:
        gc.enable()
        with alloc.bulk():
            assert not gc.isenabled()
            with alloc.bulk():  # nested
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()  # e.g. while a worker runs (ui/tasks.py): left off
        with alloc.bulk():
            pass
        assert not gc.isenabled()
        gc.enable()
        with pytest.raises(KeyError), alloc.bulk():
            raise KeyError("failed part-way")
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
