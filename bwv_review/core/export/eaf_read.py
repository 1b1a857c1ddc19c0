"""Reading ELAN files: our own (child tiers carry category, speaker, status, note) and
ELAN's own, where each top-level tier becomes a speaker or a category."""

from __future__ import annotations

from pathlib import Path

from pympi import Elan

from ..errors import ReviewError
from ..timecode import format_ms
from .eaf_export import CHILD_TYPES, NO_SPEAKER, POINT_VALUE, ZERO_VALUE


def _load(path: Path) -> Elan.Eaf:
    try:
        return Elan.Eaf(str(path), suppress_version_warning=True)
    except Exception as exc:  # noqa: BLE001 - pympi raises bare Exception/KeyError on bad XML
        raise ReviewError(f"{path.name} is not a readable ELAN file ({exc}); nothing was added.") from exc


def _time_origin(eaf: Elan.Eaf) -> int:
    for desc in eaf.media_descriptors:
        origin = desc.get("TIME_ORIGIN")
        if origin:
            try:
                return int(origin)
            except ValueError:
                return 0
    return 0


def read_eaf(path: Path, make, tiers: str, categories: set[str]):
    """(incoming annotations, warnings, metadata) from an .eaf file.

    ``tiers``: "speaker" or "category" says what a plain ELAN tier name means; "auto" uses a
    tier name that names a category in the case as the category, otherwise as the speaker.
    """
    eaf = _load(path)
    props = dict(eaf.properties)
    meta = {"exhibit": props.get("bwv-review.exhibit"), "sha256": props.get("bwv-review.sha256")}
    origin = _time_origin(eaf)
    warnings = []
    if origin:
        warnings.append(f"{path.name} links its media from {format_ms(origin)}; that offset was added "
                        "to every time.")
    extra: dict[str, dict[str, str]] = {}  # parent annotation id -> {kind: value}
    for tier_id, (aligned, refs, attrs, _) in eaf.tiers.items():
        kind = CHILD_TYPES.get(attrs.get("LINGUISTIC_TYPE_REF", ""))
        if attrs.get("PARENT_REF"):
            if kind is None and (aligned or refs):
                warnings.append(f"Dependent tier {tier_id!r} was not imported (only top-level tiers are).")
            for _aid, (parent, value, _prev, _svg) in refs.items():
                if kind:
                    extra.setdefault(parent, {})[kind] = value or ""
    items, problems = [], []
    for tier_id, (aligned, _refs, attrs, _) in eaf.tiers.items():
        if attrs.get("PARENT_REF"):
            continue
        participant = (attrs.get("PARTICIPANT") or "").strip()
        base = tier_id.rsplit(" (", 1)[0] if tier_id.endswith(")") and " (" in tier_id else tier_id
        as_category = tiers == "category" or (tiers == "auto" and base.casefold() in categories)
        for aid, (ts1, ts2, value, _svg) in aligned.items():
            start, end = eaf.timeslots.get(ts1), eaf.timeslots.get(ts2)
            if start is None or end is None:
                problems.append(f"tier {tier_id!r} annotation {aid} has no time")
                continue
            start, end = start + origin, end + origin
            more = extra.get(aid, {})
            point = more.get("point", "")
            if point == POINT_VALUE:
                end = None
            elif point == ZERO_VALUE:
                end = start
            if "speaker" in more or "category" in more:
                speaker, category = more.get("speaker", ""), more.get("category", "")
            elif as_category:
                speaker, category = participant, base
            else:
                speaker = participant or ("" if base == NO_SPEAKER else base)
                category = ""
            items.append(make(
                f"tier {tier_id!r}", start, end, category, speaker, value or "",
                more.get("note", ""), more.get("status", "") or "draft", (attrs.get("ANNOTATOR") or "").strip(),
            ))
    if problems:
        raise ReviewError(f"{path.name} was not imported (nothing was added): " + "; ".join(problems[:8]) + ".")
    items.sort(key=lambda i: (i.start_ms, i.where))
    return items, warnings, meta
