"""One case = one SQLite file, written through sqlite-utils.

Safety rules this module keeps (opening and transactions are in casefile.py):
- A file is checked read-only before anything runs on it: not SQLite, not a case file,
  damaged, from a newer bwv-review, or holding anything the app does not make (a trigger,
  a view, a changed table) -> refused, bytes untouched.
- Every write transaction is sealed with the reviewer's signing key (seals.py).
- WAL with synchronous=FULL: when a write returns, it is on disk (a crash or kill -9 loses
  nothing acknowledged). Each user action is one ``BEGIN IMMEDIATE`` transaction that also
  writes its audit row, so a change and its record land together or not at all.
- Two writers: a 30 s busy timeout, and IMMEDIATE transactions so a writer waits for the
  lock instead of failing part-way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from . import audit, conflicts, dialect, footage_paths, model, numbering, schema
from .casefile import BUSY_TIMEOUT_S, CaseFile, harden
from .errors import CaseFileError, ReviewError
from .model import Annotation, Case, Category, Exhibit, from_row, insert_row, to_row
from .timecode import now_iso

CASE_SUFFIX = ".bwvcase"
# Plain SQL for the per-action writes: sqlite-utils' insert()/get()/update() look the
# schema up on every call (about 20 extra statements per annotation), which is most of
# the cost of a commit beyond the fsync itself. sqlite-utils still owns schema and queries.
def _select(conn: sqlite3.Connection, table: str, rid: int) -> dict | None:
    cur = conn.execute(f"SELECT * FROM [{table}] WHERE id = ?", [rid])
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))


def _insert(conn: sqlite3.Connection, table: str, row: dict) -> int:
    cols = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    return conn.execute(f"INSERT INTO [{table}] ({cols}) VALUES ({marks})", list(row.values())).lastrowid


def _update(conn: sqlite3.Connection, table: str, rid: int, changes: dict) -> None:
    if changes:
        sets = ", ".join(f"[{c}] = ?" for c in changes)
        conn.execute(f"UPDATE [{table}] SET {sets} WHERE id = ?", [*changes.values(), rid])


_ANNOTATION_FIELDS = tuple(f.name for f in fields(Annotation))


def _ascii_lower(text: str) -> str:
    """What SQLite's NOCASE compares: ASCII letters folded, everything else as it is."""
    return text.translate(_ASCII_FOLD)


_ASCII_FOLD = {c: c + 32 for c in range(65, 91)}


class CaseStore(CaseFile):
    """A case opened for reading and writing (or read-only): its case details, exhibits,
    categories and annotations, each change one audited, signed transaction.

    This class is the one store interface: a case in a file (casefile.CaseFile, below) and a
    case on a PostgreSQL server (pg.case.ServerCase, a subclass that replaces how a case is
    opened and how a transaction is run) share every method here; ``dialect`` holds the
    statements that differ."""

    dialect = dialect.SQLITE

    # -- opening -------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: Path | str,
        title: str,
        reference: str = "",
        reviewer: str = "",
        timezone: str = "Europe/London",
    ) -> CaseStore:
        path = Path(path)
        if path.exists():
            raise CaseFileError(f"{path} already exists; choose another name (nothing was changed).")
        if not title.strip():
            raise ReviewError("A case needs a title.")
        if not path.parent.is_dir():
            raise CaseFileError(f"Folder {path.parent} does not exist.")
        tmp = path.with_name(path.name + ".creating")
        tmp.unlink(missing_ok=True)
        conn = harden(sqlite3.connect(str(tmp), timeout=BUSY_TIMEOUT_S))
        try:
            store = cls(tmp, conn, readonly=False, actor=reviewer or None)
            schema.migrate(store.db, actor=reviewer, seal=store._seal)
            store._committed()
            case = Case(
                title=title.strip(),
                reference=reference.strip(),
                created=now_iso(),
                reviewers=[reviewer] if reviewer else [],
                timezone=timezone,
            )
            store.initialise(case, reviewer)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
        except BaseException:
            conn.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(tmp) + suffix).unlink(missing_ok=True)
            raise
        tmp.replace(path)
        return cls.open(path, actor=reviewer or None)

    def initialise(self, case: Case, reviewer: str) -> None:
        """A new case's details and default categories, as its first audited change; the
        step after the schema in ``create`` (of a case file, or a server case). Refused on a
        case that has its details already."""
        with self.transaction():
            if self._row("case_info", 1) is not None:
                raise CaseFileError("This case has its details already; a case is made once (nothing was changed).")
            row = {"id": 1, **to_row(case)}
            row["reviewers"] = schema.dumps_list(case.reviewers)
            _insert(self.db.conn, "case_info", row)
            audit.record(self.db, reviewer, "case.create", "case_info", 1, after=self._row("case_info", 1))
            for cat in schema.default_categories():
                self._insert_category(cat, reviewer)

    def _row(self, table: str, rid: int) -> dict:
        return _select(self.db.conn, table, rid)

    # -- case ----------------------------------------------------------------------
    def case(self) -> Case:
        row = self._row("case_info", 1)
        row["reviewers"] = schema.loads_list(row["reviewers"])
        return from_row(Case, row)

    def update_case(self, actor: str, **changes) -> Case:
        if "reviewers" in changes:
            changes["reviewers"] = schema.dumps_list(changes["reviewers"])
        with self.transaction():
            before = self._row("case_info", 1)
            _update(self.db.conn, "case_info", 1, changes)
            audit.record(self.db, actor, "case.update", "case_info", 1, before, self._row("case_info", 1))
        return self.case()

    def add_reviewer(self, name: str) -> None:
        if name and name not in self.case().reviewers:
            self.update_case(name, reviewers=[*self.case().reviewers, name])

    # -- exhibits ------------------------------------------------------------------
    def stored_path(self, footage: Path) -> str:
        """How footage the reviewer chose is named in this case (see footage_paths.stored_path)."""
        return footage_paths.stored_path(self.folder, footage)

    def footage_path(self, exhibit: Exhibit) -> Path:
        """Where an exhibit's file is now, whichever OS wrote the stored path; FootageError if
        the stored path leads outside the case folder and media folders, or to a non-file."""
        return footage_paths.resolve(self.folder, exhibit.path, f"exhibit {exhibit.ref}")

    def exhibits(self) -> list[Exhibit]:
        return [self._exhibit(r) for r in self.db.query("SELECT * FROM exhibit ORDER BY ref")]

    def _exhibit(self, row: dict) -> Exhibit:
        row = dict(row)
        row["has_audio"] = bool(row["has_audio"])
        return from_row(Exhibit, row)

    def exhibit(self, ref: str) -> Exhibit:
        match = self.dialect.nocase_eq.format(col="ref")
        rows = list(self.db.query(f"SELECT * FROM exhibit WHERE {match}", [ref.strip()]))
        if not rows:
            known = ", ".join(e.ref for e in self.exhibits()) or "none yet"
            raise ReviewError(f"No exhibit {ref!r} in this case (exhibits: {known}).")
        return self._exhibit(rows[0])

    def exhibit_by_id(self, exhibit_id: int) -> Exhibit:
        row = self._row("exhibit", exhibit_id)
        if row is None:
            raise ReviewError(f"No exhibit {exhibit_id} in this case.")
        return self._exhibit(row)

    def add_exhibit(self, exhibit: Exhibit, actor: str) -> Exhibit:
        if not exhibit.ref.strip():
            raise ReviewError("An exhibit needs a reference, such as AB/1.")
        exhibit.ref = exhibit.ref.strip()
        with self.transaction():
            match = self.dialect.nocase_eq.format(col="ref")
            if self.db.execute(f"SELECT 1 FROM exhibit WHERE {match}", [exhibit.ref]).fetchone():
                raise ReviewError(f"Exhibit {exhibit.ref} is already in this case.")
            same = self.db.execute("SELECT ref FROM exhibit WHERE sha256 = ?", [exhibit.sha256]).fetchone()
            if same:
                raise ReviewError(
                    f"This footage is already in the case as exhibit {same[0]} (same SHA-256)."
                )
            exhibit.added = exhibit.added or now_iso()
            exhibit.added_by = exhibit.added_by or actor
            rid = _insert(self.db.conn, "exhibit", to_row(exhibit))
            audit.record(self.db, actor, "exhibit.add", "exhibit", rid, after=self._row("exhibit", rid))
        return self.exhibit_by_id(rid)

    def update_exhibit(self, ref: str, actor: str, action: str = "exhibit.update", **changes) -> Exhibit:
        ex = self.exhibit(ref)
        with self.transaction():
            before = self._row("exhibit", ex.id)
            _update(self.db.conn, "exhibit", ex.id, changes)
            audit.record(self.db, actor, action, "exhibit", ex.id, before, self._row("exhibit", ex.id))
        return self.exhibit_by_id(ex.id)

    # -- categories ----------------------------------------------------------------
    def categories(self) -> list[Category]:
        return [from_row(Category, r) for r in self.db.query("SELECT * FROM category ORDER BY position, id")]

    def category(self, slug_or_name: str) -> Category:
        wanted = slug_or_name.strip().casefold()
        for cat in self.categories():
            if wanted in (cat.slug.casefold(), cat.name.casefold()):
                return cat
        known = ", ".join(c.slug for c in self.categories())
        raise ReviewError(f"No category {slug_or_name!r} in this case (categories: {known}).")

    def _insert_category(self, cat: Category, actor: str) -> int:
        rid = _insert(self.db.conn, "category", to_row(cat))
        audit.record(self.db, actor, "category.add", "category", rid, after=self._row("category", rid))
        return rid

    def add_category(self, cat: Category, actor: str) -> Category:
        with self.transaction():
            rid = self._insert_category(cat, actor)
        return from_row(Category, self._row("category", rid))

    def update_category(self, slug: str, actor: str, action: str = "category.update", **changes) -> Category:
        cat = self.category(slug)
        with self.transaction():
            before = self._row("category", cat.id)
            _update(self.db.conn, "category", cat.id, changes)
            audit.record(self.db, actor, action, "category", cat.id, before, self._row("category", cat.id))
        return from_row(Category, self._row("category", cat.id))

    # -- annotations ---------------------------------------------------------------
    def annotations(self, exhibit_id: int | None = None) -> list[Annotation]:
        # Columns named in the dataclass's own order, so each row is built positionally:
        # a case of 100,000 marks loads in about half the time of building keyword dicts.
        names = _ANNOTATION_FIELDS
        sql = f"SELECT {', '.join(names)} FROM annotation"
        args: list = []
        if exhibit_id is not None:
            sql += " WHERE exhibit_id = ?"
            args.append(exhibit_id)
        sql += " ORDER BY exhibit_id, start_ms, id"
        return [Annotation(*row) for row in self.db.conn.execute(sql, args)]

    def annotation(self, annotation_id: int) -> Annotation:
        row = self.db.execute("SELECT 1 FROM annotation WHERE id = ?", [annotation_id]).fetchone()
        if row is None:
            raise ReviewError(f"No annotation {annotation_id} in this case.")
        return from_row(Annotation, self._row("annotation", annotation_id))

    def _check_annotation(self, ann: Annotation) -> None:
        ex = self.exhibit_by_id(ann.exhibit_id)
        known = self.db.execute("SELECT 1 FROM category WHERE id = ?", [ann.category_id]).fetchone() is not None
        problem = model.annotation_problem(ann, ex, {ann.category_id} if known else set())
        if problem:
            raise ReviewError(problem)

    def add_annotation(self, ann: Annotation, actor: str, action: str = "annotation.add") -> Annotation:
        """Insert (or, for undo of a delete, re-insert with its old id) one annotation."""
        self._check_annotation(ann)
        stamp = now_iso()
        ann.created = ann.created or stamp
        ann.updated = stamp
        ann.reviewer = ann.reviewer or actor
        with self.transaction():
            row = insert_row(ann)
            if ann.id is None:  # a new mark (an undone delete comes back under its own number)
                row = {"id": numbering.next_id(self, "annotation", actor)} | row
            rid = _insert(self.db.conn, "annotation", row)
            audit.record(self.db, actor, action, "annotation", rid, after=self._row("annotation", rid))
        return self.annotation(rid)

    def add_annotations(self, annotations: list[Annotation], actor: str, action: str = "annotation.import",
                        detail: str = "", *, link_groups: list | None = None,
                        progress: Callable[[int, int], None] | None = None) -> list[Annotation]:
        """Insert many annotations in one transaction, one audit row each (all or none).

        Every annotation is checked first by the same rules as one added by hand; the first
        problem refuses the lot. ``link_groups`` (one label or None per annotation) links the
        annotations sharing a label as one event, numbered by the lowest id among them, as
        ``link`` does. ``progress(done, total)`` is told as rows are written."""
        if link_groups is not None and len(link_groups) != len(annotations):
            raise ValueError("link_groups needs one entry per annotation")
        exhibits: dict[int, Exhibit] = {}
        category_ids = {r[0] for r in self.db.conn.execute("SELECT id FROM category")}
        for n, ann in enumerate(annotations, start=1):
            ex = exhibits.get(ann.exhibit_id)
            if ex is None:
                ex = exhibits[ann.exhibit_id] = self.exhibit_by_id(ann.exhibit_id)
            problem = model.annotation_problem(ann, ex, category_ids)
            if problem:
                raise ReviewError(f"Annotation {n} of {len(annotations)}: {problem}")
        stamp = now_iso()
        names = [f for f in _ANNOTATION_FIELDS if f != "id"]
        rows = []
        for ann in annotations:
            ann.created = ann.created or stamp
            ann.updated = stamp
            ann.reviewer = ann.reviewer or actor
            rows.append([getattr(ann, f) for f in names])
        conn = self.db.conn
        total = len(rows)
        with self.transaction():
            # New numbers follow every number ever used (numbering.py), and the write lock keeps
            # anyone else from adding meanwhile.
            floor = numbering.next_id(self, "annotation", actor) - 1
            conn.executemany(f"INSERT INTO annotation (id, {', '.join(names)}) VALUES ({', '.join('?' * (len(names) + 1))})",
                             ([floor + n, *row] for n, row in enumerate(rows, start=1)))
            ids = [r[0] for r in conn.execute("SELECT id FROM annotation WHERE id > ? ORDER BY id", [floor])]
            if len(ids) != total:
                raise ReviewError("The case changed while importing; nothing was added.")
            if link_groups is not None:
                first: dict = {}
                for rid, label in zip(ids, link_groups, strict=True):
                    if label is not None:
                        first.setdefault(label, rid)
                events = [(first[label], rid) for rid, label in zip(ids, link_groups, strict=True)
                          if label is not None]
                conn.executemany("UPDATE annotation SET event = ? WHERE id = ?", events)
            cur = conn.execute("SELECT * FROM annotation WHERE id > ? ORDER BY id", [floor])
            cols = [d[0] for d in cur.description]
            picks = [cols.index(f) for f in _ANNOTATION_FIELDS]
            rows, key = cur.fetchall(), cols.index("id")
            added = [Annotation(*[row[i] for i in picks]) for row in rows]

            def changes():  # one audit row per annotation, as it is written
                for n, row in enumerate(rows, start=1):
                    yield row[key], None, dict(zip(cols, row, strict=True))
                    if progress is not None and (n % 2000 == 0 or n == total):
                        progress(n, total)

            audit.record_many(self.db, actor, action, "annotation", changes(), detail)
        return added

    def update_annotation(self, annotation_id: int, actor: str, action: str = "annotation.update",
                          expected: Annotation | None = None, **changes) -> Annotation:
        """Change an annotation. ``expected``: the annotation as the reviewer saw it when they
        began the edit; if anyone changed or deleted it since, the change is refused with a
        sentence showing theirs (conflicts.ConflictError), never saved over it."""
        current = self.annotation(annotation_id) if expected is None else conflicts.still(self, expected)
        for key, value in changes.items():
            setattr(current, key, value)
        self._check_annotation(current)
        changes["updated"] = now_iso()
        with self.transaction():
            before = self._row("annotation", annotation_id)
            conflicts.check(self, "annotation", annotation_id, before, expected,
                            {k: v for k, v in changes.items() if k != "updated"})
            _update(self.db.conn, "annotation", annotation_id, changes)
            audit.record(self.db, actor, action, "annotation", annotation_id, before, self._row("annotation", annotation_id))
        return self.annotation(annotation_id)

    def delete_annotation(self, annotation_id: int, actor: str, action: str = "annotation.delete",
                          expected: Annotation | None = None) -> Annotation:
        current = self.annotation(annotation_id) if expected is None else conflicts.still(self, expected)
        with self.transaction():
            before = self._row("annotation", annotation_id)
            conflicts.check(self, "annotation", annotation_id, before, expected)
            self.db.conn.execute("DELETE FROM annotation WHERE id = ?", [annotation_id])
            audit.record(self.db, actor, action, "annotation", annotation_id, before=before)
        return current

    # -- audit ---------------------------------------------------------------------
    def audit_rows(self) -> list[dict]:
        return list(self.db.query("SELECT * FROM audit ORDER BY seq"))

    def audit_head(self) -> tuple[int, str]:
        return audit.head(self.db)

    # -- review coverage -----------------------------------------------------------
    def record_coverage(self, exhibit_id: int, reviewer: str, seconds: list[int], speed: float) -> None:
        """Mark whole seconds of an exhibit as watched by ``reviewer`` at ``speed``.

        A second already watched keeps the slowest speed it was watched at (watching at
        normal speed is what a reviewer must be able to show). Not audited: it records the
        review, not the evidence.
        """
        if not seconds or self.readonly:
            return
        stamp = now_iso()
        with self.transaction():
            self.db.conn.executemany(
                "INSERT INTO coverage (exhibit_id, reviewer, second, speed, watched_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (exhibit_id, reviewer, second) DO UPDATE SET "
                f"speed = {self.dialect.smaller}(speed, excluded.speed), watched_at = excluded.watched_at",
                [(exhibit_id, reviewer, int(s), float(speed), stamp) for s in sorted(set(seconds))],
            )

    def coverage(self, exhibit_id: int, reviewer: str | None = None) -> dict[int, float]:
        """{second: slowest speed watched} for one reviewer, or for anyone when None."""
        sql = "SELECT second, min(speed) AS speed FROM coverage WHERE exhibit_id = ?"
        args: list = [exhibit_id]
        if reviewer is not None:
            sql += " AND reviewer = ?"
            args.append(reviewer)
        sql += " GROUP BY second"
        return {row["second"]: row["speed"] for row in self.db.query(sql, args)}

    def speakers(self) -> list[str]:
        """Speakers used so far in this case, for the editor's list."""
        rows = self.db.execute("SELECT DISTINCT speaker FROM annotation WHERE speaker != ''").fetchall()
        return sorted((r[0] for r in rows), key=lambda s: (_ascii_lower(s), s))

    def data_version(self) -> int:
        """Changes when any connection (another app or the CLI) commits to this file."""
        return self.db.conn.execute("PRAGMA data_version").fetchone()[0]

    # -- linked events -------------------------------------------------------------
    def link(self, annotation_ids: list[int], actor: str) -> int:
        """Mark annotations (usually on different cameras) as one event; returns its number.

        The event number is the lowest annotation id involved, so it is stable and readable;
        every annotation changed is audited as its own update, all in one transaction.
        """
        anns = [self.annotation(i) for i in annotation_ids]
        if len(anns) < 2:
            raise ReviewError("Choose at least two annotations to link as one event.")
        event = min([a.id for a in anns] + [a.event for a in anns if a.event is not None])
        with self.transaction():
            for ann in anns:
                if ann.event == event:
                    continue
                before = self._row("annotation", ann.id)
                _update(self.db.conn, "annotation", ann.id, {"event": event, "updated": now_iso()})
                audit.record(self.db, actor, "annotation.link", "annotation", ann.id, before,
                             self._row("annotation", ann.id))
        return event
