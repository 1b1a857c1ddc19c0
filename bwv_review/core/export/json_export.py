"""The whole case as JSON for other tools (schema documented in docs/export-json.md).

``verification`` comes first: whether the case was sound when exported, and its problems.
An annotation verification cannot vouch for has ``"trusted": false`` and a status of
``UNTRUSTED (recorded as ...)``; ``recorded_status`` keeps what the case says."""

from __future__ import annotations

import json

from ..keys import shown
from ..model import to_row
from ..timecode import format_instant, local
from .report import Report, audit_head, status_text

SCHEMA_VERSION = 1


def report_json(report: Report) -> dict:
    tz = report.tz
    case = report.case
    exhibits = []
    for rec in report.exhibits:
        row = to_row(rec.exhibit)
        row.pop("id", None)
        row["file_name"] = rec.file_name
        row["hash_check"] = {"status": rec.check, "at": report.generated_text, "problem": rec.problem}
        exhibits.append(row)
    annotations = []
    for entry in report.entries:
        item = entry.as_json(tz)
        item["wall_clock_start_utc"] = format_instant(entry.clock_start) if entry.clock_start else None
        item["wall_clock_end_utc"] = format_instant(entry.clock_end) if entry.clock_end else None
        start = local(entry.clock_start, tz)
        item["wall_clock_zone"] = start.tzname() if start else None
        item["recorded_status"] = item["status"]
        item["status"] = status_text(report, entry)
        item["trusted"] = report.trusted(entry)
        annotations.append(item)
    return {
        "verification": {"sound": not report.verification_problems,
                         "problems": list(report.verification_problems)},
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "bwv-review", "version": report.tool_version},
        "generated": report.generated_text,
        "case": {
            "title": case.title,
            "reference": case.reference,
            "created": case.created,
            "reviewers": list(case.reviewers),
            "timezone": case.timezone,
        },
        "filters": report.options.as_json(),
        "exhibits": exhibits,
        "categories": [
            {"slug": c.slug, "name": c.name, "colour": c.colour, "key": c.key, "description": c.description}
            for c in report.categories
        ],
        "annotations": annotations,
        "audit": {
            "rows": report.audit_rows,
            "head_hash": report.audit_hash,
            "head": audit_head(report),
            "signing_keys": [{"reviewer": name, "fingerprint": shown(fpr)} for name, fpr in report.signing_keys],
        },
        "warnings": list(report.warnings),
    }


def render_json(report: Report) -> bytes:
    text = json.dumps(report_json(report), ensure_ascii=False, indent=2, sort_keys=False)
    return (text + "\n").encode("utf-8")
