"""ELAN 3.0 (.eaf) for a linguist or a second reviewer, written with pympi-ling.

One exhibit per file (an ELAN document has one timeline), media linked to the footage,
times in milliseconds. One tier per speaker (or per category): its annotations hold the
verbatim words; child tiers (Symbolic Association, so ELAN keeps them with their parent)
hold the category or speaker, the status and the note, and mark point annotations, which
ELAN cannot show at zero length, so they last ``DEFAULT_POINT_MS``. The import reads these
back exactly; tiers from ELAN itself without them become speaker or category.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from pympi import Elan

from ..keys import shown
from ..store import CaseStore
from ..timecode import format_instant
from .report import DEFAULT_POINT_MS, Report, audit_head, cell_text, status_text

TEXT_TYPE = "bwv-words"
CHILD_TYPES = {  # linguistic type -> tier name suffix
    "bwv-category": "category",
    "bwv-speaker": "speaker",
    "bwv-status": "status",
    "bwv-note": "note",
    "bwv-point": "point",
}
POINT_VALUE = "point (no end time)"
ZERO_VALUE = "zero length"
NO_SPEAKER = "(no speaker)"


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
            rel = os.path.relpath(media, out.resolve().parent)
            rel = Path(rel).as_posix()
            desc["RELATIVE_MEDIA_URL"] = rel if rel.startswith("../") else "./" + rel
        except ValueError:  # another drive on Windows: ELAN uses the absolute URL
            pass
    return desc


def _end_ms(a) -> int:
    """A real end, or for a point the default length (ELAN needs end > start)."""
    if a.end_ms is not None and a.end_ms > a.start_ms:
        return a.end_ms
    return a.start_ms + (1 if a.end_ms is not None else DEFAULT_POINT_MS)


def _point_value(a) -> str:
    if a.end_ms is None:
        return POINT_VALUE
    return ZERO_VALUE if a.end_ms == a.start_ms else ""


def build_eaf(report: Report, exhibit_id: int, tiers: str = "speaker",
              store_folder: Path | None = None, out: Path | None = None) -> Elan.Eaf:
    rec = next(r for r in report.exhibits if r.exhibit.id == exhibit_id)
    eaf = Elan.Eaf(author=f"bwv-review {report.tool_version}")
    eaf.adocument.update({
        "DATE": format_instant(report.generated),
        "VERSION": "3.0",
        "FORMAT": "3.0",
        "xsi:noNamespaceSchemaLocation": "http://www.mpi.nl/tools/elan/EAFv3.0.xsd",
    })
    eaf.header = {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"}
    eaf.remove_tier("default")
    eaf.remove_linguistic_type("default-lt")
    eaf.add_linguistic_type(TEXT_TYPE, timealignable=True)
    for ling in CHILD_TYPES:
        eaf.add_linguistic_type(ling, constraints="Symbolic_Association", timealignable=False)
    eaf.media_descriptors.append(_media(report, exhibit_id, store_folder, out))
    problems = [("bwv-review.verification-problem", cell_text(p)) for p in report.verification_problems]
    eaf.properties = [
        ("bwv-review.verification", "FAILED" if problems else "sound"),
        *problems,
        ("bwv-review.exhibit", rec.exhibit.ref),
        ("bwv-review.sha256", rec.exhibit.sha256),
        ("bwv-review.footage-check", rec.check_text),
        ("bwv-review.case", f"{report.case.reference} {report.case.title}".strip()),
        ("bwv-review.audit-head", audit_head(report)),
        *(("bwv-review.signing-key", f"{cell_text(name)} {shown(fpr)}") for name, fpr in report.signing_keys),
        ("bwv-review.generated", report.generated_text),
    ]
    entries = report.entries_for(exhibit_id)
    tier_end: dict[str, int] = {}  # ELAN tiers may not overlap: later ones go to "name (2)"
    for entry in entries:
        a = entry.annotation
        base = cell_text(entry.category.name if tiers == "category" else (a.speaker.strip() or NO_SPEAKER))
        tier, n = base, 1
        while tier_end.get(tier, -1) > a.start_ms:
            n += 1
            tier = f"{base} ({n})"
        if tier not in eaf.tiers:
            part = a.speaker.strip() or None if tiers == "speaker" else None
            eaf.add_tier(tier, ling=TEXT_TYPE, part=part and cell_text(part))
        end = _end_ms(a)
        tier_end[tier] = end
        eaf.add_annotation(tier, int(a.start_ms), int(end), cell_text(a.text))
        parent_id = f"a{eaf.maxaid}"
        values = {
            "category": entry.category.slug,
            "speaker": cell_text(a.speaker),
            "status": status_text(report, entry),
            "note": cell_text(a.note),
            "point": _point_value(a),
        }
        for kind, value in values.items():
            if value:
                if child_tier(tier, kind) not in eaf.tiers:
                    eaf.add_tier(child_tier(tier, kind), ling=f"bwv-{kind}", parent=tier)
                aid = eaf.generate_annotation_id()
                eaf.annotations[aid] = child_tier(tier, kind)
                eaf.tiers[child_tier(tier, kind)][1][aid] = (parent_id, value, None, None)
    eaf.properties.insert(0, ("lastUsedAnnotation", eaf.maxaid))
    return eaf


def render_eaf(report: Report, exhibit_id: int, tiers: str = "speaker",
               store: CaseStore | None = None, out: Path | None = None) -> bytes:
    eaf = build_eaf(report, exhibit_id, tiers, store.folder if store else None, out)
    xml = Elan.to_string(eaf, pretty=True)
    # ElementTree leaves a CR in text as is, and XML readers turn it into LF; keep it exact.
    xml = xml.replace("\r", "&#13;")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n").encode("utf-8")
