"""ELAN 3.0 (.eaf) for a linguist or a second reviewer, written as ELAN writes it.

One exhibit per file (an ELAN document has one timeline), media linked to the footage,
times in milliseconds, ``lastUsedAnnotationId`` and the ``URN`` property in the header,
valid against ELAN's published EAFv3.0.xsd. One tier per speaker (or per category): its
annotations hold the verbatim words; child tiers (Symbolic Association, so ELAN keeps
them with their parent) hold the category or speaker, status, note, event and whether it
is a point. ELAN cannot show a zero-length annotation, so a point lasts
``DEFAULT_POINT_MS`` (never past the end of the footage: ``point_span``). An annotation imported from
ELAN goes back to the tier it came from, with its translations and other dependent tiers
(kept as ``[ELAN] ...`` lines of its note) as dependent tiers again.
"""

from __future__ import annotations

import mimetypes
import os
import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from ..keys import shown
from ..store import CaseStore
from ..timecode import format_instant
from .report import Report, audit_head, cell_text, point_span, status_text

TEXT_TYPE = "bwv-words"
CHILD_TYPES = {  # linguistic type -> tier name suffix
    "bwv-category": "category",
    "bwv-speaker": "speaker",
    "bwv-status": "status",
    "bwv-note": "note",
    "bwv-point": "point",
    "bwv-event": "event",
}
POINT_VALUE = "point (no end time)"
ZERO_VALUE = "zero length"
NO_SPEAKER = "(no speaker)"
ELAN_PREFIX = "[ELAN] "
_DEPENDENT = re.compile(r"\[ELAN\] (?P<tier>.+?) \((?P<constraint>[A-Za-z_]+)\): (?P<value>.*)", re.S)
_HEAD = re.compile(r"\[ELAN\] tier (?P<tier>.+?)(?:; language (?P<lang>\S+)(?: \((?P<label>.*)\))?)?")
CONSTRAINTS = {
    "Time_Subdivision": "Time subdivision of parent annotation's time interval, no time gaps allowed within "
                        "this interval",
    "Symbolic_Subdivision": "Symbolic subdivision of a parent annotation. Annotations refering to the same "
                            "parent are ordered",
    "Symbolic_Association": "1-1 association with a parent annotation",
    "Included_In": "Time alignable annotations within the parent annotation's time interval, gaps are allowed",
}


def child_tier(parent: str, kind: str) -> str:
    return f"{parent} [{kind}]"


def _media(report: Report, exhibit_id: int, store_folder: Path | None, out: Path | None) -> dict:
    rec = next(r for r in report.exhibits if r.exhibit.id == exhibit_id)
    media = Path(rec.exhibit.path)
    if store_folder is not None and not media.is_absolute():
        media = store_folder / media
    media = media.resolve() if store_folder is not None else media
    mime = mimetypes.guess_type(rec.file_name)[0] or "video/mp4"
    desc = {"MEDIA_URL": media.as_uri() if media.is_absolute() else rec.file_name, "MIME_TYPE": mime}
    if out is not None and media.is_absolute():
        try:
            rel = Path(os.path.relpath(media, out.resolve().parent)).as_posix()
            desc["RELATIVE_MEDIA_URL"] = rel if rel.startswith("../") else "./" + rel
        except ValueError:  # another drive on Windows: ELAN uses the absolute URL
            pass
    return desc


def _point_value(a) -> str:
    if a.end_ms is None:
        return POINT_VALUE
    return ZERO_VALUE if a.end_ms == a.start_ms else ""


def split_note(note: str) -> tuple[str, str | None, tuple[str, str] | None, list[tuple[str, str, str]]]:
    """(the note without dependent-tier lines, ELAN tier name, (language, label), [(tier, constraint, value)])."""
    keep, deps = [], []
    tier = lang = None
    for line in note.split("\n") if note else []:
        head = _HEAD.fullmatch(line)
        dep = None if head else _DEPENDENT.fullmatch(line)
        if head and tier is None:
            tier = head["tier"]
            lang = (head["lang"], head["label"] or head["lang"]) if head["lang"] else None
            keep.append(line)
        elif dep:
            deps.append((dep["tier"], dep["constraint"], dep["value"]))
        else:
            keep.append(line)
    return "\n".join(keep), tier, lang, deps


class _Doc:
    """The parts of an EAF document, filled in as annotations are added."""

    def __init__(self) -> None:
        self.times: list[int] = []
        self.tiers: dict[str, dict] = {}  # id -> {"attrs": {...}, "anns": [elements]}
        self.types: dict[str, str] = {TEXT_TYPE: ""}  # linguistic type -> constraint
        self.languages: dict[str, str] = {}
        self.n = 0

    def tier(self, tier_id: str, ling: str, **attrs) -> dict:
        if tier_id not in self.tiers:
            self.tiers[tier_id] = {"attrs": {"LINGUISTIC_TYPE_REF": ling, "TIER_ID": tier_id, **attrs}, "anns": []}
        return self.tiers[tier_id]

    def next_id(self) -> str:
        self.n += 1
        return f"a{self.n}"

    def aligned(self, tier: str, start: int, end: int, value: str) -> str:
        aid = self.next_id()
        self.times += [start, end]
        el = ET.Element("ALIGNABLE_ANNOTATION", {"ANNOTATION_ID": aid, "TIME_SLOT_REF1": f"@{start}",
                                                 "TIME_SLOT_REF2": f"@{end}"})
        ET.SubElement(el, "ANNOTATION_VALUE").text = value
        self.tiers[tier]["anns"].append(el)
        return aid

    def ref(self, tier: str, parent_aid: str, value: str, previous: str | None = None) -> str:
        aid = self.next_id()
        attrs = {"ANNOTATION_ID": aid, "ANNOTATION_REF": parent_aid}
        if previous:
            attrs["PREVIOUS_ANNOTATION"] = previous
        el = ET.Element("REF_ANNOTATION", attrs)
        ET.SubElement(el, "ANNOTATION_VALUE").text = value
        self.tiers[tier]["anns"].append(el)
        return aid


def _dependents(doc: _Doc, parent_tier: str, parent_aid: str, deps: list[tuple[str, str, str]]) -> None:
    for name, constraint, value in deps:
        tier_id = name
        existing = doc.tiers.get(name)
        if existing is not None and existing["attrs"].get("PARENT_REF") != parent_tier:
            tier_id = f"{name} [{parent_tier}]"  # ELAN's tiers have one parent each
        # Without their own times, subdivisions and Included_In go back as symbolic subdivisions.
        kind = "Symbolic_Association" if constraint == "Symbolic_Association" else "Symbolic_Subdivision"
        ling = f"elan-{constraint}"  # the constraint it had in ELAN, read back on import
        doc.types[ling] = kind
        doc.tier(tier_id, ling, PARENT_REF=parent_tier)
        if kind == "Symbolic_Association":
            doc.ref(tier_id, parent_aid, value)
            continue
        previous = None
        for part in value.split(" | "):
            previous = doc.ref(tier_id, parent_aid, part, previous)


def build_eaf(report: Report, exhibit_id: int, tiers: str = "speaker",
              store_folder: Path | None = None, out: Path | None = None) -> ET.Element:
    rec = next(r for r in report.exhibits if r.exhibit.id == exhibit_id)
    duration = rec.exhibit.duration_ms
    doc = _Doc()
    tier_end: dict[str, int] = {}  # ELAN tiers may not overlap: later ones go to "name (2)"
    for entry in report.entries_for(exhibit_id):
        a = entry.annotation
        note, elan_tier, lang, deps = split_note(a.note)
        if tiers == "category":
            base = cell_text(entry.category.name)
        else:
            base = cell_text(elan_tier or a.speaker.strip() or NO_SPEAKER)
        start, end = point_span(a, duration)
        tier, n = base, 1
        while tier_end.get(tier, -1) > start or "PARENT_REF" in doc.tiers.get(tier, {"attrs": {}})["attrs"]:
            n += 1
            tier = f"{base} ({n})"
        attrs = {}
        if tiers == "speaker" and a.speaker.strip() and a.speaker.strip() != elan_tier:
            attrs["PARTICIPANT"] = cell_text(a.speaker.strip())
        if lang:
            attrs["LANG_REF"] = lang[0]
            doc.languages[lang[0]] = lang[1]
        doc.tier(tier, TEXT_TYPE, **attrs)
        tier_end[tier] = max(end, tier_end.get(tier, -1))
        parent = doc.aligned(tier, start, end, cell_text(a.text))
        values = {"category": entry.category.slug, "speaker": cell_text(a.speaker), "status": status_text(report, entry),
                  "note": cell_text(note), "point": _point_value(a), "event": str(a.event or "")}
        for kind, value in values.items():
            if value:
                child = child_tier(tier, kind)
                doc.tier(child, f"bwv-{kind}", PARENT_REF=tier)
                doc.ref(child, parent, value)
        _dependents(doc, tier, parent, [(n_, c, cell_text(v)) for n_, c, v in deps])
    return _document(report, rec, doc, store_folder, out)


def _document(report: Report, rec, doc: _Doc, store_folder: Path | None, out: Path | None) -> ET.Element:
    root = ET.Element("ANNOTATION_DOCUMENT", {
        "AUTHOR": f"bwv-review {report.tool_version}", "DATE": format_instant(report.generated),
        "FORMAT": "3.0", "VERSION": "3.0", "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsi:noNamespaceSchemaLocation": "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"})
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    ET.SubElement(header, "MEDIA_DESCRIPTOR", _media(report, rec.exhibit.id, store_folder, out))
    # ELAN names every document with a URN; ours is fixed by the case state, so the same
    # export gives the same bytes.
    urn = uuid.uuid5(uuid.NAMESPACE_URL, f"bwv-review:{rec.exhibit.sha256}:{report.audit_hash}:{report.generated_text}")
    props = [("URN", f"urn:nl-mpi-tools-elan-eaf:{urn}"), ("lastUsedAnnotationId", str(doc.n)),
             # Verification first: a reader (or ELAN's Properties view) sees it before the rest.
             ("bwv-review.verification", "FAILED" if report.verification_problems else "sound"),
             *(("bwv-review.verification-problem", p) for p in report.verification_problems),
             ("bwv-review.exhibit", rec.exhibit.ref), ("bwv-review.sha256", rec.exhibit.sha256),
             ("bwv-review.footage-check", rec.check_text),
             ("bwv-review.case", f"{report.case.reference} {report.case.title}".strip()),
             ("bwv-review.audit-head", audit_head(report)),
             *(("bwv-review.signing-key", f"{name} {shown(fpr)}") for name, fpr in report.signing_keys),
             ("bwv-review.generated", report.generated_text)]
    for name, value in props:
        ET.SubElement(header, "PROPERTY", {"NAME": name}).text = cell_text(value)
    order = ET.SubElement(root, "TIME_ORDER")
    slot = {}
    for i, ms in enumerate(sorted(set(doc.times)), start=1):
        slot[f"@{ms}"] = f"ts{i}"
        ET.SubElement(order, "TIME_SLOT", {"TIME_SLOT_ID": f"ts{i}", "TIME_VALUE": str(ms)})
    for tier in doc.tiers.values():
        el = ET.SubElement(root, "TIER", tier["attrs"])
        for ann in tier["anns"]:
            for ref in ("TIME_SLOT_REF1", "TIME_SLOT_REF2"):
                if ref in ann.attrib:
                    ann.set(ref, slot[ann.get(ref)])
            ET.SubElement(el, "ANNOTATION").append(ann)
    for ling, constraint in doc.types.items():
        attrs = {"GRAPHIC_REFERENCES": "false", "LINGUISTIC_TYPE_ID": ling,
                 "TIME_ALIGNABLE": "true" if ling == TEXT_TYPE else "false"}
        if constraint:
            attrs = {"CONSTRAINTS": constraint, **attrs}
        ET.SubElement(root, "LINGUISTIC_TYPE", attrs)
    for kind in CHILD_TYPES:
        ET.SubElement(root, "LINGUISTIC_TYPE", {"CONSTRAINTS": "Symbolic_Association", "GRAPHIC_REFERENCES": "false",
                                                "LINGUISTIC_TYPE_ID": kind, "TIME_ALIGNABLE": "false"})
    for lang_id, label in doc.languages.items():
        ET.SubElement(root, "LANGUAGE", {"LANG_ID": lang_id, "LANG_LABEL": label})
    for stereotype, description in CONSTRAINTS.items():
        ET.SubElement(root, "CONSTRAINT", {"DESCRIPTION": description, "STEREOTYPE": stereotype})
    return root


def render_eaf(report: Report, exhibit_id: int, tiers: str = "speaker",
               store: CaseStore | None = None, out: Path | None = None) -> bytes:
    root = build_eaf(report, exhibit_id, tiers, store.folder if store else None, out)
    ET.indent(root, space="    ")
    xml = ET.tostring(root, encoding="unicode")
    # ElementTree leaves a CR in text as is, and XML readers turn it into LF; keep it exact.
    xml = xml.replace("\r", "&#13;")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n").encode("utf-8")
