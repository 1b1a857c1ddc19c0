"""Linking annotations of one utterance heard on several cameras, with the rules both
front ends need: distinct annotations, one per camera, and an event merged whole.

``CaseStore.link`` writes the event number (the lowest id involved) and audits each change;
here we decide *which* annotations take part, so linking into an existing event brings its
other members along instead of leaving one behind under an old number.
"""

from __future__ import annotations

from .errors import ReviewError
from .model import Annotation
from .store import CaseStore


def members(store: CaseStore, event: int) -> list[Annotation]:
    return [a for a in store.annotations() if a.event == event]


def link(store: CaseStore, annotation_ids: list[int], actor: str) -> tuple[int, list[Annotation]]:
    """Link the annotations (and every member of any event they are already in) as one event.

    Refuses fewer than two distinct annotations, or two on the same exhibit: an event is one
    moment heard on different cameras. Returns (event number, its annotations).
    """
    ids = list(dict.fromkeys(annotation_ids))
    chosen = [store.annotation(i) for i in ids]
    if len(chosen) < 2:
        raise ReviewError("Choose at least two different annotations to link as one event.")
    group = {a.id: a for a in chosen}
    for event in {a.event for a in chosen if a.event is not None}:
        group.update({a.id: a for a in members(store, event)})
    by_exhibit: dict[int, Annotation] = {}
    for ann in sorted(group.values(), key=lambda a: a.id):
        other = by_exhibit.setdefault(ann.exhibit_id, ann)
        if other.id != ann.id:
            ref = store.exhibit_by_id(ann.exhibit_id).ref
            raise ReviewError(
                f"Annotations {other.id} and {ann.id} are both on exhibit {ref}; an event links the "
                "same moment heard on different cameras."
            )
    event = store.link(sorted(group), actor)
    return event, members(store, event)


def unlink(store: CaseStore, annotation_id: int, actor: str) -> list[Annotation]:
    """Take one annotation out of its event. An event left with one annotation is no event,
    so that one is unlinked too. Returns the annotations changed."""
    ann = store.annotation(annotation_id)
    if ann.event is None:
        raise ReviewError(f"Annotation {annotation_id} is not linked to any event.")
    rest = [a for a in members(store, ann.event) if a.id != ann.id]
    changed = [ann] + (rest if len(rest) == 1 else [])
    return [store.update_annotation(a.id, actor, action="annotation.unlink", event=None) for a in changed]
