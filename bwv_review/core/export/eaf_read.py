"""Reading ELAN (.eaf) files, ours and ELAN's own, keeping the structure a linguist gave them.

Each annotation on a top-level tier becomes one bwv-review annotation: the tier's
PARTICIPANT (or else its name, exactly) is the speaker, its ANNOTATOR the reviewer.
Annotations on dependent tiers (translations and other Symbolic Association tiers,
subdivisions, Included In) are kept with the top-level annotation they belong to, as lines
of its note: ``[ELAN] RC-ft (Symbolic_Association): the translation``; the first line,
``[ELAN] tier RC_phrase; language eng``, says which tier it came from, so an ELAN export
writes the same tiers back. Our own files carry category, speaker, status, note, point and
event in child tiers and are read back exactly.

Two tiers with one TIER_ID, a time that is not a number, or a reference to an annotation
or time slot that is not there: the file is refused in one sentence naming it.
"""

from __future__ import annotations

import bisect
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ReviewError
from ..timecode import format_ms
from .eaf_export import CHILD_TYPES, CONSTRAINTS, ELAN_PREFIX, NO_SPEAKER, POINT_VALUE, ZERO_VALUE
from .import_tables import Incoming, refusal, shown


@dataclass
class Tier:
    id: str
    ling: str
    parent: str | None
    participant: str
    annotator: str
    lang: str
    aligned: list[tuple[str, str, str, str]] = field(default_factory=list)  # (id, ts1, ts2, value)
    refs: list[tuple[str, str, str]] = field(default_factory=list)  # (id, parent annotation id, value)


@dataclass
class EafFile:
    tiers: dict[str, Tier]
    constraints: dict[str, str]  # linguistic type -> constraint ("" for none)
    slots: dict[str, int | None]
    slot_order: list[str]
    properties: dict[str, str]
    origin: int
    languages: dict[str, str]
    skipped: list[str]


def _value(annotation: ET.Element) -> str:
    value = annotation.find("ANNOTATION_VALUE")
    # Words ELAN (or a hand edit) put inside child elements are words too.
    return "" if value is None else "".join(value.itertext())


def parse(path: Path) -> EafFile:
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ReviewError(f"{path.name} is not a readable ELAN file ({exc}); nothing was added.") from exc
    if root.tag != "ANNOTATION_DOCUMENT":
        raise ReviewError(f"{path.name} is not an ELAN file (its root is <{root.tag[:40]}>); nothing was added.")
    problems: list[str] = []
    slots: dict[str, int | None] = {}
    order: list[str] = []
    for slot in root.iterfind("TIME_ORDER/TIME_SLOT"):
        sid, raw = slot.get("TIME_SLOT_ID", ""), slot.get("TIME_VALUE")
        if sid in slots:
            problems.append(f"time slot {shown(sid)} is defined twice")
        value = None
        if raw is not None:
            if not raw.strip().isdigit() or len(raw.strip()) > 15:
                problems.append(f"time slot {shown(sid)} has the value {shown(raw)}, not a time in milliseconds")
            else:
                value = int(raw)
        slots[sid] = value
        order.append(sid)
    constraints = {lt.get("LINGUISTIC_TYPE_ID", ""): lt.get("CONSTRAINTS") or ""
                   for lt in root.iterfind("LINGUISTIC_TYPE")}
    tiers: dict[str, Tier] = {}
    seen_ids: set[str] = set()
    for el in root.iterfind("TIER"):
        tid = el.get("TIER_ID", "")
        if tid in tiers:
            problems.append(f"two tiers have the TIER_ID {shown(tid)}")
            continue
        tier = tiers[tid] = Tier(tid, el.get("LINGUISTIC_TYPE_REF", ""), el.get("PARENT_REF"),
                                 (el.get("PARTICIPANT") or "").strip(), (el.get("ANNOTATOR") or "").strip(),
                                 el.get("LANG_REF") or el.get("DEFAULT_LOCALE") or "")
        for ann in el.iterfind("ANNOTATION/*"):
            aid = ann.get("ANNOTATION_ID", "")
            if aid in seen_ids:
                problems.append(f"annotation id {shown(aid)} is used twice")
            seen_ids.add(aid)
            if ann.tag == "ALIGNABLE_ANNOTATION":
                ts1, ts2 = ann.get("TIME_SLOT_REF1", ""), ann.get("TIME_SLOT_REF2", "")
                missing = [t for t in (ts1, ts2) if t not in slots]
                if missing:
                    problems.append(f"tier {shown(tid)} annotation {shown(aid)} refers to time slot "
                                    f"{shown(missing[0])}, which is not there")
                tier.aligned.append((aid, ts1, ts2, _value(ann)))
            elif ann.tag == "REF_ANNOTATION":
                tier.refs.append((aid, ann.get("ANNOTATION_REF", ""), _value(ann)))
    for tier in tiers.values():
        if tier.parent is not None and tier.parent not in tiers:
            problems.append(f"tier {shown(tier.id)} depends on tier {shown(tier.parent)}, which is not there")
        for aid, ref, _ in tier.refs:
            if ref not in seen_ids:
                problems.append(f"tier {shown(tier.id)} annotation {shown(aid)} refers to annotation {shown(ref)}, "
                                "which is not there")
    if problems:
        raise refusal(path, problems)
    header = root.find("HEADER")
    props = {p.get("NAME", ""): p.text or "" for p in header.iterfind("PROPERTY")} if header is not None else {}
    origin = 0
    for desc in root.iterfind("HEADER/MEDIA_DESCRIPTOR"):
        raw = (desc.get("TIME_ORIGIN") or "").strip()
        if raw:
            if not raw.isdigit() or len(raw) > 15:
                raise refusal(path, [f"the media's TIME_ORIGIN {shown(raw)} is not a time in milliseconds"])
            origin = int(raw)
            break
    languages = {lang.get("LANG_ID", ""): lang.get("LANG_LABEL", "") for lang in root.iterfind("LANGUAGE")}
    skipped = [f"{n} {what}" for what, n in (
        ("controlled vocabulary definition(s) (their values on tiers are kept as words)",
         len(root.findall("CONTROLLED_VOCABULARY"))),
        ("set(s) of reference links (REF_LINK_SET)", len(root.findall("REF_LINK_SET"))),
        ("linked file(s) (LINKED_FILE_DESCRIPTOR)", len(root.findall("HEADER/LINKED_FILE_DESCRIPTOR"))),
    ) if n]
    return EafFile(tiers, constraints, slots, order, props, origin, languages, skipped)


class _Owners:
    """Which top-level annotation each annotation of a dependent tier belongs to."""

    def __init__(self, eaf: EafFile):
        self.eaf = eaf
        known = None
        self.effective: dict[str, int | None] = {}
        for sid in eaf.slot_order:  # an unaligned slot sits after the last aligned one before it
            known = eaf.slots[sid] if eaf.slots[sid] is not None else known
            self.effective[sid] = known
        self.owner: dict[str, str] = {}
        self._done: set[str] = set()
        for tier in eaf.tiers.values():
            if tier.parent is None:
                for aid, *_ in tier.aligned:
                    self.owner[aid] = aid
        pending = [t for t in eaf.tiers.values() if t.parent is not None]
        while pending:  # parents first, whatever order the file lists tiers in
            ready = [t for t in pending if self._resolved(t.parent)]
            if not ready:
                break
            for tier in ready:
                self._resolve(tier)
                pending.remove(tier)

    def _resolved(self, tier_id: str) -> bool:
        tier = self.eaf.tiers[tier_id]
        return tier.parent is None or tier_id in self._done

    def _resolve(self, tier: Tier) -> None:
        self._done.add(tier.id)
        for aid, ref, _ in tier.refs:
            if ref in self.owner:
                self.owner[aid] = self.owner[ref]
        if tier.aligned:
            parent = self.eaf.tiers[tier.parent]
            spans = sorted((self.effective.get(t1) or 0, aid) for aid, t1, _t2, _ in parent.aligned)
            starts = [s for s, _ in spans]
            for aid, t1, _t2, _ in tier.aligned:
                i = bisect.bisect_right(starts, self.effective.get(t1) or 0) - 1
                if i >= 0 and spans[i][1] in self.owner:
                    self.owner[aid] = self.owner[spans[i][1]]


def read_eaf(path: Path, tiers: str, categories: set[str]) -> tuple[list[Incoming], list[str], dict]:
    """(incoming annotations, warnings, metadata with a "summary") from an .eaf file.

    ``tiers``: "speaker" or "category" says what a plain ELAN tier name means; "auto" takes a
    tier whose name is a category in the case as that category, any other as a speaker."""
    eaf = parse(path)
    meta = {"exhibit": eaf.properties.get("bwv-review.exhibit"), "sha256": eaf.properties.get("bwv-review.sha256")}
    warnings: list[str] = []
    summary: list[str] = []
    if eaf.origin:
        warnings.append(f"{path.name} links its media from {format_ms(eaf.origin)}; that offset was added "
                        "to every time.")
    owners = _Owners(eaf)
    ours: dict[str, dict[str, str]] = {}  # top annotation id -> {kind: value} from our own child tiers
    lines: dict[str, list[str]] = {}  # top annotation id -> [ELAN] lines for its note
    for tier in eaf.tiers.values():
        if tier.parent is None:
            continue
        kind = CHILD_TYPES.get(tier.ling)
        constraint = eaf.constraints.get(tier.ling, "") or "dependent"
        if tier.ling.startswith("elan-") and tier.ling[5:] in CONSTRAINTS:  # written by us: as it was in ELAN
            constraint = tier.ling[5:]
        values: dict[str, list[str]] = {}
        lost = 0
        for aid, *rest in [*tier.aligned, *tier.refs]:
            top = owners.owner.get(aid)
            if top is None:
                lost += 1
                continue
            values.setdefault(top, []).append(rest[-1])
        for top, vals in values.items():
            if kind:
                ours.setdefault(top, {})[kind] = vals[0]
            elif any(vals):  # several (a subdivision, or an association of one) are kept in order
                # Seen from the top-level annotation, an association of a subdivision subdivides it too.
                kind_here = "Symbolic_Subdivision" if len(vals) > 1 and constraint == "Symbolic_Association" \
                    else constraint
                lines.setdefault(top, []).append(f"{ELAN_PREFIX}{tier.id} ({kind_here}): {' | '.join(vals)}")
        if not kind:
            count = len(tier.aligned) + len(tier.refs)
            note = f"dependent tier {tier.id!r} ({constraint} of {tier.parent!r}): {count - lost} annotation(s) " \
                   "kept in the notes of the annotations they belong to"
            if tier.aligned and "Association" not in constraint:
                note += " (their own times are not kept)"
            summary.append(note)
            if lost:
                warnings.append(f"{lost} annotation(s) on tier {tier.id!r} belong to no annotation of its parent "
                                "tier and were not imported.")
    items: list[Incoming] = []
    problems: list[str] = []
    for tier in eaf.tiers.values():
        if tier.parent is not None:
            continue
        as_category = tiers == "category" or (tiers == "auto" and tier.id.casefold() in categories)
        for aid, ts1, ts2, value in tier.aligned:
            start, end = eaf.slots.get(ts1), eaf.slots.get(ts2)
            if start is None or end is None:
                problems.append(f"tier {shown(tier.id)} annotation {shown(aid)} has no time")
                continue
            items.append(_incoming(tier, aid, start + eaf.origin, end + eaf.origin, value, ours.get(aid),
                                   lines.get(aid, []), as_category, eaf.languages))
        if not any(ours.get(aid) for aid, *_ in tier.aligned):
            who = f"speaker {tier.participant!r} (its PARTICIPANT)" if tier.participant else (
                "category" if as_category else "speaker (its name)")
            extra = "".join(f", {k} {v!r}" for k, v in (("annotator", tier.annotator), ("language", tier.lang)) if v)
            summary.insert(0, f"tier {tier.id!r} as {who}{extra}: {len(tier.aligned)} annotation(s)")
    if problems:
        raise refusal(path, problems)
    summary += [f"not imported: {s}" for s in eaf.skipped]
    items.sort(key=lambda i: (i.start_ms, i.where))
    meta["summary"] = summary
    return items, warnings, meta


def _incoming(tier: Tier, aid: str, start: int, end: int, value: str, ours: dict | None, lines: list[str],
              as_category: bool, languages: dict[str, str]) -> Incoming:
    where = f"tier {tier.id!r} {aid}"
    if ours:  # written by bwv-review: every field is in a child tier
        point = ours.get("point", "")
        end_ms = None if point == POINT_VALUE else start if point == ZERO_VALUE else end
        note = "\n".join([ours["note"], *lines] if ours.get("note") else lines)
        return Incoming(where, start, end_ms, ours.get("category", ""), ours.get("speaker", ""), value,
                        note, ours.get("status", "") or "draft", tier.annotator,
                        link=("event", ours["event"]) if ours.get("event") else None)
    head = f"{ELAN_PREFIX}tier {tier.id}"
    if tier.lang:
        label = languages.get(tier.lang)
        head += f"; language {tier.lang}" + (f" ({label})" if label and label != tier.lang else "")
    if as_category:
        speaker, category = tier.participant, tier.id
    else:
        speaker = tier.participant or ("" if tier.id == NO_SPEAKER else tier.id)
        category = ""
    return Incoming(where, start, end, category, speaker, value, "\n".join([head, *lines]), "draft", tier.annotator)
