"""The case-file schema and its migrations.

``PRAGMA user_version`` holds the schema version. Each step below takes a file from
version N-1 to N inside one transaction and is audited (and, from format 5, signed), so a
case written by any earlier bwv-review opens in this one. Never edit a step that has
shipped: add a new one.

The steps are also the only definition of what a case file may contain: ``expected_schema``
runs them on an empty in-memory database and reads back its ``sqlite_schema``, and
``casefile.check_schema`` refuses any file whose schema differs from that for its format.
A new step therefore gets the check for free; see docs/threat-model.md ("Adding a
migration") for the rules a step must keep.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from sqlite_utils import Database

from . import audit
from .model import Category

APPLICATION_ID = 0x42575652  # "BWVR": tells a case file from any other SQLite file


def _v1(db: Database) -> None:
    """The first case format: case, exhibits, categories, annotations, audit log."""
    db["case_info"].create(
        {"id": int, "title": str, "reference": str, "created": str, "reviewers": str, "timezone": str},
        pk="id",
        not_null={"title"},
    )
    db["exhibit"].create(
        {
            "id": int,
            "ref": str,
            "wearer": str,
            "device": str,
            "path": str,
            "size": int,
            "sha256": str,
            "duration_ms": int,
            "frame_count": int,
            "fps": float,
            "width": int,
            "height": int,
            "codec": str,
            "has_audio": int,
            "creation_time": str,
            "recording_start": str,
            "start_source": str,
            "added": str,
            "added_by": str,
        },
        pk="id",
        not_null={"ref", "path", "sha256", "size"},
    )
    db.execute("CREATE UNIQUE INDEX exhibit_ref ON exhibit(ref COLLATE NOCASE)")
    db["category"].create(
        {"id": int, "slug": str, "name": str, "colour": str, "key": str, "description": str, "position": int},
        pk="id",
        not_null={"slug", "name"},
    )
    db.execute("CREATE UNIQUE INDEX category_slug ON category(slug COLLATE NOCASE)")
    # AUTOINCREMENT: an annotation's number is never reused after a delete, so "annotation 12"
    # in an audit row, an export or a statement always means one thing.
    db.execute(
        """CREATE TABLE annotation (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            exhibit_id INTEGER NOT NULL REFERENCES exhibit(id),
            start_ms INTEGER NOT NULL,
            end_ms INTEGER,
            category_id INTEGER NOT NULL REFERENCES category(id),
            speaker TEXT,
            text TEXT,
            note TEXT,
            status TEXT NOT NULL,
            reviewer TEXT,
            created TEXT,
            updated TEXT
        )"""
    )
    db.execute("CREATE INDEX annotation_exhibit_start ON annotation(exhibit_id, start_ms)")
    audit.create_tables(db)


def _v2(db: Database) -> None:
    """Review coverage: which seconds of each exhibit each reviewer has watched, at what speed."""
    db["coverage"].create(
        {"exhibit_id": int, "reviewer": str, "second": int, "speed": float, "watched_at": str},
        pk=("exhibit_id", "reviewer", "second"),
        foreign_keys=[("exhibit_id", "exhibit", "id")],
    )


def _v3(db: Database) -> None:
    """Machine-draft transcripts: one run per exhibit (model, language, who, when) and its
    segments with word timings. A draft is never evidence: reviewer-checked words live in
    annotations, which a new run never touches."""
    db.execute(
        """CREATE TABLE transcript_run (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            exhibit_id INTEGER NOT NULL REFERENCES exhibit(id),
            model TEXT NOT NULL,
            model_path TEXT,
            language TEXT,
            started TEXT,
            finished TEXT,
            reviewer TEXT,
            parameters TEXT,
            segment_count INTEGER NOT NULL DEFAULT 0,
            sha256 TEXT
        )"""
    )
    db.execute("CREATE INDEX transcript_run_exhibit ON transcript_run(exhibit_id)")
    # words: JSON list of {word, start_ms, end_ms, probability}; times in file ms, 0 = first frame.
    db.execute(
        """CREATE TABLE transcript_segment (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES transcript_run(id),
            exhibit_id INTEGER NOT NULL REFERENCES exhibit(id),
            position INTEGER NOT NULL,
            start_ms INTEGER NOT NULL,
            end_ms INTEGER NOT NULL,
            text TEXT NOT NULL,
            words TEXT NOT NULL,
            avg_logprob REAL,
            no_speech_prob REAL
        )"""
    )
    db.execute("CREATE INDEX transcript_segment_exhibit_start ON transcript_segment(exhibit_id, start_ms)")
    db.execute("CREATE INDEX transcript_segment_run ON transcript_segment(run_id, position)")


def _v4(db: Database) -> None:
    """Linked events across cameras, and where an annotation's words came from: NULL = typed by a reviewer, "machine-draft" =
    taken from the machine transcript, "import:<format>" = brought in from a file. Exports
    use it to say which quotes a reviewer has not yet checked against the sound. NULL for
    existing rows, so the audit trail's older snapshots still match them."""
    db.execute("ALTER TABLE annotation ADD COLUMN source TEXT")
    # One utterance heard on two cameras: annotations sharing an event number are the same
    # event (the statement shows it once, citing every exhibit). NULL = not linked.
    db.execute("ALTER TABLE annotation ADD COLUMN event INTEGER")


def _v5(db: Database) -> None:
    """Signed audit: the reviewers' public keys, and one signed seal per write transaction
    over the audit chain's newest entry (see seals.py). The step's own audit entry is the
    first one sealed, and its seal covers every entry before it."""
    db.execute(
        """CREATE TABLE signer (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reviewer TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            public_key TEXT NOT NULL,
            added TEXT NOT NULL
        )"""
    )
    db.execute("CREATE UNIQUE INDEX signer_key_reviewer ON signer(fingerprint, reviewer)")
    db.execute(
        """CREATE TABLE audit_seal (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            first_seq INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            head_hash TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            signed_at TEXT NOT NULL,
            signature TEXT NOT NULL
        )"""
    )


def _v6(db: Database) -> None:
    """Redactions (picture regions and sound intervals to cover in a disclosure copy, never
    in the footage) and the redacted copies made, each with its hash, its source's hash
    and a snapshot of the redactions applied. Both audited like annotations."""
    db.execute(
        """CREATE TABLE redaction (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            exhibit_id INTEGER NOT NULL REFERENCES exhibit(id),
            kind TEXT NOT NULL,
            start_ms INTEGER NOT NULL,
            end_ms INTEGER NOT NULL,
            shape TEXT,
            style TEXT,
            keyframes TEXT,
            audio TEXT,
            reason TEXT,
            status TEXT NOT NULL,
            source TEXT,
            reviewer TEXT,
            created TEXT,
            updated TEXT
        )"""
    )
    db.execute("CREATE INDEX redaction_exhibit_start ON redaction(exhibit_id, start_ms)")
    db.execute(
        """CREATE TABLE redacted_copy (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            exhibit_id INTEGER NOT NULL REFERENCES exhibit(id),
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            source_sha256 TEXT NOT NULL,
            frames INTEGER,
            duration_ms INTEGER,
            redactions TEXT NOT NULL,
            label TEXT,
            settings TEXT,
            report_path TEXT,
            report_sha256 TEXT,
            made TEXT,
            made_by TEXT
        )"""
    )


def _v7(db: Database) -> None:
    """Team cases: the database role that made each audit entry (filled in by a PostgreSQL
    server, never typed: NULL in a case kept in a file, and for every entry made before),
    and an index to find a record's history (who changed this mark last, and when)."""
    db.execute("ALTER TABLE audit ADD COLUMN db_role TEXT")
    db.execute("CREATE INDEX audit_entity ON audit(entity, entity_id)")


STEPS = [_v1, _v2, _v3, _v4, _v5, _v6, _v7]
VERSION = len(STEPS)
SIGNED_FROM = 5  # the first format whose audit entries are signed

# seal(after_seq, name): sign every audit entry after ``after_seq`` inside the open
# transaction, listing the key under ``name`` if the case does not list it yet (casefile).
Sealer = Callable[[int, str], object]


def migrate(db: Database, actor: str, seal: Sealer | None = None, target: int | None = None) -> None:
    """Bring a file up to ``target`` (default VERSION), one audited transaction per step.

    ``seal`` signs each step's audit entry from the signed format on; the step that brings
    signing in seals every entry before it too. Without it (an in-memory copy, the
    expected-schema build) nothing is signed."""
    conn = db.conn
    actor = actor or "bwv-review"
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number in range(version + 1, (VERSION if target is None else target) + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            before = audit.head(db)[0] if number > 1 else 0
            STEPS[number - 1](db)
            if number == 1:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            else:
                audit.record(db, actor, "case.migrate", detail=f"case format {number - 1} -> {number}")
            if seal is not None and number >= SIGNED_FROM:
                seal(0 if number == SIGNED_FROM else before, actor)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


_EXPECTED: dict[tuple, frozenset] = {}
SERVER_FROM = 7  # the first format a case on a PostgreSQL server can have (it records db_role)


def expected_connection(version: int) -> sqlite3.Connection:
    """An empty in-memory database with case format ``version``'s schema, made by the steps."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(Database(conn), actor="bwv-review", target=version)
    except BaseException:
        conn.close()
        raise
    return conn


def expected_schema(version: int) -> frozenset[tuple[str, str, str, str | None]]:
    """Every (type, name, table, sql) row of ``sqlite_schema`` that case format ``version``
    has, made by running the steps themselves on an empty in-memory database."""
    key = (version, *STEPS[:version])
    found = _EXPECTED.get(key)
    if found is None:
        conn = expected_connection(version)
        try:
            found = frozenset(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        finally:
            conn.close()
        _EXPECTED[key] = found
    return found


def backup_before_migration(db: Database, path: Path, version: int) -> Path:
    """A consistent copy of the case as it was, beside it, before its format is upgraded."""
    target = path.with_name(f"{path.name}.format{version}.bak")
    if not target.exists():
        tmp = target.with_name(target.name + ".tmp")
        tmp.unlink(missing_ok=True)  # left by a crash part-way through an earlier attempt
        dest = Database(str(tmp))
        try:
            db.conn.backup(dest.conn)
        finally:
            dest.close()
        shutil.move(str(tmp), str(target))
    return target


def default_categories() -> list[Category]:
    data = json.loads(resources.files("bwv_review.resources").joinpath("categories.json").read_text("utf-8"))
    return [Category(position=i, **item) for i, item in enumerate(data)]


def dumps_list(items: list[str]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def loads_list(text: str | None) -> list[str]:
    return json.loads(text) if text else []
